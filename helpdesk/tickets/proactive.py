"""Proactive work: report a system or procedure problem before it reaches customers,
record the steps taken, and inform managers and colleagues.

Each function checks the move, writes the ticket's event, queues notices and flushes
(the caller's unit of work commits).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from helpdesk.domain import Channel, NotificationKind, Origin, Priority, Role, TicketEventKind
from helpdesk.extensions import db
from helpdesk.idempotency import first_made, flush_or_first
from helpdesk.models import Ticket, TicketEvent, User, UserRole
from helpdesk.notifications.services import notify_staff, supervisors
from helpdesk.tickets.services import NewTicket, _text, create_ticket
from helpdesk.tickets.workflow import WorkflowError, record_event

WHAT_MAX = 200
PART_MAX = 2000
# Teams a report can be sent to in one tick, besides people chosen by name.
GROUPS = {
    "supervisors": "All supervisors (managers)",
    "agents": "All agents (colleagues)",
}


def compose(what: str, where: str, risk: str) -> tuple[str, str]:
    """The ticket's subject and description from the report's three parts."""
    what = _text(what, "what", "What the problem is", WHAT_MAX)
    where = _text(where, "where", "Where it is", PART_MAX)
    risk = _text(risk, "risk", "The risk", PART_MAX)
    return what, f"What: {what}\nWhere: {where}\nRisk to customers: {risk}"


def report(
    actor: User,
    *,
    what: str,
    where: str,
    risk: str,
    category_id: int | None,
    priority: int = Priority.NORMAL,
    idempotency_key: str | None = None,
    source: dict[str, Any] | None = None,
) -> tuple[Ticket, bool]:
    """Open a ticket identified internally, with what/where/risk kept on its first event."""
    if not actor.is_staff:
        raise WorkflowError("Only staff can report problems proactively.")
    subject, description = compose(what, where, risk)
    details = {"what": subject, "where": where.strip(), "risk": risk.strip(), **(source or {})}
    return create_ticket(
        NewTicket(
            subject=subject,
            description=description,
            category_id=category_id,
            channel=Channel.INTERNAL,
            origin=Origin.INTERNAL,
            priority=priority,
            details=details,
        ),
        customer=None,
        created_by=actor,
        idempotency_key=idempotency_key,
    )


def _check(ticket: Ticket) -> None:
    if ticket.origin != Origin.INTERNAL:
        raise WorkflowError("Only a problem identified internally has proactive work.")
    if not ticket.is_open:
        raise WorkflowError("This report is closed.")


def steps(ticket: Ticket) -> list[TicketEvent]:
    return [e for e in ticket.events if e.kind == TicketEventKind.PROACTIVE_STEP]


def record_step(
    ticket: Ticket, actor: User, step: str, *, idempotency_key: str | None = None
) -> TicketEvent:
    """Record a step taken to solve the problem before customers are affected."""
    if (existing := first_made(TicketEvent, idempotency_key)) is not None:
        return existing
    _check(ticket)
    step = _text(step, "step", "The step taken", PART_MAX)
    event = record_event(
        ticket,
        actor,
        TicketEventKind.PROACTIVE_STEP,
        body=step,
        data={"number": len(steps(ticket)) + 1},
        idempotency_key=idempotency_key,
    )
    return flush_or_first(TicketEvent, idempotency_key) or event


def group_members(groups: Sequence[str]) -> list[User]:
    """Active members of the chosen teams."""
    people: list[User] = []
    if "supervisors" in groups:
        people += supervisors()
    if "agents" in groups:
        people += list(
            db.session.scalars(
                select(User)
                .join(UserRole)
                .where(UserRole.role == Role.AGENT, User.active.is_(True))
                .order_by(User.id)
            )
        )
    return people


def inform(
    ticket: Ticket,
    actor: User,
    *,
    people: Sequence[User] = (),
    groups: Sequence[str] = (),
    message: str = "",
    idempotency_key: str | None = None,
) -> TicketEvent:
    """Tell the chosen managers and colleagues about the problem and the steps taken."""
    if (existing := first_made(TicketEvent, idempotency_key)) is not None:
        return existing
    _check(ticket)
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        raise WorkflowError("Choose one of the listed teams.", "groups")
    for person in people:
        if not person.is_staff or not person.active:
            raise WorkflowError("Inform active members of staff only.", "people")
    message = (message or "").strip()
    if len(message) > PART_MAX:
        raise WorkflowError(f"Keep the message under {PART_MAX:,} characters.", "message")
    recipients: dict[int, User] = {}
    for person in [*people, *group_members(groups)]:
        if person.id != actor.id:
            recipients.setdefault(person.id, person)
    if not recipients:
        raise WorkflowError("Choose at least one colleague or team to inform.", "people")
    chosen = sorted(recipients.values(), key=lambda u: u.name)
    names = ", ".join(u.name for u in chosen)
    taken = steps(ticket)
    lines = [f"Informed: {names}."]
    if message:
        lines.append(message)
    event = record_event(
        ticket,
        actor,
        TicketEventKind.PROACTIVE_INFORMED,
        body="\n".join(lines),
        data={
            "user_ids": [u.id for u in chosen],
            "names": [u.name for u in chosen],
            "groups": list(groups),
            "steps": len(taken),
        },
        idempotency_key=idempotency_key,
    )
    summary = [f"{actor.name} reports {ticket.reference} “{ticket.subject}” (found internally)."]
    if message:
        summary.append(message)
    if taken:
        summary.append("Steps taken so far:")
        summary += [f"- {e.body[:200]}" for e in taken[-5:]]
    else:
        summary.append("No steps recorded yet.")
    notify_staff(
        chosen, NotificationKind.PROACTIVE_INFORMED, "\n".join(summary), ticket=ticket, email=True
    )
    return flush_or_first(TicketEvent, idempotency_key) or event
