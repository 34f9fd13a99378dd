"""Promises to the customer, and the SLA clocks that keep them informed, with time travel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from helpdesk.domain import Priority, Status
from helpdesk.extensions import db
from helpdesk.models import Promise, SlaPolicy, TicketEvent
from helpdesk.models.types import utcnow
from helpdesk.tickets import promises, resolution, services, sla
from helpdesk.tickets.sla import DEFAULT_MINUTES, Clock
from helpdesk.tickets.workflow import WorkflowError
from tests import factories
from tests.helpers import count
from tests.resolving import acknowledged, mail_to, notices_for

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


def promise(ticket, agent, *, owner=None, due_in=timedelta(hours=4), **kw) -> Promise:
    return promises.make_promise(
        ticket,
        agent,
        description=kw.pop("description", "Call you back about the refund"),
        owner=owner or agent,
        due_at=utcnow() + due_in,
        **kw,
    )


# --- making a promise ------------------------------------------------------------------


@pytest.mark.parametrize(
    "due_in",
    [timedelta(minutes=-1), timedelta(0), timedelta(days=366, minutes=1), timedelta(days=900)],
    ids=["past", "now", "over-a-year", "years"],
)
def test_a_promise_due_in_the_past_or_over_a_year_away_is_refused(ticket, agent, due_in):
    with time_machine.travel(T0, tick=False):
        with pytest.raises(WorkflowError) as refused:
            promise(ticket, agent, due_in=due_in)
    assert refused.value.field == "due_at"
    db.session.rollback()
    assert count(Promise) == 0


def test_a_promise_due_within_a_year_is_recorded_for_the_customer(ticket, agent, customer):
    with time_machine.travel(T0, tick=False):
        made = promise(ticket, agent, due_in=timedelta(days=365))
    assert (made.state, made.owner_id, made.due_at) == ("open", agent.id, T0 + timedelta(days=365))
    event = ticket.events[-1]
    assert (event.kind, event.is_public) == ("promise_made", True)
    assert "Call you back about the refund" in event.body
    assert "Call you back about the refund" in mail_to(customer.email)[-1].body


def test_a_due_time_without_a_zone_is_refused(ticket, agent):
    with pytest.raises(WorkflowError) as refused:
        promises.make_promise(
            ticket, agent, description="Call", owner=agent, due_at=datetime(2099, 1, 1)
        )
    assert refused.value.field == "due_at"


def test_the_owner_must_be_active_staff(ticket, agent, customer):
    gone = factories.make_user("agent")
    gone.active = False
    db.session.commit()
    for owner in (customer, gone):
        with pytest.raises(WorkflowError) as refused:
            promise(ticket, agent, owner=owner)
        assert refused.value.field == "owner_id"
        db.session.rollback()
    assert count(Promise) == 0


def test_a_promise_owned_by_a_colleague_tells_them(ticket, agent, supervisor):
    promise(ticket, agent, owner=supervisor)
    assert [n.kind for n in notices_for(supervisor)] == ["promise_assigned"]
    assert notices_for(agent) == []


def test_the_same_idempotency_key_records_one_promise(ticket, agent):
    first = promise(ticket, agent, idempotency_key="p" * 32)
    again = promise(ticket, agent, idempotency_key="p" * 32)
    assert again.id == first.id
    assert count(Promise) == 1
    assert count(TicketEvent, kind="promise_made") == 1


def test_a_promise_needs_an_open_ticket_with_a_customer(agent, category):
    report = factories.make_ticket(customer=None, created_by=agent, category=category)
    with pytest.raises(WorkflowError, match="customer"):
        promise(report, agent)


# --- keeping and breaking --------------------------------------------------------------


def test_keeping_a_promise_is_public_and_tells_the_customer(ticket, agent, customer):
    made = promise(ticket, agent)
    before = len(mail_to(customer.email))
    promises.keep_promise(made, agent)
    assert made.state == "kept"
    event = ticket.events[-1]
    assert (event.kind, event.is_public, event.data["on_time"]) == ("promise_kept", True, True)
    mails = mail_to(customer.email)
    assert len(mails) == before + 1
    assert mails[-1].kind == "promise_kept"
    with pytest.raises(WorkflowError, match="already closed"):
        promises.keep_promise(made, agent)


def test_a_promise_kept_late_is_recorded_as_late(ticket, agent):
    with time_machine.travel(T0, tick=False):
        made = promise(ticket, agent, due_in=timedelta(hours=1))
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        promises.keep_promise(made, agent)
    assert ticket.events[-1].data["on_time"] is False


def test_breaking_a_promise_needs_a_reason_the_customer_is_told(ticket, agent, customer):
    made = promise(ticket, agent)
    with pytest.raises(WorkflowError) as refused:
        promises.break_promise(made, agent, "  ")
    assert refused.value.field == "reason"
    db.session.rollback()
    assert made.state == "open"
    promises.break_promise(made, agent, "The courier lost the parcel")
    assert (made.state, made.reason) == ("broken", "The courier lost the parcel")
    event = ticket.events[-1]
    assert (event.kind, event.is_public) == ("promise_broken", True)
    assert "The courier lost the parcel" in event.body
    mail = mail_to(customer.email)[-1]
    assert mail.kind == "promise_broken"
    assert "The courier lost the parcel" in mail.body


# --- SLA clocks ------------------------------------------------------------------------


@pytest.mark.parametrize("priority", list(Priority))
def test_a_new_ticket_gets_deadlines_from_the_default_policy(customer, category, priority):
    first, _interval, resolve_in = DEFAULT_MINUTES[priority]
    with time_machine.travel(T0, tick=False):
        ticket = factories.make_ticket(customer=customer, category=category, priority=priority)
    assert ticket.first_response_due_at == T0 + timedelta(minutes=first)
    assert ticket.resolution_due_at == T0 + timedelta(minutes=resolve_in)
    assert ticket.next_update_due_at is None  # nobody has answered yet
    assert ticket.sla_due_at == ticket.first_response_due_at


def test_an_sla_policy_row_overrides_the_defaults(customer, category):
    db.session.add(
        SlaPolicy(
            priority=Priority.NORMAL,
            first_response_minutes=15,
            update_interval_minutes=45,
            resolution_minutes=240,
        )
    )
    db.session.commit()
    with time_machine.travel(T0, tick=False):
        ticket = factories.make_ticket(customer=customer, category=category)
    assert ticket.first_response_due_at == T0 + timedelta(minutes=15)
    assert ticket.resolution_due_at == T0 + timedelta(minutes=240)
    agent = factories.make_user("agent")
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        services.reply(ticket, agent, "On it")
    assert ticket.next_update_due_at == T0 + timedelta(minutes=55)


def test_the_first_public_staff_reply_starts_the_update_clock(ticket, agent):
    _first, interval, _resolve = DEFAULT_MINUTES[Priority.NORMAL]
    services.add_note(ticket, agent, "Internal: not an update")
    assert ticket.first_response_at is None and ticket.next_update_due_at is None
    replied = T0 + timedelta(hours=1)
    with time_machine.travel(replied, tick=False):
        services.reply(ticket, agent, "We are on it")
    assert ticket.first_response_at == replied
    assert ticket.next_update_due_at == replied + timedelta(minutes=interval)
    assert ticket.sla_due_at == min(ticket.next_update_due_at, ticket.resolution_due_at)
    first, *_ = sla.clocks(ticket, now=replied)
    assert (first.name, first.state, first.words) == ("First response", "met", "met")


def test_the_update_clock_is_overdue_once_the_gap_passes(ticket, agent):
    _first, interval, _resolve = DEFAULT_MINUTES[Priority.NORMAL]
    with time_machine.travel(T0, tick=False):
        services.reply(ticket, agent, "We are on it")
    gap = timedelta(minutes=interval)
    with time_machine.travel(T0 + gap, tick=False):
        assert not sla.update_overdue(ticket)
    with time_machine.travel(T0 + gap + timedelta(minutes=1), tick=False):
        assert sla.update_overdue(ticket)
        assert sla.clocks(ticket)[1].words == "1 min overdue"
    with time_machine.travel(T0 + gap + timedelta(hours=2), tick=False):
        services.reply(ticket, agent, "Still on it")
        assert not sla.update_overdue(ticket)


def test_waiting_on_the_customer_pauses_the_update_clock(ticket, agent):
    with time_machine.travel(T0, tick=False):
        acknowledged(ticket, agent)
        resolution.ask_question(ticket, agent, "Which model is it?")
    assert ticket.status == Status.AWAITING_CUSTOMER
    assert ticket.next_update_due_at is None
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        assert not sla.update_overdue(ticket)
        assert sla.clocks(ticket)[1].words == "paused"


def test_the_update_clock_restarts_when_the_customer_answers(ticket, agent, customer):
    _first, interval, _resolve = DEFAULT_MINUTES[Priority.NORMAL]
    with time_machine.travel(T0, tick=False):
        acknowledged(ticket, agent)
        resolution.ask_question(ticket, agent, "Which model is it?")
    answered = T0 + timedelta(days=2)  # longer than the gap: the wait was theirs, not ours
    with time_machine.travel(answered, tick=False):
        services.customer_reply(ticket, customer, "The K200")
        assert ticket.status == Status.ACKNOWLEDGED
        assert ticket.next_update_due_at == answered + timedelta(minutes=interval)
        assert not sla.update_overdue(ticket)


def test_a_resolution_on_time_stays_met_however_late_the_customer_confirms(ticket, agent, customer):
    _first, _interval, resolve_in = DEFAULT_MINUTES[Priority.NORMAL]
    with time_machine.travel(T0, tick=False):
        ticket = factories.make_ticket(customer=customer, subject="Late confirmation")
        acknowledged(ticket, agent)
    with time_machine.travel(T0 + timedelta(minutes=resolve_in - 60), tick=False):
        resolution.resolve(ticket, agent, "A new kettle was delivered")
    with time_machine.travel(T0 + timedelta(minutes=resolve_in * 2), tick=False):
        resolution.customer_confirm(ticket, customer, solved=True, rating=4, comment="")
        assert ticket.status == Status.CLOSED_SATISFIED
        assert sla.resolved_within_target(ticket) is True
        assert sla.clocks(ticket)[2].state == "met"


def test_a_resolution_after_the_target_is_missed(ticket, agent):
    _first, _interval, resolve_in = DEFAULT_MINUTES[Priority.NORMAL]
    acknowledged(ticket, agent)
    with time_machine.travel(ticket.created_at + timedelta(minutes=resolve_in + 1), tick=False):
        resolution.resolve(ticket, agent, "Fixed at last")
        assert sla.clocks(ticket)[2].state == "missed"
    assert sla.resolved_within_target(ticket) is False


def test_a_closed_ticket_has_no_running_clocks(ticket, agent):
    resolution.close_unresolved(
        ticket, agent, reason="other", tried="Everything", why="Out of stock", next_steps="Wait"
    )
    assert ticket.sla_due_at is None and ticket.next_update_due_at is None


# --- the clock's words -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "met", "words", "state"),
    [
        (T0 + timedelta(hours=2, minutes=5), None, "2 h 5 min left", "running"),
        (T0 + timedelta(minutes=40), None, "40 min left", "at_risk"),
        (T0 + timedelta(days=1, hours=3), None, "1 d 3 h left", "running"),
        (T0 + timedelta(seconds=30), None, "0 min left", "at_risk"),
        (T0 - timedelta(minutes=40), None, "40 min overdue", "overdue"),
        (T0 - timedelta(days=2), None, "2 d overdue", "overdue"),
        (T0, T0 - timedelta(minutes=1), "met", "met"),
        (T0 - timedelta(hours=1), T0, "missed", "missed"),
        (None, None, "paused", "paused"),
    ],
)
def test_clock_words(due, met, words, state):
    clock = Clock("Resolution", due, met, T0)
    assert (clock.words, clock.state) == (words, state)
