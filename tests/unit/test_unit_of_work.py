"""One transaction boundary: services flush, a unit of work commits them together or not at all.

Every check of what was kept reads on another connection, so it sees only committed rows.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, update

from helpdesk.domain import Status
from helpdesk.extensions import db
from helpdesk.feed import services as feed
from helpdesk.models import Category, FeedPost, ProblemRecord, Ticket, TicketEvent
from helpdesk.refusals import StaleTicketError
from helpdesk.tickets import options as opts
from helpdesk.tickets.services import acknowledge
from helpdesk.tickets.workflow import WorkflowError
from helpdesk.unit_of_work import commit, unit_of_work
from tests.resolving import ACK, option_data


def stored(stmt):
    """One value read on a connection of its own: what is committed, nothing else."""
    with db.engine.connect() as conn:
        return conn.scalar(stmt)


def posts() -> int:
    return stored(select(func.count()).select_from(FeedPost))


def events(kind: str) -> int:
    return stored(select(func.count()).select_from(TicketEvent).where(TicketEvent.kind == kind))


def share(agent, ticket):
    return feed.share(
        agent, ticket=ticket, quote="The box was crushed.", comment="", tag="delivery"
    )


def test_services_only_flush_until_the_unit_commits(ticket, agent):
    with unit_of_work():
        acknowledge(ticket, agent, **ACK)
        assert events("acknowledged") == 0  # flushed, not yet committed
    assert events("acknowledged") == 1


def test_two_services_in_one_unit_commit_together(ticket, agent):
    with unit_of_work():
        acknowledge(ticket, agent, **ACK)
        post, made = share(agent, ticket)
    assert made
    assert stored(select(Ticket.status).where(Ticket.id == ticket.id)) == Status.ACKNOWLEDGED
    assert stored(select(FeedPost.ticket_id).where(FeedPost.id == post.id)) == ticket.id
    assert events("feedback_shared") == 1


def test_a_refusal_in_the_second_service_leaves_nothing_of_the_first(ticket, agent):
    with pytest.raises(WorkflowError, match="Acknowledge the problem"):
        with unit_of_work():
            share(agent, ticket)  # succeeds and flushes its post and the ticket's event
            opts.add_option(ticket, agent, option_data())  # refused: not acknowledged
    assert posts() == 0
    assert events("feedback_shared") == 0
    assert db.session.scalar(select(func.count()).select_from(FeedPost)) == 0


def test_any_exception_rolls_the_unit_back(ticket, agent):
    with pytest.raises(RuntimeError):
        with unit_of_work():
            acknowledge(ticket, agent, **ACK)
            raise RuntimeError("the job broke half-way")
    assert events("acknowledged") == 0
    assert stored(select(Ticket.status).where(Ticket.id == ticket.id)) == Status.NEW


def test_a_version_lost_at_the_commit_is_a_stale_refusal_and_keeps_nothing(ticket):
    version = ticket.version
    # Another request moves the ticket on after this one read it.
    with db.engine.begin() as conn:
        conn.execute(update(Ticket).where(Ticket.id == ticket.id).values(version=version + 1))
    ticket.subject = "Changed here"
    db.session.add(Category(name="Made in the same unit"))  # other work, not yet flushed
    with pytest.raises(StaleTicketError) as refused:
        commit()
    assert refused.value.status == 409
    assert stored(select(Category.id).where(Category.name == "Made in the same unit")) is None
    assert stored(select(Ticket.subject).where(Ticket.id == ticket.id)) != "Changed here"


def test_turning_a_post_into_a_record_needs_no_session_listeners(ticket, agent):
    with unit_of_work():
        post, _ = share(agent, ticket)
    session = db.session()
    before = {name: list(getattr(session.dispatch, name)) for name in LISTENED}
    during: list[dict[str, list]] = []

    def look(_session, _context) -> None:
        during.append({name: list(getattr(session.dispatch, name)) for name in LISTENED})

    event.listen(session, "after_flush", look)
    try:
        with unit_of_work():
            problem = feed.turn_into_problem(
                post, agent, title="Crushed parcels", category_id=None, root_cause=""
            )
    finally:
        event.remove(session, "after_flush", look)
    assert during and all(seen == before for seen in during)
    # The record and the post's link to it were committed by the one unit.
    assert stored(select(FeedPost.problem_id).where(FeedPost.id == post.id)) == problem.id
    assert stored(select(func.count()).select_from(ProblemRecord)) == 1


def test_a_refused_record_leaves_the_post_unturned_and_no_record(ticket, agent):
    with unit_of_work():
        post, _ = share(agent, ticket)
    with pytest.raises(WorkflowError):
        with unit_of_work():
            feed.turn_into_problem(post, agent, title=" ", category_id=None, root_cause="")
    assert stored(select(FeedPost.problem_id).where(FeedPost.id == post.id)) is None
    assert stored(select(func.count()).select_from(ProblemRecord)) == 0


# The listeners the feed once attached to join the problem record's commit.
LISTENED = ("before_commit", "transient_to_pending")
