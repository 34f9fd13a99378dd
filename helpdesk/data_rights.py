"""Customers' data rights: a copy of everything about them, and erasure.

Erasure pseudonymises rather than deletes: tickets, statistics and learners' (already
redacted) evidence stay valid, while the person's name, contact details and own words
go. Events are append-only; erasure is the one deliberate exception, made inside
:func:`helpdesk.models.guards.erasure`, and only ever writes ``[erased]`` over a body.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, func, or_, select, update

from helpdesk.attachments.storage import path_of
from helpdesk.audit import audit
from helpdesk.domain import AuditAction
from helpdesk.extensions import db
from helpdesk.models import (
    Attachment,
    OutboxMessage,
    ProblemEvent,
    SatisfactionResponse,
    Ticket,
    TicketEvent,
    User,
)
from helpdesk.models.guards import ERASED_TEXT, erasure
from helpdesk.refusals import Refusal

# The customer's own words in their tickets' timelines.
OWN_WORDS_KINDS = frozenset({"created", "customer_message", "customer_reopened", "option_declined"})
# Short names would match inside ordinary words: only longer ones are swept from text.
MIN_SWEPT_NAME = 4


class DataRightsError(Refusal):
    """A refused request, with the message to show."""


def erased_name(user: User) -> str:
    return f"Erased customer #{user.id}"


def erased_email(user: User) -> str:
    return f"erased-{user.id}@invalid"


def is_erased(user: User) -> bool:
    return user.email == erased_email(user)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_data(user: User) -> dict[str, Any]:
    """Everything the helpdesk holds about this customer that they may see."""
    tickets = list(
        db.session.scalars(select(Ticket).where(Ticket.customer_id == user.id).order_by(Ticket.id))
    )
    answers = list(
        db.session.scalars(
            select(SatisfactionResponse)
            .where(SatisfactionResponse.customer_id == user.id)
            .order_by(SatisfactionResponse.id)
        )
    )
    return {
        "account": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "phone": user.phone,
            "department": user.department,
            "created_at": _iso(user.created_at),
            "roles": sorted(user.role_names),
        },
        "tickets": [
            {
                "reference": t.reference,
                "subject": t.subject,
                "description": t.description,
                "status": t.status,
                "order_ref": t.order_ref,
                "created_at": _iso(t.created_at),
                "closed_at": _iso(t.closed_at),
                "events": [
                    {
                        "kind": e.kind,
                        "at": _iso(e.created_at),
                        "by_you": e.actor_id == user.id,
                        "text": e.body,
                        "attachments": [a.filename for a in e.attachments],
                    }
                    for e in t.events
                    if e.is_public
                ],
            }
            for t in tickets
        ],
        "satisfaction_answers": [
            {
                "ticket_id": a.ticket_id,
                "solved": a.solved,
                "rating": a.rating,
                "comment": a.comment,
                "did_well": a.did_well,
                "testimony_consent": a.testimony_consent,
                "at": _iso(a.created_at),
            }
            for a in answers
        ],
    }


def _public_attachments(user: User) -> list[Attachment]:
    stmt = (
        select(Attachment)
        .join(Ticket, Attachment.ticket_id == Ticket.id)
        .outerjoin(TicketEvent, Attachment.event_id == TicketEvent.id)
        .where(
            Ticket.customer_id == user.id,
            or_(Attachment.event_id.is_(None), TicketEvent.is_public.is_(True)),
        )
        .order_by(Attachment.id)
    )
    return list(db.session.scalars(stmt))


def export_zip(user: User, actor: User) -> bytes:
    """A zip of data.json and the files attached to their tickets (audited)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(export_data(user), indent=2, ensure_ascii=False))
        for a in _public_attachments(user):
            path = path_of(a)
            if path.is_file():
                # The id keeps two files of the same name apart; the name is not a path.
                safe = a.filename.replace("/", "_").replace("\\", "_")
                archive.write(path, f"attachments/{a.id}-{safe}")
    audit(AuditAction.DATA_EXPORTED, actor, user)
    db.session.flush()
    return buffer.getvalue()


def erase(user: User, actor: User) -> None:
    """Pseudonymise the customer everywhere and disable the account (audited).

    :raise DataRightsError: for staff accounts (erasure is for customers only).
    """
    if user.is_staff:
        raise DataRightsError("Only customer accounts can be erased here.")
    if is_erased(user):
        return
    old_name, old_email = user.name, user.email
    new_name, new_email = erased_name(user), erased_email(user)
    tickets = list(db.session.scalars(select(Ticket).where(Ticket.customer_id == user.id)))
    ticket_ids = [t.id for t in tickets]
    with erasure(db.session):
        for t in tickets:
            t.order_ref = None
            t.subject = ERASED_TEXT
            t.description = ERASED_TEXT
        if ticket_ids:
            events = db.session.scalars(
                select(TicketEvent).where(
                    TicketEvent.ticket_id.in_(ticket_ids),
                    or_(TicketEvent.actor_id == user.id, TicketEvent.kind.in_(OWN_WORDS_KINDS)),
                )
            )
            for e in events:
                if e.body and e.body != ERASED_TEXT:
                    e.body = ERASED_TEXT
        for answer in db.session.scalars(
            select(SatisfactionResponse).where(SatisfactionResponse.customer_id == user.id)
        ):
            answer.comment = ERASED_TEXT if answer.comment else ""
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.to_email == old_email)
            .values(to_email=new_email, body=ERASED_TEXT)
        )
        user.name = new_name
        user.email = new_email
        user.phone = None
        user.department = None
        user.password_hash = None
        user.active = False
        user.session_generation += 1
        db.session.flush()
        _sweep(old_name, new_name)
        _sweep(old_email, new_email)
    audit(AuditAction.ACCOUNT_ERASED, actor, user)
    db.session.flush()


def _sweep(old: str, new: str) -> None:
    """Replace what is left of a name or address in other people's text (staff replies
    that greet the customer, notifications, testimonies): events lose the whole text
    (they may only become ``[erased]``), other rows get the pseudonym in its place."""
    if len(old) < MIN_SWEPT_NAME:
        return
    for e in db.session.scalars(
        select(TicketEvent).where(TicketEvent.body.contains(old, autoescape=True))
    ):
        e.body = ERASED_TEXT
    for p in db.session.scalars(
        select(ProblemEvent).where(ProblemEvent.body.contains(old, autoescape=True))
    ):
        p.body = ERASED_TEXT
    db.session.flush()
    for table in db.metadata.sorted_tables:
        if table.name in SWEEP_SKIPS:
            continue
        for column in table.columns:
            if not isinstance(column.type, String | Text) or column.unique or column.primary_key:
                continue
            db.session.execute(
                table.update()
                .where(column.contains(old, autoescape=True))
                .values({column.name: func.replace(column, old, new)})
            )


# Events are handled above through the guard; users directly; the log names only ids.
SWEEP_SKIPS = frozenset({"ticket_events", "problem_events", "users", "audit_entries"})
