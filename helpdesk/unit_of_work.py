"""One transaction boundary: services flush, and whoever called them commits once.

A request is one unit of work: it commits at the end when its answer is not an error,
and rolls back otherwise (``init_app``); the action engine commits earlier, before it
draws the success, so a commit that fails still gets the right refusal. CLI commands,
jobs and tests use ``unit_of_work()``. Services never commit, so two of them called one
after the other succeed together or leave nothing.

This module is the bottom layer: it imports only the extensions and the refusals.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from helpdesk.extensions import db
from helpdesk.refusals import Refusal, StaleTicketError

CONFLICT = "Someone else changed this at the same moment. Reload the page and try again."


class CommitConflict(Refusal):
    """The commit met a row another transaction wrote first (a unique key, a foreign key)."""

    def __init__(self) -> None:
        super().__init__(CONFLICT, status=409)


def commit() -> None:
    """Commit the unit's work; a lost race rolls it all back and becomes a refusal.

    :raise StaleTicketError: when a version counter moved on since the row was read.
    :raise CommitConflict: when a constraint refused the work at the commit.
    """
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleTicketError() from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise CommitConflict() from exc


def discard() -> None:
    """Roll back the unit's work (a refusal, an error): nothing of it is kept."""
    db.session.rollback()


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit the block's work when it ends normally; roll all of it back on any exception."""
    try:
        yield
    except BaseException:
        discard()
        raise
    commit()


def commit_even_if_refused() -> None:
    """Commit now, whatever the request's answer will be (a refusal rolls back the rest).

    Only for records that must stand even though the request is refused: a failed
    sign-in or a wrong two-factor code in the audit log, forged fields noted, a
    session's activity or timeout. Call it before the request's own work is in the
    session (each caller says why it needs this).
    """
    db.session.commit()


def _end_request(response: Response) -> Response:
    # Registered first, so it runs after every other after_request handler.
    if response.status_code >= 400:
        discard()
        return response
    try:
        commit()
    except Refusal as exc:
        # Rare: the action engine commits before drawing, so this is a plain view's race.
        return Response(exc.message, status=exc.status, mimetype="text/plain")
    return response


def _teardown_request(exc: BaseException | None) -> None:
    if exc is not None:
        discard()


def init_app(app: Flask) -> None:
    """Make each request one unit of work: commit unless the answer is an error."""
    app.after_request(_end_request)
    app.teardown_request(_teardown_request)
