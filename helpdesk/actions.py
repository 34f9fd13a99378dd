"""One way through a posted action: validate, run the service, answer the refusal or the success.

The services only flush (``flush_checked`` turns a lost version race into a
``StaleTicketError``); this engine commits once, after the service succeeds and before
``done`` draws the success, so a commit that loses a race is answered like any other
refusal. On a refusal it rolls back before redrawing, so the form shows what is stored.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from helpdesk.forms import attach_refusal
from helpdesk.htmx import wants_fragment
from helpdesk.refusals import Refusal, StaleTicketError
from helpdesk.unit_of_work import commit, discard

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
        commit()
    except StaleTicketError as exc:
        discard()
        return on_stale(exc) if on_stale else redraw(exc.status, exc.message)
    except Refusal as exc:
        discard()
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
