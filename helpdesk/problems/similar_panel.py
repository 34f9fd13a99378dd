"""The similar-tickets panel of the ticket workspace: its data, its form, how it answers.

The panel is an htmx partial (``problems/similar.html``, block ``panel``) and a plain
page too. Linking answers with the panel re-drawn (htmx) or a redirect to the ticket,
keeping the ticks and the title on a refusal (422) and showing the fresh state on a
concurrent change (409).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from helpdesk.extensions import db
from helpdesk.forms import attach_refusal
from helpdesk.htmx import render, wants_fragment
from helpdesk.models import ProblemRecord, Ticket
from helpdesk.problems import linking
from helpdesk.problems.similar import similar_to
from helpdesk.tickets.workflow import StaleTicketError, WorkflowError

MODES = {"new": "A new problem record", "existing": "An open problem record"}
MAX_ID = 2**63 - 1


class IdsField(SelectMultipleField):
    """Ticked ticket ids; the service checks they exist (the list may have moved on)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        ids = []
        for raw in valuelist:
            raw = str(raw).strip()
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_ID:
                self.data = []
                raise ValueError("Tick only the tickets listed here.")
            ids.append(int(raw))
        self.data = ids

    def pre_validate(self, form: Any) -> None:
        """Any id is acceptable here: whether it can be linked is the service's call."""


class LinkProblemForm(FlaskForm):
    mode = RadioField(
        "Link to",
        choices=[SelectChoice(value, label) for value, label in MODES.items()],
        default="new",
        validators=[InputRequired("Choose a new or an open problem record.")],
    )
    title = StringField(
        "Title of the new problem record",
        description="What keeps going wrong; starts as this ticket's subject.",
        render_kw={"maxlength": 200},
    )
    problem_id = SelectField("Open problem record", validate_choice=False)
    ticket_ids = IdsField("Similar tickets to link too")


def _problem_choices(ticket: Ticket) -> list[SelectChoice]:
    choices = [SelectChoice("", "Choose a problem record")]
    for problem in linking.open_problems(ticket.category_id):
        where = f" ({problem.category.name})" if problem.category else ""
        choices.append(SelectChoice(str(problem.id), f"{problem.reference} {problem.title}{where}"))
    return choices


def fresh_form(ticket: Ticket, own: ProblemRecord | None, suggested: ProblemRecord | None) -> Any:
    """The form as first shown: the ticket's own record chosen, or a new one titled."""
    pick = own or suggested
    return LinkProblemForm(
        formdata=None,
        mode="existing" if own else "new",
        title=ticket.subject,
        problem_id=str(pick.id) if pick else "",
        ticket_ids=[],
    )


def render_panel(
    ticket: Ticket,
    form: Any = None,
    status: int = 200,
    *,
    error: str | None = None,
    message: str | None = None,
) -> tuple[str, int]:
    """The panel (an htmx fragment) or its page, with the form as posted or fresh."""
    similar = similar_to(ticket)
    own_id = linking.problem_ids_for([ticket.id]).get(ticket.id)
    own = db.session.get(ProblemRecord, own_id) if own_id else None
    if form is None:
        form = fresh_form(ticket, own, linking.suggested_problem(similar))
    form.problem_id.choices = _problem_choices(ticket)
    body = render(
        "problems/similar.html",
        "panel",
        ticket=ticket,
        similar=similar,
        own=own,
        form=form,
        ticked=set(form.ticket_ids.data or []),
        error=error,
        message=message,
    )
    return body, status


def _problem_id(raw: Any) -> int | None:
    raw = str(raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def link(ticket: Ticket, form: Any) -> tuple[str, int] | Response:
    """Link the ticket and the ticked ones as the form says; answer panel or redirect."""
    form.problem_id.choices = _problem_choices(ticket)
    if not form.validate():
        return render_panel(ticket, form, 422)  # each message sits next to its field
    try:
        problem, linked = linking.link_with_chosen(
            current_user,
            ticket,
            form.ticket_ids.data or [],
            new=form.mode.data == "new",
            title=form.title.data or "",
            problem_id=_problem_id(form.problem_id.data),
        )
    except StaleTicketError as exc:
        db.session.rollback()
        return render_panel(ticket, form, 409, error=exc.message)
    except WorkflowError as exc:
        db.session.rollback()
        if not attach_refusal(form, exc):
            return render_panel(ticket, form, 422, error=exc.message)
        return render_panel(ticket, form, 422)
    message = f"Linked {', '.join(t.reference for t in linked)} to {problem.reference}."
    if wants_fragment():
        return render_panel(ticket, message=message)
    flash(message, "success")
    return redirect(url_for("tickets.workspace", ticket_id=ticket.id, _anchor="similar-panel"))


def back_to_queue(raw: str | None) -> str:
    """Where a queue form came from: the queue with its filters, never another site."""
    queue = url_for("tickets.queue")
    parts = urlsplit(raw or "")
    if parts.scheme or parts.netloc or parts.path != queue or "\\" in (raw or ""):
        return queue
    return f"{queue}?{parts.query}" if parts.query else queue


def link_similar(ticket: Ticket, back: str | None) -> Response:
    """The queue's one click: link it and its very similar open tickets, then go back."""
    try:
        problem, linked = linking.link_similar(current_user, ticket)
    except WorkflowError as exc:
        # A redirect is not an error, so the request would commit: drop the refused work.
        db.session.rollback()
        flash(exc.message, "error")
    else:
        refs = ", ".join(t.reference for t in linked)
        flash(f"Linked {refs} to {problem.reference} “{problem.title}”.", "success")
    return redirect(back_to_queue(back), 303)
