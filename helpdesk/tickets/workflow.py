"""The ticket's status flow, kept as data, and the one function that moves it."""

from __future__ import annotations

from typing import Any

from helpdesk.domain import CLOSED_STATUSES, Status, TicketEventKind
from helpdesk.evidence.capture import capture_ticket_event
from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent, User
from helpdesk.models.types import utcnow

# Re-exported: callers met these names here before refusals.py held them.
from helpdesk.refusals import StaleTicketError as StaleTicketError
from helpdesk.refusals import WorkflowError as WorkflowError
from helpdesk.tickets.sla import PAUSED

S = Status

# Which status may follow which. Reopening is a move back to ACKNOWLEDGED.
ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.ACKNOWLEDGED, S.AWAITING_CUSTOMER, S.CLOSED_UNRESOLVED}),
    S.ACKNOWLEDGED: frozenset(
        {S.AWAITING_CUSTOMER, S.OPTIONS, S.IN_PROGRESS, S.RESOLVED, S.CLOSED_UNRESOLVED}
    ),
    # A question can be asked at most stages; the answer returns the ticket where it was.
    S.AWAITING_CUSTOMER: frozenset(
        {
            S.ACKNOWLEDGED,
            S.OPTIONS,
            S.AWAITING_APPROVAL,
            S.AGREED,
            S.IN_PROGRESS,
            S.CLOSED_UNRESOLVED,
        }
    ),
    S.OPTIONS: frozenset({S.AWAITING_APPROVAL, S.AGREED, S.AWAITING_CUSTOMER, S.CLOSED_UNRESOLVED}),
    S.AWAITING_APPROVAL: frozenset({S.OPTIONS, S.AWAITING_CUSTOMER, S.CLOSED_UNRESOLVED}),
    S.AGREED: frozenset({S.IN_PROGRESS, S.OPTIONS, S.AWAITING_CUSTOMER, S.CLOSED_UNRESOLVED}),
    S.IN_PROGRESS: frozenset({S.RESOLVED, S.OPTIONS, S.AWAITING_CUSTOMER, S.CLOSED_UNRESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED_SATISFIED, S.CLOSED_NO_RESPONSE, S.ACKNOWLEDGED}),
    S.CLOSED_SATISFIED: frozenset(),
    S.CLOSED_UNRESOLVED: frozenset(),
    S.CLOSED_NO_RESPONSE: frozenset(),
}


def can_transition(current: str, to: str) -> bool:
    return Status(to) in ALLOWED_TRANSITIONS[Status(current)]


def record_event(
    ticket: Ticket,
    actor: User | None,
    kind: TicketEventKind,
    *,
    body: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    is_update: bool | None = None,
) -> TicketEvent:
    """Append an event to the ticket's timeline and touch the ticket.

    A public event by staff counts as an update to the customer unless ``is_update``
    says otherwise (a bare status change is not news the customer was given).
    """
    now = utcnow()
    # No autoflush in here: a lazy load (the actor's roles) would write half the change
    # early, outside the caller's commit that handles a duplicate idempotency key.
    with db.session.no_autoflush:
        event = TicketEvent(
            ticket=ticket,
            actor=actor,
            kind=kind,
            body=body,
            is_public=public,
            data=data or {},
            idempotency_key=idempotency_key,
            created_at=now,
        )
        # Added explicitly: SQLAlchemy 2 no longer cascades through the backref.
        db.session.add(event)
        ticket.updated_at = now
        counts = public if is_update is None else is_update
        if counts and actor is not None and actor.is_staff:
            ticket.last_public_update_at = now
            if ticket.first_response_at is None:
                ticket.first_response_at = now
        # A learner's action becomes evidence in the same transaction.
        capture_ticket_event(event)
    return event


def transition(
    ticket: Ticket, to: Status, actor: User | None, note: str = "", public: bool = True
) -> TicketEvent:
    """Move the ticket to ``to`` if the flow allows it, recording who and why.

    :raise WorkflowError: when the flow does not allow the move.
    """
    if not can_transition(ticket.status, to):
        raise WorkflowError(f"A ticket that is '{ticket.status}' cannot move to '{to}'.")
    old = ticket.status
    ticket.status = to
    if old in PAUSED and to not in PAUSED and to not in CLOSED_STATUSES:
        if ticket.last_public_update_at is not None:
            # The update clock stopped while the customer held the ball; it restarts now.
            # Counting from the last update before the pause made a ticket overdue the
            # moment a customer answered a question (or reopened it) after a long wait.
            ticket.last_public_update_at = utcnow()
    now = utcnow()
    if to in (S.CLOSED_SATISFIED, S.CLOSED_UNRESOLVED, S.CLOSED_NO_RESPONSE):
        ticket.closed_at = now
    elif ticket.closed_at is not None:
        ticket.closed_at = None
    # The resolution check's clock (and its time-out) runs from here.
    if to == S.RESOLVED:
        ticket.resolved_at = now
    elif old == S.RESOLVED and to == S.ACKNOWLEDGED:
        ticket.resolved_at = None
    return record_event(
        ticket,
        actor,
        TicketEventKind.STATUS_CHANGED,
        body=note,
        public=public,
        data={"from": old, "to": str(to)},
        is_update=False,
    )
