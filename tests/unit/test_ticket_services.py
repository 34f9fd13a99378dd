"""Ticket services on the real database: validation, idempotency, versions, events."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, insert, select, update

from helpdesk.domain import Channel, Origin, Priority, Status
from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.tickets import services
from helpdesk.tickets.services import NewTicket
from helpdesk.tickets.workflow import StaleTicketError, WorkflowError, transition
from tests import factories


def count(model, **where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def kinds(ticket) -> list[str]:
    db.session.expire(ticket, ["events"])
    return [e.kind for e in ticket.events]


def new(category, **kw) -> NewTicket:
    fields = {
        "subject": "Kettle lid cracked",
        "description": "The lid cracked the first time I used it.",
        "category_id": category.id,
    }
    return NewTicket(**(fields | kw))


def close(ticket, actor) -> None:
    transition(ticket, Status.CLOSED_UNRESOLVED, actor)
    db.session.commit()


# --- create_ticket -------------------------------------------------------------------


def test_create_ticket_records_who_where_and_a_public_created_event(customer, category):
    ticket, created = services.create_ticket(
        new(category, order_ref=" A-1 "), customer=customer, created_by=customer
    )
    assert created
    assert ticket.status == Status.NEW
    assert ticket.customer_id == customer.id
    assert ticket.channel == Channel.WEB
    assert ticket.origin == Origin.CUSTOMER
    assert ticket.order_ref == "A-1"
    assert ticket.reference == f"T-{ticket.id:06d}"
    (event,) = ticket.events
    assert event.kind == "created"
    assert event.is_public
    assert event.data["on_behalf"] is False
    # Raising a ticket is not a response from the organisation.
    assert ticket.first_response_at is None


def test_create_ticket_strips_and_accepts_the_longest_allowed_texts(customer, category):
    ticket, _ = services.create_ticket(
        new(category, subject="  " + "s" * 200 + "  ", description="d" * 10_000),
        customer=customer,
        created_by=customer,
    )
    assert ticket.subject == "s" * 200
    assert len(ticket.description) == 10_000


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "s" * 201}, "subject"),
        ({"description": ""}, "description"),
        ({"description": "d" * 10_001}, "description"),
        ({"category_id": 99999}, "category_id"),
        ({"channel": "carrier pigeon"}, "channel"),
        ({"origin": "elsewhere"}, "origin"),
        ({"priority": 9}, "priority"),
        ({"order_ref": "r" * 61}, "order_ref"),
    ],
)
def test_create_ticket_refuses_bad_fields(customer, category, fields, field):
    with pytest.raises(WorkflowError) as caught:
        services.create_ticket(new(category, **fields), customer=customer, created_by=customer)
    assert caught.value.field == field
    assert caught.value.message
    db.session.rollback()
    assert count(Ticket) == 0


def test_create_ticket_refuses_an_inactive_category(customer, category):
    category.active = False
    db.session.commit()
    with pytest.raises(WorkflowError, match="listed categories"):
        services.create_ticket(new(category), customer=customer, created_by=customer)


def test_replayed_idempotency_key_returns_the_first_ticket(customer, category):
    first, created = services.create_ticket(
        new(category), customer=customer, created_by=customer, idempotency_key="k" * 32
    )
    again, created_again = services.create_ticket(
        new(category, subject="A different subject"),
        customer=customer,
        created_by=customer,
        idempotency_key="k" * 32,
    )
    assert created and not created_again
    assert again.id == first.id
    assert again.subject == "Kettle lid cracked"
    assert count(Ticket) == 1
    assert count(TicketEvent, kind="created") == 1


def test_different_idempotency_keys_make_different_tickets(customer, category):
    a, _ = services.create_ticket(
        new(category), customer=customer, created_by=customer, idempotency_key="a" * 32
    )
    b, _ = services.create_ticket(
        new(category), customer=customer, created_by=customer, idempotency_key="b" * 32
    )
    assert a.id != b.id


def test_ticket_logged_for_a_customer_is_on_behalf(customer, agent, category):
    ticket, _ = services.create_ticket(
        new(category, channel=Channel.PHONE), customer=customer, created_by=agent
    )
    assert ticket.events[0].data == {"channel": "phone", "origin": "customer", "on_behalf": True}


def test_proactive_report_has_no_customer_and_an_internal_created_event(agent, category):
    ticket, _ = services.create_ticket(
        new(category, channel=Channel.INTERNAL, origin=Origin.INTERNAL),
        customer=None,
        created_by=agent,
    )
    assert ticket.customer_id is None
    assert not ticket.events[0].is_public


# --- acknowledge ---------------------------------------------------------------------


ACK = {"need": "A lid that fits", "impact": "Cannot boil water", "feeling": "Frustrated"}


def test_acknowledge_sets_times_status_assignee_and_a_public_event(ticket, agent):
    event = services.acknowledge(ticket, agent, **ACK)
    assert event.kind == "acknowledged"
    assert event.is_public
    assert event.data == ACK
    assert "A lid that fits" in event.body
    assert ticket.status == Status.ACKNOWLEDGED
    assert ticket.acknowledged_at == event.created_at
    assert ticket.first_response_at == event.created_at
    assert ticket.assignee_id == agent.id
    assert kinds(ticket) == ["created", "acknowledged", "status_changed"]


@pytest.mark.parametrize("blank", ["need", "impact", "feeling"])
def test_acknowledge_needs_all_three_texts(ticket, agent, blank):
    with pytest.raises(WorkflowError) as caught:
        services.acknowledge(ticket, agent, **(ACK | {blank: "  "}))
    assert caught.value.field == blank
    db.session.rollback()
    assert ticket.status == Status.NEW
    assert ticket.acknowledged_at is None
    assert kinds(ticket) == ["created"]


def test_acknowledge_refuses_a_second_time(ticket, agent, supervisor):
    services.acknowledge(ticket, agent, **ACK)
    with pytest.raises(WorkflowError, match="already been acknowledged"):
        services.acknowledge(ticket, supervisor, **ACK)
    assert kinds(ticket).count("acknowledged") == 1


def test_acknowledge_refuses_a_closed_ticket(ticket, agent):
    close(ticket, agent)
    with pytest.raises(WorkflowError, match="closed"):
        services.acknowledge(ticket, agent, **ACK)


def test_acknowledge_keeps_an_existing_assignee(ticket, agent, supervisor):
    services.assign(ticket, supervisor, agent)
    services.acknowledge(ticket, supervisor, **ACK)
    assert ticket.assignee_id == agent.id


# --- reply, note, customer_reply -----------------------------------------------------


def test_reply_is_public_and_counts_as_an_update(ticket, agent):
    event = services.reply(ticket, agent, "We are sending a new lid.")
    assert event.is_public and event.kind == "reply"
    assert ticket.last_public_update_at == event.created_at
    assert ticket.first_response_at == event.created_at


def test_reply_with_a_replayed_key_adds_one_event(ticket, agent):
    first = services.reply(ticket, agent, "Hello", idempotency_key="r" * 32)
    second = services.reply(ticket, agent, "Hello", idempotency_key="r" * 32)
    assert first.id == second.id
    assert kinds(ticket).count("reply") == 1


def test_reply_replay_is_not_refused_as_stale(ticket, agent):
    # The first submit bumped the version; the double-click still carries the old one.
    version = ticket.version
    services.reply(ticket, agent, "Hello", expected_version=version, idempotency_key="x" * 32)
    again = services.reply(
        ticket, agent, "Hello", expected_version=version, idempotency_key="x" * 32
    )
    assert again.body == "Hello"
    assert kinds(ticket).count("reply") == 1


def test_reply_refuses_empty_oversized_closed_and_customerless(ticket, agent, category):
    with pytest.raises(WorkflowError) as empty:
        services.reply(ticket, agent, "   ")
    assert empty.value.field == "body"
    with pytest.raises(WorkflowError):
        services.reply(ticket, agent, "x" * 10_001)
    db.session.rollback()
    proactive = factories.make_ticket(
        customer=None, created_by=agent, category=category, origin="internal", channel="internal"
    )
    with pytest.raises(WorkflowError, match="no customer"):
        services.reply(proactive, agent, "Hello")
    close(ticket, agent)
    with pytest.raises(WorkflowError, match="closed"):
        services.reply(ticket, agent, "Hello")
    assert "reply" not in kinds(ticket)


def test_note_is_internal_and_not_an_update(ticket, agent):
    event = services.add_note(ticket, agent, "Customer sounded upset.")
    assert event.kind == "note" and not event.is_public
    assert ticket.first_response_at is None
    assert ticket.last_public_update_at is None


def test_note_with_a_replayed_key_adds_one_event(ticket, agent):
    services.add_note(ticket, agent, "Once", idempotency_key="n" * 32)
    services.add_note(ticket, agent, "Once", idempotency_key="n" * 32)
    assert kinds(ticket).count("note") == 1


def test_customer_reply_is_public_and_not_a_staff_update(ticket, customer):
    event = services.customer_reply(ticket, customer, "Any news?")
    assert event.is_public and event.kind == "customer_message"
    assert ticket.last_public_update_at is None


def test_customer_reply_with_a_replayed_key_adds_one_event(ticket, customer):
    services.customer_reply(ticket, customer, "Any news?", idempotency_key="c" * 32)
    services.customer_reply(ticket, customer, "Any news?", idempotency_key="c" * 32)
    assert kinds(ticket).count("customer_message") == 1


def test_customer_reply_to_awaiting_customer_puts_it_back_to_work(ticket, customer, agent):
    transition(ticket, Status.AWAITING_CUSTOMER, agent)
    db.session.commit()
    services.customer_reply(ticket, customer, "Here is the photo you asked for.")
    assert ticket.status == Status.ACKNOWLEDGED
    assert kinds(ticket)[-2:] == ["status_changed", "customer_message"]


def test_customer_reply_refuses_someone_else_and_a_closed_ticket(
    ticket, customer, other_customer, agent
):
    with pytest.raises(WorkflowError, match="Only the ticket's customer"):
        services.customer_reply(ticket, other_customer, "Me too")
    close(ticket, agent)
    with pytest.raises(WorkflowError, match="closed"):
        services.customer_reply(ticket, customer, "Still broken")
    assert "customer_message" not in kinds(ticket)


def test_customer_reply_with_an_empty_body_leaves_the_status_alone(ticket, customer, agent):
    transition(ticket, Status.AWAITING_CUSTOMER, agent)
    db.session.commit()
    with pytest.raises(WorkflowError):
        services.customer_reply(ticket, customer, "   ")
    # Nothing is half-done in the session when the message is refused.
    assert ticket.status == Status.AWAITING_CUSTOMER
    assert not db.session.dirty


# --- assign ------------------------------------------------------------------------------


def test_assign_records_from_and_to(ticket, agent, supervisor):
    event = services.assign(ticket, supervisor, agent)
    assert ticket.assignee_id == agent.id
    assert event.data == {"from": None, "to": "Alex Agent"}
    assert not event.is_public
    unassigned = services.assign(ticket, supervisor, None)
    assert ticket.assignee_id is None
    assert unassigned.data == {"from": "Alex Agent", "to": None}


def test_assign_to_the_same_person_records_nothing(ticket, agent):
    services.assign(ticket, agent, agent)
    assert services.assign(ticket, agent, agent) is None
    assert kinds(ticket).count("assigned") == 1


def test_assign_only_to_active_staff(ticket, agent, customer, assessor):
    inactive = factories.make_user("agent", email="gone@example.com")
    inactive.active = False
    db.session.commit()
    for who in (customer, assessor, inactive):
        with pytest.raises(WorkflowError) as caught:
            services.assign(ticket, agent, who)
        assert caught.value.field == "assignee_id"
    assert ticket.assignee_id is None
    assert "assigned" not in kinds(ticket)


def test_assignable_staff_lists_active_agents_and_supervisors_only(
    agent, supervisor, admin, customer
):
    inactive = factories.make_user("agent", email="gone@example.com")
    inactive.active = False
    db.session.commit()
    assert [u.id for u in services.assignable_staff()] == [agent.id, supervisor.id]


# --- classify ------------------------------------------------------------------------


def classify(ticket, actor, **changes):
    current = {
        "priority": ticket.priority,
        "category_id": ticket.category_id,
        "channel": ticket.channel,
        "origin": ticket.origin,
        "cause": ticket.cause,
    }
    return services.classify(ticket, actor, **(current | changes))


def test_classify_records_only_the_changed_fields(ticket, agent):
    event = classify(ticket, agent, priority=Priority.URGENT, cause="system")
    assert event.data == {"priority": [3, 1], "cause": [None, "system"]}
    assert ticket.priority == Priority.URGENT
    assert ticket.cause == "system"


def test_classify_records_category_names(ticket, agent):
    other = factories.make_category("Refunds")
    event = classify(ticket, agent, category_id=other.id)
    assert event.data == {"category": ["Deliveries", "Refunds"]}
    event = classify(ticket, agent, category_id=None)
    assert event.data == {"category": ["Refunds", None]}


def test_classify_with_no_change_records_nothing(ticket, agent):
    assert classify(ticket, agent) is None
    assert kinds(ticket) == ["created"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"priority": 0}, "priority"),
        ({"channel": "fax"}, "channel"),
        ({"origin": "moon"}, "origin"),
        ({"cause": "gremlins"}, "cause"),
        ({"category_id": 99999}, "category_id"),
    ],
)
def test_classify_refuses_values_not_on_offer(ticket, agent, changes, field):
    with pytest.raises(WorkflowError) as caught:
        classify(ticket, agent, **changes)
    assert caught.value.field == field
    db.session.rollback()
    assert kinds(ticket) == ["created"]


# --- versions --------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["acknowledge", "reply", "assign", "classify"])
def test_a_different_expected_version_is_refused_as_stale(ticket, agent, action):
    stale = ticket.version - 1
    calls = {
        "acknowledge": lambda: services.acknowledge(ticket, agent, **ACK, expected_version=stale),
        "reply": lambda: services.reply(ticket, agent, "Hi", expected_version=stale),
        "assign": lambda: services.assign(ticket, agent, agent, expected_version=stale),
        "classify": lambda: classify(ticket, agent, priority=1, expected_version=stale),
    }
    with pytest.raises(StaleTicketError):
        calls[action]()
    db.session.rollback()
    assert kinds(ticket) == ["created"]


def test_the_current_version_is_accepted_and_bumped_once(ticket, agent):
    version = ticket.version
    db.session.expire_all()  # the actor's roles load during the write
    services.reply(ticket, agent, "Hi", expected_version=version)
    assert ticket.version == version + 1


def test_a_write_racing_another_commit_is_stale_not_lost(ticket, agent):
    ticket_id, version = ticket.id, ticket.version
    # Someone else's write lands between this person loading the ticket and saving.
    with db.engine.begin() as conn:
        conn.execute(update(Ticket).where(Ticket.id == ticket_id).values(version=version + 1))
    with pytest.raises(StaleTicketError):
        services.add_note(ticket, agent, "My note")
    db.session.expire_all()
    assert count(TicketEvent, kind="note") == 0


# --- the timeline is append-only --------------------------------------------------------


def snapshot(ticket):
    db.session.expire(ticket, ["events"])
    return [(e.id, e.kind, e.body, e.data, e.is_public, e.created_at) for e in ticket.events]


def test_events_are_only_appended(ticket, agent, supervisor, customer):
    history = snapshot(ticket)
    steps = [
        lambda: services.acknowledge(ticket, agent, **ACK),
        lambda: services.reply(ticket, agent, "We will send a lid."),
        lambda: services.add_note(ticket, agent, "Check stock."),
        lambda: services.customer_reply(ticket, customer, "Thanks"),
        lambda: services.assign(ticket, agent, supervisor),
        lambda: classify(ticket, agent, priority=Priority.HIGH),
    ]
    for step in steps:
        step()
        now = snapshot(ticket)
        assert now[: len(history)] == history, "an earlier event changed"
        assert len(now) > len(history)
        assert [row[0] for row in now] == sorted(row[0] for row in now)
        history = now


# --- double submits that race ------------------------------------------------------------


@contextmanager
def another_submit_wins(table, **values):
    """Commit ``values`` from another connection just before this session first writes."""
    session = db.session()
    fired = []

    def before_flush(*_args):
        if not fired:
            fired.append(True)
            with db.engine.begin() as conn:
                conn.execute(insert(table).values(**values))

    event.listen(session, "before_flush", before_flush)
    try:
        yield fired
    finally:
        event.remove(session, "before_flush", before_flush)


def test_create_ticket_that_loses_a_race_returns_the_winner(customer, category):
    key = "race" * 8
    with another_submit_wins(
        Ticket.__table__,
        subject="The winner",
        description="Sent first",
        channel="web",
        origin="customer",
        customer_id=customer.id,
        idempotency_key=key,
    ) as fired:
        # Objects from an earlier transaction, as a job or a second request step holds them.
        db.session.expire_all()
        ticket, created = services.create_ticket(
            new(category), customer=customer, created_by=customer, idempotency_key=key
        )
    assert fired
    assert not created
    assert ticket.subject == "The winner"
    assert count(Ticket) == 1


def test_reply_that_loses_a_race_returns_the_winner(ticket, agent):
    key = "race" * 8
    with another_submit_wins(
        TicketEvent.__table__,
        ticket_id=ticket.id,
        actor_id=agent.id,
        kind="reply",
        is_public=True,
        body="Hello",
        data={},
        idempotency_key=key,
    ) as fired:
        db.session.expire_all()
        reply = services.reply(ticket, agent, "Hello", idempotency_key=key)
    assert fired
    assert reply.body == "Hello"
    assert count(TicketEvent, kind="reply") == 1
