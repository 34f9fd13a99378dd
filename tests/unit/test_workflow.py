"""The status flow as data, and the one function that moves a ticket along it."""

from __future__ import annotations

import pytest

from helpdesk.domain import CLOSED_STATUSES, OPEN_STATUSES, Status
from helpdesk.extensions import db
from helpdesk.models import TicketEvent
from helpdesk.tickets.workflow import (
    ALLOWED_TRANSITIONS,
    StaleTicketError,
    WorkflowError,
    can_transition,
    transition,
)


def test_every_status_has_an_entry():
    assert set(ALLOWED_TRANSITIONS) == set(Status)


def test_every_target_is_a_known_status_and_never_the_same_status():
    for source, targets in ALLOWED_TRANSITIONS.items():
        assert targets <= set(Status), source
        assert source not in targets, f"{source} moves to itself"


@pytest.mark.parametrize("status", sorted(CLOSED_STATUSES))
def test_closed_statuses_are_terminal(status):
    assert ALLOWED_TRANSITIONS[status] == frozenset()


@pytest.mark.parametrize("status", sorted(OPEN_STATUSES))
def test_every_open_status_can_still_reach_a_close(status):
    seen, frontier = {status}, [status]
    while frontier:
        for nxt in ALLOWED_TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen & CLOSED_STATUSES, f"{status} can never be closed"


def test_can_transition_reads_the_table():
    assert can_transition("new", "acknowledged")
    assert not can_transition("new", "resolved")
    assert not can_transition("closed_satisfied", "acknowledged")


def _events(ticket):
    # Ordered: without ORDER BY, PostgreSQL may return rows in any order.
    query = db.select(TicketEvent).filter_by(ticket_id=ticket.id).order_by(TicketEvent.id)
    return list(db.session.scalars(query))


def test_transition_refuses_a_disallowed_move(ticket, agent):
    before = len(_events(ticket))
    with pytest.raises(WorkflowError) as caught:
        transition(ticket, Status.RESOLVED, agent)
    assert "cannot move" in caught.value.message
    assert ticket.status == Status.NEW
    db.session.commit()
    assert len(_events(ticket)) == before


def test_transition_out_of_a_closed_status_is_refused(ticket, agent):
    transition(ticket, Status.CLOSED_UNRESOLVED, agent)
    db.session.commit()
    with pytest.raises(WorkflowError):
        transition(ticket, Status.ACKNOWLEDGED, agent)
    assert ticket.status == Status.CLOSED_UNRESOLVED


def test_allowed_move_writes_a_status_changed_event(ticket, agent):
    event = transition(ticket, Status.ACKNOWLEDGED, agent, note="Looking now")
    db.session.commit()
    assert ticket.status == Status.ACKNOWLEDGED
    assert event.kind == "status_changed"
    assert event.actor_id == agent.id
    assert event.body == "Looking now"
    assert event.data == {"from": "new", "to": "acknowledged"}
    assert event.is_public
    assert _events(ticket)[-1].id == event.id


def test_a_status_change_is_not_news_for_the_customer(ticket, agent):
    # A bare move does not count as the first response or as keeping them informed.
    transition(ticket, Status.ACKNOWLEDGED, agent, public=True)
    db.session.commit()
    assert ticket.first_response_at is None
    assert ticket.last_public_update_at is None


def test_closing_stamps_closed_at(ticket, agent):
    assert ticket.closed_at is None
    transition(ticket, Status.CLOSED_UNRESOLVED, agent)
    db.session.commit()
    assert ticket.closed_at is not None
    assert not ticket.is_open


def test_a_full_walk_to_closed_satisfied(ticket, agent):
    for to in (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED_SATISFIED):
        transition(ticket, to, agent)
    db.session.commit()
    moves = [e.data for e in _events(ticket) if e.kind == "status_changed"]
    assert [m["to"] for m in moves] == [
        "acknowledged",
        "in_progress",
        "resolved",
        "closed_satisfied",
    ]


def test_stale_ticket_error_is_a_workflow_error_with_the_plain_message():
    error = StaleTicketError()
    assert isinstance(error, WorkflowError)
    assert "changed since you opened it" in error.message
