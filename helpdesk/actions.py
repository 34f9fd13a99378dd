"""One way through a posted action: validate, run the service, answer the refusal or the success.

The services commit their own work (``commit_checked`` turns a lost version race into a
``StaleTicketError``), so this engine never commits: it rolls back on a refusal and
leaves the success to ``done``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from helpdesk.extensions import db
from helpdesk.forms import attach_refusal
from helpdesk.htmx import wants_fragment
from helpdesk.refusals import Refusal, StaleTicketError

Answer = tuple[str, int] | Response
# (status, conflict): conflict is None when the message sits next to a form field.
Redraw = Callable[[int, str | None], Answer]


def run_action(
    form: FlaskForm | None,
    action: Callable[[], object],
    *,
    redraw: Redraw,
    done: Callable[[], Answer],
    validate: bool = True,
    attach: bool = True,
    default_field: str | None = None,
    on_stale: Callable[[StaleTicketError], Answer] | None = None,
) -> Answer:
    """Validate ``form``, run ``action`` and answer: a redraw on refusal, ``done()`` on success.

    ``attach=False`` is for a page that does not show the form again, so a refusal is
    drawn as a conflict message instead of next to a field nobody would see.
    """
    if form is not None and validate and not form.validate():
        return redraw(422, None)
    try:
        action()
    except StaleTicketError as exc:
        db.session.rollback()
        return on_stale(exc) if on_stale else redraw(exc.status, exc.message)
    except Refusal as exc:
        db.session.rollback()
        if attach and attach_refusal(form, exc, default_field):
            return redraw(exc.status, None)
        return redraw(exc.status, exc.message)
    return done()


def fragment_or_redirect(
    fragment: Callable[[], Answer], url: str, message: str | None = None
) -> Answer:
    """The redrawn fragment for an htmx swap; without JavaScript, a flash and a redirect."""
    if wants_fragment():
        return fragment()
    if message:
        flash(message, "success")
    return redirect(url)
