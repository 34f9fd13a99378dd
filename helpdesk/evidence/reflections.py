"""Reflective accounts: the learner's own STAR account, linked to a ticket and to PCs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from helpdesk.evidence.redaction import evidence_ticket_ids
from helpdesk.extensions import db
from helpdesk.frameworks import Framework
from helpdesk.idempotency import first_made, flush_or_first
from helpdesk.models import LearnerProfile, ReflectiveAccount, Ticket, User
from helpdesk.models.types import utcnow
from helpdesk.refusals import Refusal
from helpdesk.validation import required_text

TITLE_MAX = 200
PART_MAX = 4000
# The same account sent twice this close together is one double-click, not two accounts.
REPEAT_WINDOW = timedelta(minutes=2)
PARTS = {
    "situation": "The situation",
    "task": "Your task",
    "action": "What you did",
    "result": "The result",
}


class ReflectionError(Refusal):
    """The account cannot be saved as sent; the message is for the learner."""


@dataclass(frozen=True)
class ReflectionData:
    title: str
    situation: str
    task: str
    action: str
    result: str
    ticket_id: int | None = None
    codes: tuple[str, ...] = ()


def evidence_tickets(learner_id: int) -> list[Ticket]:
    """Tickets with evidence in the portfolio, in the order they first appear."""
    ids = evidence_ticket_ids(learner_id)
    found = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def reflections_for(learner_id: int) -> list[ReflectiveAccount]:
    return list(
        db.session.scalars(
            select(ReflectiveAccount)
            .where(ReflectiveAccount.learner_id == learner_id)
            .order_by(ReflectiveAccount.id.desc())
        )
    )


def _text(value: str, field: str, label: str, limit: int) -> str:
    return required_text(value, field, label, limit, ReflectionError)


def _replayed(
    account: ReflectiveAccount, author: User, profile: LearnerProfile
) -> ReflectiveAccount:
    """The account an earlier post of this form saved; a key from another portfolio's
    form is refused (it is not a replay of this post)."""
    if account.learner_id != profile.user_id or author.id != profile.user_id:
        raise ReflectionError("This form was already sent: reload the page and write it again.")
    return account


def add_reflection(
    author: User,
    profile: LearnerProfile,
    framework: Framework,
    data: ReflectionData,
    *,
    idempotency_key: str | None = None,
) -> ReflectiveAccount:
    """Save the learner's own account; a repeat of the same one is not saved twice.

    With an ``idempotency_key`` (the form's), a replayed post returns the account the
    first one saved, before any check; without one, the same account sent again within
    ``REPEAT_WINDOW`` is taken for a double click.

    :raise ReflectionError: for another person's portfolio, empty or oversized parts,
        a ticket without evidence in this portfolio, or codes that are not PCs.
    """
    idempotency_key = idempotency_key or None
    if (earlier := first_made(ReflectiveAccount, idempotency_key)) is not None:
        return _replayed(earlier, author, profile)
    if author.id != profile.user_id:
        raise ReflectionError("Only the learner can add reflective accounts to a portfolio.")
    title = _text(data.title, "title", "The title", TITLE_MAX)
    parts = {k: _text(getattr(data, k), k, label, PART_MAX) for k, label in PARTS.items()}
    if data.ticket_id is not None and data.ticket_id not in evidence_ticket_ids(profile.user_id):
        raise ReflectionError("Choose one of your evidence tickets, or none.", "ticket_id")
    known = [p.code for p in framework.pcs]
    unknown = [c for c in data.codes if c not in known]
    if unknown:
        raise ReflectionError("Choose performance criteria from the list.", "codes")
    codes = [c for c in known if c in data.codes]
    if idempotency_key is None and (
        earlier := _repeat(author, title, parts, data.ticket_id, codes)
    ):
        return earlier
    account = ReflectiveAccount(
        learner_id=author.id,
        ticket_id=data.ticket_id,
        title=title,
        codes=codes,
        idempotency_key=idempotency_key,
        **parts,
    )
    db.session.add(account)
    if (earlier := flush_or_first(ReflectiveAccount, idempotency_key)) is not None:
        return _replayed(earlier, author, profile)
    return account


def _repeat(
    author: User, title: str, parts: dict[str, str], ticket_id: int | None, codes: list[str]
) -> ReflectiveAccount | None:
    """The same account, sent moments ago by a form without a key (a double click)."""
    since = utcnow() - REPEAT_WINDOW
    for earlier in db.session.scalars(
        select(ReflectiveAccount).where(
            ReflectiveAccount.learner_id == author.id,
            ReflectiveAccount.title == title,
            ReflectiveAccount.created_at >= since,
        )
    ):
        same = all(getattr(earlier, k) == v for k, v in parts.items())
        if same and earlier.ticket_id == ticket_id and list(earlier.codes) == codes:
            return earlier
    return None
