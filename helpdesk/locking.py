"""Concurrency: re-reading a row under a lock, and flushes that lose a version race."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm.exc import NoResultFound, StaleDataError

from helpdesk.extensions import Model, db
from helpdesk.refusals import StaleTicketError

M = TypeVar("M", bound=Model)


def reread_locked(instance: M) -> M:
    """The row as stored, re-read under a row lock (SELECT … FOR UPDATE on PostgreSQL;
    SQLite's write lock already serialises writers), replacing the copy in hand.

    :raise NoResultFound: when the row has gone meanwhile.
    """
    model = type(instance)
    found = db.session.get(
        model,
        inspect(instance).identity,
        with_for_update={"of": model},
        populate_existing=True,
    )
    if found is None:
        raise NoResultFound(f"{model.__name__} is gone")
    return found


def flush_checked() -> None:
    """Flush, turning a lost race on a version counter into a clear 409 for the person;
    the unit of work's commit (``helpdesk.unit_of_work``) saves what was flushed.

    :raise StaleTicketError: when another request changed the row since it was read.
    """
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleTicketError() from exc
