"""Proactive reports (steps, informing people) and the team feed, through the services."""

from __future__ import annotations

import pytest

from helpdesk.domain import Channel, Origin
from helpdesk.extensions import db
from helpdesk.feed import services as feed
from helpdesk.models import (
    FeedPost,
    FeedReaction,
    Notification,
    OutboxMessage,
    ProblemRecord,
    Ticket,
    TicketEvent,
)
from helpdesk.problems.services import create_problem
from helpdesk.tickets import proactive
from helpdesk.tickets.services import customer_reply
from helpdesk.tickets.workflow import WorkflowError
from helpdesk.unit_of_work import unit_of_work
from tests import factories
from tests.helpers import close, count


@pytest.fixture
def report(agent, category):
    ticket, _ = proactive.report(
        agent,
        what="Label printer drops lines",
        where="The dispatch bench printer",
        risk="Parcels may go to the wrong address",
        category_id=category.id,
    )
    return ticket


# --- proactive reports ---------------------------------------------------------------


def test_a_report_is_an_internal_ticket_with_what_where_and_risk(report, agent):
    assert report.origin == Origin.INTERNAL
    assert report.channel == Channel.INTERNAL
    assert report.customer_id is None
    assert report.subject == "Label printer drops lines"
    assert "Where: The dispatch bench printer" in report.description
    assert "Risk to customers: Parcels may go to the wrong address" in report.description
    created = report.events[0]
    assert created.kind == "created" and not created.is_public
    assert created.data["what"] == "Label printer drops lines"
    assert created.data["where"] == "The dispatch bench printer"
    assert created.data["risk"] == "Parcels may go to the wrong address"


@pytest.mark.parametrize("blank", ["what", "where", "risk"])
def test_a_report_needs_all_three_parts(agent, category, blank):
    parts = {"what": "W", "where": "X", "risk": "Y"} | {blank: "  "}
    with pytest.raises(WorkflowError) as refused:
        proactive.report(agent, category_id=category.id, **parts)
    assert refused.value.field == blank
    assert count(Ticket) == 0


def test_only_staff_report(customer, category):
    with pytest.raises(WorkflowError):
        proactive.report(customer, what="W", where="X", risk="Y", category_id=category.id)


def test_steps_are_internal_events_in_order(report, agent):
    first = proactive.record_step(report, agent, "Switched to the spare printer")
    second = proactive.record_step(report, agent, "Asked IT to replace the roller")
    assert [e.body for e in proactive.steps(report)] == [first.body, second.body]
    assert first.kind == "proactive_step" and not first.is_public
    assert second.data["number"] == 2


def test_a_replayed_step_is_recorded_once(report, agent):
    one = proactive.record_step(report, agent, "Spare printer", idempotency_key="k1")
    two = proactive.record_step(report, agent, "Spare printer", idempotency_key="k1")
    assert one.id == two.id
    assert count(TicketEvent, kind="proactive_step") == 1


def test_steps_belong_to_open_internal_reports_only(report, agent, ticket):
    with pytest.raises(WorkflowError, match="identified internally"):
        proactive.record_step(ticket, agent, "Anything")
    with pytest.raises(WorkflowError) as empty:
        proactive.record_step(report, agent, "   ")
    assert empty.value.field == "step"
    close(report, agent)
    with pytest.raises(WorkflowError, match="closed"):
        proactive.record_step(report, agent, "Too late")


def test_inform_tells_the_chosen_people_and_teams(report, agent, supervisor):
    colleague = factories.make_user("agent", name="Cleo Colleague")
    proactive.record_step(report, agent, "Switched to the spare printer")
    event = proactive.inform(
        report, agent, people=[colleague], groups=["supervisors"], message="Keep an eye out"
    )
    assert event.kind == "proactive_informed" and not event.is_public
    assert set(event.data["user_ids"]) == {colleague.id, supervisor.id}
    assert event.data["steps"] == 1
    assert "Cleo Colleague" in event.body and "Sam Supervisor" in event.body
    notes = db.session.scalars(db.select(Notification).order_by(Notification.user_id)).all()
    assert {n.user_id for n in notes} == {colleague.id, supervisor.id}
    assert all("Switched to the spare printer" in n.text for n in notes)
    assert all("Keep an eye out" in n.text for n in notes)
    assert count(OutboxMessage) == 2


