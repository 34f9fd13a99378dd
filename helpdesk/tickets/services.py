"""Ticket rules: raising, acknowledging, replying, assigning and classifying.

Each function takes plain arguments, checks the move, writes the event and flushes
(the caller's unit of work commits).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from sqlalchemy import select

from helpdesk.attachments.storage import CheckedUpload, store
from helpdesk.domain import (
    CAUSE_LABELS,
    CHANNEL_LABELS,
    ORIGIN_LABELS,
    PRIORITY_LABELS,
    Channel,
    NotificationKind,
    Origin,
    Priority,
    Role,
    Status,
    TicketEventKind,
    UpdateKind,
)
from helpdesk.extensions import db
from helpdesk.idempotency import first_made, flush_or_first
from helpdesk.locking import flush_checked
from helpdesk.models import Category, Ticket, TicketEvent, User
from helpdesk.models.types import utcnow
from helpdesk.notifications.services import notify_customer, notify_staff
from helpdesk.tickets.workflow import (
    StaleTicketError,
    WorkflowError,
    can_transition,
    record_event,
    transition,
)
from helpdesk.validation import required_text

SUBJECT_MAX = 200
TEXT_MAX = 10_000
UPDATE_KINDS = {
    UpdateKind.ANSWER: "Answers the customer's request for information",
    UpdateKind.VOLUNTEERED: "Volunteered: information they did not ask for",
}


@dataclass(frozen=True)
class NewTicket:
    subject: str
    description: str
    category_id: int | None
    order_ref: str | None = None
    channel: str = Channel.WEB
    origin: str = Origin.CUSTOMER
    priority: int = Priority.NORMAL
    is_simulated: bool = False
    # Extra facts for the "created" event's data (a proactive report's what/where/risk).
    details: dict[str, Any] | None = None


def _text(value: str, field: str, label: str, max_len: int = TEXT_MAX) -> str:
    return required_text(value, field, label, max_len, WorkflowError)


def _category(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = db.session.get(Category, category_id)
    if category is None or not category.active:
        raise WorkflowError("Choose one of the listed categories.", "category_id")
    return category


def _check_version(ticket: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != ticket.version:
        raise StaleTicketError()


# Commit, turning a lost race on the ticket's version into a clear message.
_flush = flush_checked


def create_ticket(
    data: NewTicket,
    *,
    customer: User | None,
    created_by: User,
    idempotency_key: str | None = None,
    uploads: Sequence[CheckedUpload] = (),
) -> tuple[Ticket, bool]:
    """Raise a ticket; a replayed idempotency key returns the first ticket.

    :return: the ticket and whether it was created now.
    :raise WorkflowError: for empty or oversized fields, or an unknown category.
    """
    if (existing := first_made(Ticket, idempotency_key)) is not None:
        return existing, False
    subject = _text(data.subject, "subject", "Subject", SUBJECT_MAX)
    description = _text(data.description, "description", "Description")
    category = _category(data.category_id)
    if data.channel not in CHANNEL_LABELS:
        raise WorkflowError("Choose one of the listed channels.", "channel")
    if data.origin not in ORIGIN_LABELS:
        raise WorkflowError("Choose where the problem was found.", "origin")
    if data.priority not in PRIORITY_LABELS:
        raise WorkflowError("Choose one of the listed priorities.", "priority")
    order_ref = (data.order_ref or "").strip() or None
    if order_ref and len(order_ref) > 60:
        raise WorkflowError("The reference must be at most 60 characters.", "order_ref")

    # Imported here: the problems package's views import this module.
    from helpdesk.problems.similar import is_possible_repeat

    # Judged before the insert, so the new ticket cannot count as its own repeat.
    possible_repeat = is_possible_repeat(subject, description, category.id if category else None)
    now = utcnow()
    ticket = Ticket(
        possible_repeat=possible_repeat,
        subject=subject,
        description=description,
        category=category,
        customer=customer,
        created_by=created_by,
        status=Status.NEW,
        priority=int(data.priority),
        channel=data.channel,
        origin=data.origin,
        order_ref=order_ref,
        is_simulated=data.is_simulated,
        idempotency_key=idempotency_key,
        created_at=now,
        updated_at=now,
    )
    on_behalf = customer is not None and created_by.id != customer.id
    # Nothing is written before the commit below, where a duplicate key is handled.
    with db.session.no_autoflush:
        db.session.add(ticket)
        created = record_event(
            ticket,
            created_by,
            TicketEventKind.CREATED,
            body=description,
            public=customer is not None,
            is_update=False,
            data={
                "channel": data.channel,
                "origin": data.origin,
                "on_behalf": on_behalf,
                **(data.details or {}),
            },
        )
        for upload in uploads:
            store(upload, ticket=ticket, event=created, uploader=created_by)
    # Two submits raced with the same key: the other one won, hand back its ticket.
    if (existing := flush_or_first(Ticket, idempotency_key)) is not None:
        return existing, False
    return ticket, True


def acknowledge(
    ticket: Ticket,
    actor: User,
    *,
    need: str,
    impact: str,
    feeling: str,
    expected_version: int | None = None,
) -> TicketEvent:
    """Restate the problem in the agent's own words: need, impact and feeling."""
    _check_version(ticket, expected_version)
    if not ticket.is_open:
        raise WorkflowError("This ticket is closed.")
    if ticket.acknowledged_at is not None:
        raise WorkflowError("This ticket has already been acknowledged.")
    need = _text(need, "need", "What the customer needs", 2000)
    impact = _text(impact, "impact", "The impact on them", 2000)
    feeling = _text(feeling, "feeling", "How they feel about it", 2000)
    body = f"What you need: {need}\nHow it affects you: {impact}\nHow you feel about it: {feeling}"
    event = record_event(
        ticket,
        actor,
        TicketEventKind.ACKNOWLEDGED,
        body=body,
        public=True,
        data={"need": need, "impact": impact, "feeling": feeling},
    )
    ticket.acknowledged_at = event.created_at
    if ticket.status == Status.NEW:
        transition(ticket, Status.ACKNOWLEDGED, actor, public=False)
    if ticket.assignee is None:
        ticket.assignee = actor
    _flush()
    return event


