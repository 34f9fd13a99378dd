"""Create forms carry a one-time key, so a replayed POST returns what the first one made.

A form's GET puts a fresh key in a hidden field; the service looks the key up before
creating, stores it on the new row (a unique index), and if a concurrent post with the
same key commits first, rolls back and returns that row instead of a duplicate
(services flush; the unit of work commits).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.locking import flush_checked
from helpdesk.refusals import StaleTicketError

T = TypeVar("T")
ALREADY_SENT = "This form was already sent: reload the page and try again."


class Idempotent:
    """Mixin: the key of the create form that made this row, unique when present."""

    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)


def first_made(model: type[T], key: str | None) -> T | None:
    """The row an earlier post with this key created, if there was one."""
    if not key:
        return None
    column: Any = model.idempotency_key  # type: ignore[attr-defined]
    return db.session.scalar(select(model).where(column == key))


def flush_or_first(model: type[T], key: str | None) -> T | None:
    """Flush; None when the new row went in, else the row a racing replay made first
    (its commit took the key first, or moved a version counter on before ours), this
    post's work rolled back.

    :raise IntegrityError: when the failure was not about this key.
    :raise StaleTicketError: when a version race lost and no replay explains it.
    """
    try:
        flush_checked()
    except (IntegrityError, StaleTicketError):
        db.session.rollback()
        if (existing := first_made(model, key)) is not None:
            return existing
        raise
    return None


def replayed(row: T, ours: bool, refuse: Callable[[str], Exception]) -> T:
    """The row an earlier post of this same form made, when ``ours``; a key that made
    something else (another record's form, another person's) is not a replay of this
    post, and is refused with ``refuse(ALREADY_SENT)``."""
    if not ours:
        raise refuse(ALREADY_SENT)
    return row