def test_inform_leaves_out_the_informer_and_refuses_nobody(report, agent, supervisor):
    with pytest.raises(WorkflowError) as nobody:
        proactive.inform(report, agent, people=[agent])
    assert nobody.value.field == "people"
    event = proactive.inform(report, supervisor, groups=["supervisors", "agents"])
    assert event.data["user_ids"] == [agent.id]


def test_inform_refuses_customers_inactive_staff_and_unknown_teams(report, agent, customer):
    gone = factories.make_user("agent")
    gone.active = False
    db.session.commit()
    for people, groups, field in (([customer], [], "people"), ([gone], [], "people")):
        with pytest.raises(WorkflowError) as refused:
            proactive.inform(report, agent, people=people, groups=groups)
        assert refused.value.field == field
    with pytest.raises(WorkflowError) as unknown:
        proactive.inform(report, agent, groups=["everyone"])
    assert unknown.value.field == "groups"
    assert count(Notification) == 0


def test_a_replayed_inform_notifies_once(report, agent, supervisor):
    proactive.inform(report, agent, groups=["supervisors"], idempotency_key="i1")
    proactive.inform(report, agent, groups=["supervisors"], idempotency_key="i1")
    assert count(TicketEvent, kind="proactive_informed") == 1
    assert count(Notification) == 1


# --- redaction and sharing -----------------------------------------------------------


def test_redact_removes_the_customers_name_email_and_phone(customer):
    customer.phone = "07700 900123"
    db.session.commit()
    text = (
        "Casey Jones here (CASEY@example.com, +44 7700 900 123 or 07700-900123). "
        "casey wants a refund for order ORD-555; cc someone@else.org."
    )
    clean = feed.redact(text, customer, "ORD-555")
    for secret in ("Casey", "casey", "Jones", "example.com", "900123", "900 123", "ORD-555"):
        assert secret not in clean
    assert "else.org" not in clean
    assert clean.startswith("[customer] here")
    assert "[reference]" in clean


def test_the_quote_starts_from_the_customers_latest_words(ticket, customer):
    assert feed.customer_words(ticket) == ticket.description
    customer_reply(ticket, customer, "Casey again: still no kettle.")
    assert feed.prefilled_quote(ticket) == "[customer] again: still no kettle."


def test_sharing_records_evidence_on_the_ticket(ticket, agent):
    post, made = feed.share(
        agent,
        ticket=ticket,
        quote="The box was crushed.",
        comment="Third this week",
        tag="delivery",
    )
    assert made
    shared = [e for e in ticket.events if e.kind == "feedback_shared"]
    assert len(shared) == 1 and not shared[0].is_public
    assert shared[0].data == {"post_id": post.id, "tag": "delivery"}
    assert shared[0].actor_id == agent.id


def test_a_replayed_share_makes_one_post(ticket, agent):
    first, _ = feed.share(
        agent, ticket=ticket, quote="Q", comment="", tag="other", idempotency_key="s"
    )
    again, made = feed.share(
        agent, ticket=ticket, quote="Q", comment="", tag="other", idempotency_key="s"
    )
    assert not made and again.id == first.id
    assert count(FeedPost) == 1
    assert count(TicketEvent, kind="feedback_shared") == 1


@pytest.mark.parametrize(
    ("quote", "comment", "tag", "field"),
    [
        ("  ", "", "delivery", "quote"),
        ("q" * 4001, "", "delivery", "quote"),
        ("Q", "c" * 2001, "delivery", "comment"),
        ("Q", "", "gossip", "tag"),
    ],
)
def test_sharing_refuses_bad_fields(agent, ticket, quote, comment, tag, field):
    with pytest.raises(WorkflowError) as refused:
        feed.share(agent, ticket=ticket, quote=quote, comment=comment, tag=tag)
    assert refused.value.field == field
    assert count(FeedPost) == 0