def _add_message(
    ticket: Ticket,
    actor: User,
    kind: TicketEventKind,
    body: str,
    *,
    public: bool,
    idempotency_key: str | None,
    data: dict[str, Any] | None = None,
    before_commit: Callable[[TicketEvent], object] | None = None,
) -> TicketEvent:
    if (existing := first_made(TicketEvent, idempotency_key)) is not None:
        return existing
    body = _text(body, "body", "The message")
    event = record_event(
        ticket, actor, kind, body=body, public=public, data=data, idempotency_key=idempotency_key
    )
    if before_commit is not None:
        before_commit(event)
    return flush_or_first(TicketEvent, idempotency_key) or event


def reply(
    ticket: Ticket,
    actor: User,
    body: str,
    *,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
    update_kind: str = "volunteered",
) -> TicketEvent:
    """Send a public update, recorded as answering the customer or volunteered."""
    if (existing := first_made(TicketEvent, idempotency_key)) is not None:
        return existing
    _check_version(ticket, expected_version)
    if update_kind not in UPDATE_KINDS:
        raise WorkflowError("Say whether this answers the customer or is volunteered.", "kind")
    if not ticket.is_open:
        raise WorkflowError("This ticket is closed; replies can no longer be sent.")
    if ticket.customer_id is None:
        # No field: such a ticket shows no reply box, so the message goes at the top.
        raise WorkflowError("This ticket has no customer to reply to.")
    return _add_message(
        ticket,
        actor,
        TicketEventKind.REPLY,
        body,
        public=True,
        idempotency_key=idempotency_key,
        data={"update_kind": update_kind},
        before_commit=lambda event: notify_customer(
            ticket, NotificationKind.UPDATE, "An update on your problem", event.body
        ),
    )


def add_note(
    ticket: Ticket,
    actor: User,
    body: str,
    *,
    idempotency_key: str | None = None,
) -> TicketEvent:
    """Add an internal note that only staff can see."""
    return _add_message(
        ticket, actor, TicketEventKind.NOTE, body, public=False, idempotency_key=idempotency_key
    )


def customer_reply(
    ticket: Ticket,
    customer: User,
    body: str,
    *,
    idempotency_key: str | None = None,
) -> TicketEvent:
    """The customer adds to their own ticket; an awaited answer puts it back to work."""
    if (existing := first_made(TicketEvent, idempotency_key)) is not None:
        return existing
    if ticket.customer_id != customer.id:
        raise WorkflowError("Only the ticket's customer can reply here.")
    if not ticket.is_open:
        raise WorkflowError("This ticket is closed. Raise a new problem if you need help.")
    # Check the message before moving the status, so a refusal leaves nothing half-done.
    body = _text(body, "body", "The message")
    data: dict[str, Any] = {}
    if ticket.status == Status.AWAITING_CUSTOMER:
        question = open_question(ticket)
        back_to = Status.ACKNOWLEDGED
        if question is not None:
            # The answer threads under the question and the ticket goes back where it was.
            data["answers"] = question.id
            before = question.data.get("status_before", Status.ACKNOWLEDGED)
            if before != Status.AWAITING_CUSTOMER and can_transition(ticket.status, before):
                back_to = Status(before)
        transition(ticket, back_to, customer, public=False)
    return _add_message(
        ticket,
        customer,
        TicketEventKind.CUSTOMER_MESSAGE,
        body,
        public=True,
        idempotency_key=idempotency_key,
        data=data,
        before_commit=lambda _event: notify_staff(
            [ticket.assignee],
            NotificationKind.CUSTOMER_MESSAGE,
            f"The customer wrote on {ticket.reference}.",
            ticket=ticket,
        ),
    )


