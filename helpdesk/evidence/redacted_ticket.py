"""A ticket as it appears in a portfolio: the timeline the learner saw, every text
redacted, the customer only ever "Customer A"; no email, phone, name or order number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from helpdesk import domain
from helpdesk.domain import TicketEventKind as K
from helpdesk.domain import UpdateKind
from helpdesk.evidence.redaction import RedactionContext
from helpdesk.extensions import db
from helpdesk.models import EvidenceRecord, Ticket, TicketEvent, User
from helpdesk.tickets.sla import resolved_within_target


@dataclass(frozen=True)
class RedactedEvent:
    id: int
    created_at: datetime
    is_public: bool
    actor: str
    what: str
    body: str
    attachments: int
    codes: tuple[str, ...]


@dataclass(frozen=True)
class RedactedTicket:
    id: int
    reference: str
    subject: str
    status: str
    priority: int
    channel: str
    origin: str
    cause: str | None
    category: str
    customer: str
    customer_kind: str
    is_simulated: bool
    created_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    in_time: bool | None
    events: tuple[RedactedEvent, ...]


def _actor(user: User | None, ticket: Ticket, context: RedactionContext) -> str:
    if user is None:
        return "System"
    if user.id == ticket.customer_id or not user.is_staff:
        return context.label_for(user.id)
    return user.name


def _what(event: TicketEvent, context: RedactionContext) -> str:
    """The event in words, as the staff timeline says it (its data redacted too)."""
    data = event.data or {}
    kind = event.kind
    if kind == K.CREATED and data.get("on_behalf"):
        channel = domain.CHANNEL_LABELS.get(data.get("channel", ""), "")
        return f"raised the ticket for the customer ({channel})"
    if kind == K.ASSIGNED:
        return f"assigned it to {context.redact(str(data.get('to') or 'nobody'))}"
    if kind == K.CLASSIFIED:
        changes = [
            f"{k} ({'—' if v[0] is None else v[0]} → {'—' if v[1] is None else v[1]})"
            for k, v in data.items()
            if isinstance(v, list) and len(v) == 2
        ]
        return context.redact("changed " + ", ".join(changes))
    if kind == K.STATUS_CHANGED:
        return f"moved it to “{domain.STATUS_LABELS.get(data.get('to', ''), data.get('to', ''))}”"
    if kind == K.REPLY:
        asked = data.get("update_kind") == UpdateKind.ANSWER
        return f"sent an update ({'answering the customer' if asked else 'volunteered'})"
    if kind == K.CUSTOMER_MESSAGE and data.get("answers"):
        return "answered the question"
    if kind == K.ESCALATED:
        return f"escalated it to {context.redact(str(data.get('to') or ''))}"
    return domain.EVENT_LABELS.get(kind, kind.replace("_", " "))


def _codes_by_event(learner_id: int, ticket_id: int) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for record in db.session.scalars(
        select(EvidenceRecord).where(
            EvidenceRecord.learner_id == learner_id,
            EvidenceRecord.ticket_id == ticket_id,
            EvidenceRecord.ticket_event_id.is_not(None),
        )
    ):
        codes = found.setdefault(record.ticket_event_id or 0, [])
        codes += [c.code for c in record.live_codes if c.is_pc and c.code not in codes]
    return {k: tuple(v) for k, v in found.items()}


def redacted_ticket(ticket: Ticket, learner_id: int, context: RedactionContext) -> RedactedTicket:
    """The ticket's facts and whole timeline (public and internal), redacted."""
    codes = _codes_by_event(learner_id, ticket.id)
    events = tuple(
        RedactedEvent(
            id=e.id,
            created_at=e.created_at,
            is_public=e.is_public,
            actor=_actor(e.actor, ticket, context),
            what=_what(e, context),
            body="" if e.kind == K.STATUS_CHANGED else context.redact(e.body),
            attachments=len(e.attachments),
            codes=codes.get(e.id, ()),
        )
        for e in ticket.events
    )
    customer = ticket.customer
    return RedactedTicket(
        id=ticket.id,
        reference=ticket.reference,
        subject=context.redact(ticket.subject),
        status=ticket.status,
        priority=ticket.priority,
        channel=ticket.channel,
        origin=ticket.origin,
        cause=ticket.cause,
        category=ticket.category.name if ticket.category else "—",
        customer=context.label_for(customer.id) if customer else "No customer (proactive)",
        customer_kind=(
            ""
            if customer is None
            else "internal customer"
            if customer.is_internal_customer
            else "external customer"
        ),
        is_simulated=ticket.is_simulated,
        created_at=ticket.created_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        in_time=resolved_within_target(ticket),
        events=events,
    )
