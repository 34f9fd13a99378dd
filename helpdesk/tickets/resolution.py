"""Working a ticket to its end: questions, updates, other routes, escalation,
the resolution check and closing with reasons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from helpdesk.domain import NotificationKind, Status, TicketEventKind
from helpdesk.evidence.testimony import (
    check_testimony,
    learner_for,
    link_days,
    make_feedback_token,
    record_testimony,
)
from helpdesk.extensions import db
from helpdesk.idempotency import first_made
from helpdesk.models import Route, SatisfactionResponse, Ticket, TicketEvent, User
from helpdesk.models.types import utcnow
from helpdesk.notifications.services import external_url, notify_customer, notify_staff
from helpdesk.tickets.services import _check_version, _flush, _text
from helpdesk.tickets.workflow import (
    WorkflowError,
    can_transition,
    record_event,
    transition,
)

UNRESOLVED_REASONS = {
    "beyond_offer": "What the customer expects is more than we can offer",
    "outside_control": "The cause is outside our control",
    "declined_options": "The customer declined every option",
    "referred": "Another organisation or route is better placed to help",
    "other": "Other",
}


def ask_question(
    ticket: Ticket,
    actor: User,
    question: str,
    *,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> TicketEvent:
    """Ask the customer a clarifying question; the ticket waits on them until they answer."""
    if (existing := first_made(TicketEvent, idempotency_key)) is not None:
        return existing
    _check_version(ticket, expected_version)
    if not ticket.is_open:
        raise WorkflowError("This ticket is closed.")
    if ticket.customer is None:
        raise WorkflowError("This ticket has no customer to ask.", "question")
    question = _text(question, "question", "The question", 2000)
    before = ticket.status
    if before != Status.AWAITING_CUSTOMER and not can_transition(before, Status.AWAITING_CUSTOMER):
        raise WorkflowError(
            "The customer is confirming the resolution now; wait for their answer "
            "(a 'not solved' reopens the ticket) before asking something new."
        )
    event = record_event(
        ticket,
        actor,
        TicketEventKind.QUESTION,
        body=question,
        public=True,
        data={"status_before": before},
        idempotency_key=idempotency_key,
    )
    if before != Status.AWAITING_CUSTOMER:
        transition(ticket, Status.AWAITING_CUSTOMER, actor, public=False)
    notify_customer(ticket, NotificationKind.QUESTION_ASKED, "We have a question for you", question)
    _flush()
    return event


def offer_route(ticket: Ticket, actor: User, route: Route, note: str = "") -> TicketEvent:
    """Point the customer to another route when the organisation cannot help."""
    if not route.active:
        raise WorkflowError("That route is no longer offered.", "route_id")
    if not ticket.is_open:
        raise WorkflowError("This ticket is closed.")
    note = (note or "").strip()
    if len(note) > 2000:
        raise WorkflowError("Keep the note under 2,000 characters.", "note")
    body = f"{route.title}: {route.summary}" + (f"\n{note}" if note else "")
    if route.contact:
        body += f"\nHow to reach it: {route.contact}"
    event = record_event(
        ticket,
        actor,
        TicketEventKind.ROUTE_OFFERED,
        body=body,
        public=True,
        data={"route_id": route.id},
    )
    notify_customer(
        ticket, NotificationKind.ROUTE_OFFERED, "Another way to solve your problem", body
    )
    _flush()
    return event


def escalate(
    ticket: Ticket,
    actor: User,
    *,
    reason: str,
    to_user: User | None = None,
    to_team: str = "",
) -> TicketEvent:
    """Hand the ticket to a specialist person or team, saying why."""
    if not ticket.is_open:
        raise WorkflowError("This ticket is closed.")
    reason = _text(reason, "reason", "The reason", 2000)
    to_team = (to_team or "").strip()[:160]
    if to_user is None and not to_team:
        raise WorkflowError("Choose a specialist person or team.", "to_user_id")
    if to_user is not None and (not to_user.is_staff or not to_user.active):
        raise WorkflowError("Escalate to an active member of staff.", "to_user_id")
    holder = to_user.name if to_user else to_team
    if to_user is not None and to_team:
        holder = f"{to_user.name} ({to_team})"
    ticket.escalated_to = holder
    if to_user is not None:
        ticket.assignee = to_user
    event = record_event(
        ticket, actor, TicketEventKind.ESCALATED, body=reason, data={"to": holder, "team": to_team}
    )
    notify_staff(
        [to_user],
        NotificationKind.ESCALATED,
        f"{actor.name} escalated {ticket.reference} to you: {reason}",
        ticket=ticket,
        email=True,
    )
    _flush()
    return event


def resolve(
    ticket: Ticket, actor: User, summary: str, *, expected_version: int | None = None
) -> TicketEvent:
    """Say what fixed it and ask the customer to confirm and rate the service."""
    _check_version(ticket, expected_version)
    if ticket.customer is None:
        raise WorkflowError("A ticket without a customer is closed, not resolved.")
    summary = _text(summary, "summary", "What fixed it", 4000)
    if ticket.status in (Status.AGREED,):
        transition(ticket, Status.IN_PROGRESS, actor, public=False)
    if ticket.status not in (Status.IN_PROGRESS, Status.ACKNOWLEDGED):
        raise WorkflowError(
            "Resolve once the problem is acknowledged, or the agreed option is under way."
        )
    event = record_event(ticket, actor, TicketEventKind.RESOLUTION_CHECK, body=summary, public=True)
    transition(ticket, Status.RESOLVED, actor, public=False)
    ticket.reopened_at = None  # answered: it no longer jumps the agent's queue
    link = external_url(f"/feedback/{make_feedback_token(ticket)}")
    notify_customer(
        ticket,
        NotificationKind.RESOLUTION_CHECK,
        "Is your problem solved?",
        f"{summary}\n\nPlease tell us whether this solved your problem, and how we did:\n"
        f"{link}\n(This link works once, for {link_days()} days, without signing in.)",
    )
    _flush()
    return event


def customer_confirm(
    ticket: Ticket,
    customer: User,
    *,
    solved: bool,
    rating: int | None,
    comment: str,
    did_well: str = "",
    consent: bool = False,
    witness_name: str = "",
    witness_contact: str = "",
) -> SatisfactionResponse:
    """The customer's answer: solved closes it; not solved reopens it at the top.

    When a learner handled it, what they did well is kept too; with consent it also
    becomes witness testimony in the learner's training record.
    """
    if ticket.customer_id != customer.id:
        raise WorkflowError("Only the ticket's customer can answer this.")
    if ticket.status != Status.RESOLVED:
        raise WorkflowError("This ticket is not waiting for your confirmation.")
    if rating is not None and not 1 <= rating <= 5:
        raise WorkflowError("Choose a rating from 1 to 5.", "rating")
    comment = (comment or "").strip()
    if len(comment) > 4000:
        raise WorkflowError("Keep the comment under 4,000 characters.", "comment")
    if not solved and not comment:
        raise WorkflowError("Tell us what is still wrong.", "comment")
    did_well = did_well if did_well.strip() else ""
    # Only asked about a learner: a ticket no learner handled takes none of it.
    learner = learner_for(ticket) if (did_well or consent) else None
    if learner is None:
        did_well, consent, witness_name, witness_contact = "", False, "", ""
    elif problem := check_testimony(
        learner.first_name,
        did_well=did_well,
        consent=consent,
        witness_name=witness_name,
        contact=witness_contact,
    ):
        raise WorkflowError(problem[1], problem[0])
    response = SatisfactionResponse(
        ticket_id=ticket.id,
        customer_id=customer.id,
        solved=solved,
        rating=rating,
        comment=comment,
        did_well=did_well,
        testimony_consent=consent,
    )
    db.session.add(response)
    event = record_event(
        ticket,
        customer,
        TicketEventKind.CUSTOMER_CONFIRMED if solved else TicketEventKind.CUSTOMER_REOPENED,
        body=comment,
        public=True,
        data={"solved": solved, "rating": rating},
    )
    if solved:
        transition(ticket, Status.CLOSED_SATISFIED, customer, public=False)
    else:
        transition(ticket, Status.ACKNOWLEDGED, customer, note="Not solved", public=False)
        ticket.reopened_at = utcnow()
        notify_staff(
            [ticket.assignee],
            NotificationKind.REOPENED,
            f"{ticket.reference} was reopened: {comment[:200]}",
            ticket=ticket,
            email=True,
        )
    if consent and learner is not None:
        _flush()  # the testimony's criteria include what this answer just evidenced
        record_testimony(
            ticket, response, witness_name, witness_contact, learner=learner, event=event
        )
    _flush()
    return response


def close_unresolved(
    ticket: Ticket,
    actor: User,
    *,
    reason: str,
    tried: str,
    why: str,
    next_steps: str,
    routes: Sequence[Route] = (),
    expected_version: int | None = None,
) -> TicketEvent:
    """Close without a fix, with clear reasons sent to the customer."""
    _check_version(ticket, expected_version)
    if not ticket.is_open:
        raise WorkflowError("This ticket is already closed.")
    if reason not in UNRESOLVED_REASONS:
        raise WorkflowError("Choose the reason it could not be solved.", "reason")
    tried = _text(tried, "tried", "What was tried", 4000)
    why = _text(why, "why", "Why it could not be solved", 4000)
    next_steps = _text(next_steps, "next_steps", "What the customer can do next", 4000)
    lines = [
        f"Why we are closing this: {UNRESOLVED_REASONS[reason]}.",
        f"What we tried: {tried}",
        f"Why it could not be solved: {why}",
        f"What you can do next: {next_steps}",
    ]
    for route in routes:
        lines.append(
            f"Another route: {route.title}{' (' + route.contact + ')' if route.contact else ''}"
        )
    body = "\n".join(lines)
    event = record_event(
        ticket,
        actor,
        TicketEventKind.CLOSED_UNRESOLVED,
        body=body,
        public=True,
        data={"reason": reason, "route_ids": [r.id for r in routes]},
    )
    transition(ticket, Status.CLOSED_UNRESOLVED, actor, public=False)
    notify_customer(
        ticket, NotificationKind.CLOSED_UNRESOLVED, "We could not solve your problem", body
    )
    _flush()
    return event


def close_unconfirmed(now: datetime, days: int) -> int:
    """Close tickets whose customer did not answer the resolution check in time."""
    cutoff = now - timedelta(days=days)
    stale = list(
        db.session.scalars(
            select(Ticket).where(Ticket.status == Status.RESOLVED, Ticket.resolved_at < cutoff)
        )
    )
    for ticket in stale:
        record_event(
            ticket,
            None,
            TicketEventKind.NO_RESPONSE,
            body=f"No answer to the resolution check within {days} days.",
            public=True,
        )
        transition(ticket, Status.CLOSED_NO_RESPONSE, None, public=False)
    db.session.flush()
    return len(stale)