def default_update_kind(ticket: Ticket) -> str:
    """An update after the customer last wrote answers them; otherwise it is volunteered."""
    for event in reversed(ticket.events):
        if event.is_public and event.actor_id is not None:
            if event.actor_id == ticket.customer_id:
                return UpdateKind.ANSWER
            if event.kind in (
                TicketEventKind.REPLY,
                TicketEventKind.QUESTION,
                TicketEventKind.ACKNOWLEDGED,
            ):
                return UpdateKind.VOLUNTEERED
    return UpdateKind.VOLUNTEERED


def open_question(ticket: Ticket) -> TicketEvent | None:
    """The latest clarifying question the customer has not answered yet."""
    answered = {
        e.data.get("answers") for e in ticket.events if e.kind == TicketEventKind.CUSTOMER_MESSAGE
    }
    for event in reversed(ticket.events):
        if event.kind == TicketEventKind.QUESTION:
            return None if event.id in answered else event
    return None


def assignable_staff() -> list[User]:
    """Active agents and supervisors, by name; asked several times per page, so kept per
    request (the workspace's forms and panels all need it)."""
    if has_request_context() and "assignable_staff" in g:
        return list(g.assignable_staff)
    from helpdesk.models import UserRole

    found = list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role.in_([Role.AGENT, Role.SUPERVISOR]), User.active.is_(True))
            .distinct()
            .order_by(User.name)
        )
    )
    if has_request_context():
        g.assignable_staff = found
    return found


def assign(
    ticket: Ticket,
    actor: User,
    assignee: User | None,
    *,
    expected_version: int | None = None,
) -> TicketEvent | None:
    """Give the ticket to a staff member, or leave it unassigned."""
    _check_version(ticket, expected_version)
    if assignee is not None and (not assignee.is_staff or not assignee.active):
        raise WorkflowError("Tickets can only be assigned to active staff.", "assignee_id")
    if ticket.assignee_id == (assignee.id if assignee else None):
        return None
    old = ticket.assignee.name if ticket.assignee else None
    ticket.assignee = assignee
    event = record_event(
        ticket,
        actor,
        TicketEventKind.ASSIGNED,
        public=False,
        data={"from": old, "to": assignee.name if assignee else None},
    )
    _flush()
    return event


def classify(
    ticket: Ticket,
    actor: User,
    *,
    priority: int,
    category_id: int | None,
    channel: str,
    origin: str,
    cause: str | None,
    expected_version: int | None = None,
) -> TicketEvent | None:
    """Set priority, category, channel, origin and cause; records what changed."""
    _check_version(ticket, expected_version)
    if priority not in PRIORITY_LABELS:
        raise WorkflowError("Choose one of the listed priorities.", "priority")
    if channel not in CHANNEL_LABELS:
        raise WorkflowError("Choose one of the listed channels.", "channel")
    if origin not in ORIGIN_LABELS:
        raise WorkflowError("Choose where the problem was found.", "origin")
    cause = cause or None
    if cause is not None and cause not in CAUSE_LABELS:
        raise WorkflowError("Choose one of the listed causes.", "cause")
    category = _category(category_id) if category_id != ticket.category_id else ticket.category

    changes: dict[str, list[Any]] = {}
    for field, new in (
        ("priority", int(priority)),
        ("channel", channel),
        ("origin", origin),
        ("cause", cause),
    ):
        old = getattr(ticket, field)
        if old != new:
            changes[field] = [old, new]
            setattr(ticket, field, new)
    if ticket.category_id != (category.id if category else None):
        changes["category"] = [
            ticket.category.name if ticket.category else None,
            category.name if category else None,
        ]
        ticket.category = category
    if not changes:
        return None
    event = record_event(ticket, actor, TicketEventKind.CLASSIFIED, public=False, data=changes)
    _flush()
    return event


def customer_other_tickets(ticket: Ticket, limit: int = 10) -> list[Ticket]:
    if ticket.customer_id is None:
        return []
    return list(
        db.session.scalars(
            select(Ticket)
            .where(Ticket.customer_id == ticket.customer_id, Ticket.id != ticket.id)
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
    )


def visible_events(ticket: Ticket, *, staff: bool) -> Iterable[TicketEvent]:
    """The timeline as a viewer may see it: customers get the public events only."""
    return [e for e in ticket.events if staff or e.is_public]