def test_only_staff_share(customer, ticket):
    with pytest.raises(WorkflowError):
        feed.share(customer, ticket=ticket, quote="Q", comment="", tag="other")


# --- reactions and the feed ----------------------------------------------------------


@pytest.fixture
def post(agent, ticket):
    with unit_of_work():
        made, _ = feed.share(
            agent, ticket=ticket, quote="The box was crushed.", comment="", tag="delivery"
        )
    return made


def test_a_reaction_toggles_and_is_unique_per_person_and_kind(post, agent, supervisor):
    assert feed.react(post, agent, "important") is True
    assert feed.react(post, supervisor, "important") is True
    counts = {r.kind: (r.count, r.mine) for r in feed.reaction_counts(post, agent.id)}
    assert counts == {"seen": (0, False), "same_here": (0, False), "important": (2, True)}
    assert feed.react(post, agent, "important") is False
    assert count(FeedReaction, kind="important") == 1
    assert feed.react(post, agent, "seen", on=True) is True
    assert feed.react(post, agent, "seen", on=True) is True
    assert count(FeedReaction, kind="seen") == 1
    with pytest.raises(WorkflowError):
        feed.react(post, agent, "love")


def test_the_feed_is_newest_first_by_tag_with_keyset_pages(agent):
    posts = [
        feed.share(
            agent, ticket=None, quote=f"Q{i}", comment="", tag="billing" if i % 2 else "website"
        )[0]
        for i in range(5)
    ]
    page = feed.feed_page(page_size=2)
    assert [p.id for p in page.posts] == [posts[4].id, posts[3].id]
    assert page.next_cursor == posts[3].id
    rest = feed.feed_page(after=page.next_cursor, page_size=2)
    assert [p.id for p in rest.posts] == [posts[2].id, posts[1].id]
    billing = feed.feed_page("billing")
    assert [p.id for p in billing.posts] == [posts[3].id, posts[1].id]
    assert billing.next_cursor is None


# --- turning a post into work --------------------------------------------------------


def test_a_post_becomes_one_proactive_report(post, agent, category):
    prefill = feed.report_prefill(post)
    assert prefill["what"].startswith("Delivery feedback: The box was crushed.")
    ticket = feed.turn_into_report(post, agent, category_id=category.id, priority=3, **prefill)
    assert ticket.origin == Origin.INTERNAL and ticket.customer_id is None
    assert ticket.events[0].data["feed_post_id"] == post.id
    assert post.proactive_ticket_id == ticket.id
    with pytest.raises(feed.FeedError, match=ticket.reference):
        feed.turn_into_report(post, agent, category_id=category.id, priority=3, **prefill)
    assert count(Ticket, origin="internal") == 1


def test_a_post_becomes_one_problem_record(post, agent, supervisor, category):
    prefill = feed.problem_prefill(post)
    problem = feed.turn_into_problem(post, agent, category_id=category.id, **prefill)
    assert "The box was crushed." in problem.root_cause
    db.session.expire_all()
    assert db.session.get(FeedPost, post.id).problem_id == problem.id
    with pytest.raises(feed.FeedError, match=problem.reference):
        feed.turn_into_problem(post, agent, category_id=None, **prefill)
    assert count(ProblemRecord) == 1
    # The link is made in the record's own commit and does not outlive the call.
    other, _ = feed.share(agent, ticket=None, quote="Other", comment="", tag="other")
    create_problem(agent, title="Unrelated", category_id=None)
    db.session.expire_all()
    assert db.session.get(FeedPost, other.id).problem_id is None


def test_a_refused_problem_record_leaves_the_post_unturned(post, agent):
    with pytest.raises(WorkflowError) as refused:
        feed.turn_into_problem(post, agent, title=" ", category_id=None, root_cause="")
    assert refused.value.field == "title"
    db.session.rollback()
    assert db.session.get(FeedPost, post.id).problem_id is None
    assert count(ProblemRecord) == 0
