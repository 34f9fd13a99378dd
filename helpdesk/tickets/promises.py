"""Promises to the customer: made with an owner and a due time, then kept or broken."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from helpdesk.domain import NotificationKind, PromiseState, TicketEventKind
from helpdesk.extensions import db
from helpdesk.formatting import when
from helpdesk.idempotency import first_made, flush_or_first
from helpdesk.models import Promise, Ticket, TicketEvent, User
from helpdesk.models.types import utcnow
from helpdesk.notifications.services import notify_customer, notify_staff, supervisors
from helpdesk.tickets.services import _flush, _text
from helpdesk.tickets.workflow import WorkflowError, record_event

# A promise closes once, either way; there is no reopening a kept or broken promise.
PROMISE_TRANSITIONS: dict[PromiseState, frozenset[PromiseState]] = {
    PromiseState.OPEN: frozenset({PromiseState.KEPT, PromiseState.BROKEN}),
    PromiseState.KEPT: frozenset(),
    PromiseState.BROKEN: frozenset(),
}


def move_promise(
    promise: Promise,
    to: PromiseState,
    actor: User,
    kind: TicketEventKind,
    *,
    body: str,
    data: dict[str, object],
) -> TicketEvent:
    """Close the promise as ``to`` if the table allows it, writing the public event.

    :raise WorkflowError: when the promise is already closed.
    """
    if to not in PROMISE_TRANSITIONS[PromiseState(promise.state)]:
        raise WorkflowError("This promise is already closed.")
    promise.state = to
    data = {"promise_id": promise.id, **data}
    return record_event(promise.ticket, actor, kind, body=body, public=True, data=data)


def make_promise(
    ticket: Ticket,
    actor: User,
    *,
    description: str,
    owner: User,
    due_at: datetime,
    idempotency_key: str | None = None,
) -> Promise:
    """Record a promise the customer can see, owned by a member of staff."""
    if (existing := first_made(Promise, idempotency_key)) is not None:
        return existing
    if not ticket.is_open:
        raise WorkflowError("This ticket is closed.")
    if ticket.customer is None:
        raise WorkflowError("Promises are made to a customer; this ticket has none.")
    description = _text(description, "description", "What was promised", 1000)
    if not owner.is_staff or not owner.active:
        raise WorkflowError("The owner must be an active member of staff.", "owner_id")
    if due_at.tzinfo is None:
        raise WorkflowError("Give the due time with a time zone.", "due_at")
    if due_at <= utcnow():
        raise WorkflowError("The due time must be in the future.", "due_at")
    if due_at > utcnow() + timedelta(days=366):
        raise WorkflowError("The due time must be within a year.", "due_at")
    promise = Promise(
        ticket=ticket,
        owner=owner,
        created_by_id=actor.id,
        description=description,
        due_at=due_at,
        idempotency_key=idempotency_key,
    )
    db.session.add(promise)
    # The id goes into the event; a same-key post racing this one shows here.
    if (existing := flush_or_first(Promise, idempotency_key)) is not None:
        return existing
    record_event(
        ticket,
        actor,
        TicketEventKind.PROMISE_MADE,
        body=f"{description} (by {when(due_at)})",
        public=True,
        data={"promise_id": promise.id, "owner": owner.name, "due_at": due_at.isoformat()},
    )
    if owner.id != actor.id:
        notify_staff(
            [owner],
            NotificationKind.PROMISE_ASSIGNED,
            f"You own a promise on {ticket.reference}.",
            ticket=ticket,
        )
    notify_customer(
        ticket,
        NotificationKind.PROMISE_MADE,
        "What we have promised",
        f"We promise: {description}. Due by {when(due_at)}.",
    )
    return flush_or_first(Promise, idempotency_key) or promise


def keep_promise(promise: Promise, actor: User) -> None:
    """Mark the promise kept; the customer is told."""
    promise.closed_at = utcnow()
    move_promise(
        promise,
        PromiseState.KEPT,
        actor,
        TicketEventKind.PROMISE_KEPT,
        body=promise.description,
        data={"on_time": promise.closed_at <= promise.due_at},
    )
    notify_customer(
        promise.ticket,
        NotificationKind.PROMISE_KEPT,
        "We kept our promise",
        f"Done: {promise.description}.",
    )
    _flush()


def break_promise(promise: Promise, actor: User, reason: str) -> None:
    """Mark the promise broken with a reason the customer is told."""
    # Checked before the reason so a closed promise says so rather than asking for one.
    if not promise.is_open:
        raise WorkflowError("This promise is already closed.")
    reason = _text(reason, "reason", "The reason", 2000)
    promise.reason = reason
    promise.closed_at = utcnow()
    move_promise(
        promise,
        PromiseState.BROKEN,
        actor,
        TicketEventKind.PROMISE_BROKEN,
        body=f"{promise.description}: {reason}",
        data={"customer_told": True},
    )
    notify_customer(
        promise.ticket,
        NotificationKind.PROMISE_BROKEN,
        "We could not keep a promise",
        f"We promised: {promise.description}. We could not keep it, because: {reason}",
    )
    _flush()


def promises_for(ticket: Ticket) -> list[Promise]:
    return list(
        db.session.scalars(
            select(Promise).where(Promise.ticket_id == ticket.id).order_by(Promise.due_at)
        )
    )


def flag_overdue(now: datetime | None = None) -> int:
    """Alert owners and supervisors about open promises past due (once each)."""
    now = now or utcnow()
    overdue = list(
        db.session.scalars(
            select(Promise).where(
                Promise.state == PromiseState.OPEN,
                Promise.due_at < now,
                Promise.overdue_notified_at.is_(None),
            )
        )
    )
    for promise in overdue:
        # No timeline event: that would bump the ticket's version under someone's feet.
        promise.overdue_notified_at = now
        ticket = promise.ticket
        notify_staff(
            [promise.owner, *supervisors(exclude=promise.owner)],
            NotificationKind.PROMISE_OVERDUE,
            f"Promise overdue on {ticket.reference}: {promise.description} "
            f"(owner {promise.owner.name}).",
            ticket=ticket,
            email=True,
        )
    db.session.flush()
    return len(overdue)


def overdue_for_owner(user: User, now: datetime | None = None) -> list[Promise]:
    return list(
        db.session.scalars(
            select(Promise)
            .where(
                Promise.owner_id == user.id,
                Promise.state == PromiseState.OPEN,
                Promise.due_at < (now or utcnow()),
            )
            .order_by(Promise.due_at)
        )
    )
