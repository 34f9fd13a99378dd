"""The emailed resolution check: answer it from a signed link, without signing in.

The token is the only key, so the page shows nothing of the ticket beyond its subject
and reference. Registered on the ``main`` blueprint: the portal's lives under /my.
"""

from __future__ import annotations

from flask import url_for

from helpdesk.evidence.testimony import (
    SPENT,
    FeedbackLinkError,
    learner_for,
    read_feedback_token,
)
from helpdesk.forms import attach_refusal
from helpdesk.htmx import render
from helpdesk.main import bp
from helpdesk.models import Ticket
from helpdesk.portal.forms import ConfirmResolutionForm
from helpdesk.tickets.resolution import customer_confirm
from helpdesk.tickets.workflow import WorkflowError


def _form_page(
    ticket: Ticket, form: ConfirmResolutionForm, status: int = 200, message: str = ""
) -> tuple[str, int]:
    return render("portal/feedback.html", ticket=ticket, confirm_form=form, message=message), status


def _refused(exc: FeedbackLinkError) -> tuple[str, int]:
    sign_in = url_for("auth.login", next=url_for("portal.my_tickets"))
    return render("portal/feedback_done.html", refused=exc.message, sign_in=sign_in), exc.status


def _not_taken(token: str, form: ConfirmResolutionForm, exc: WorkflowError) -> tuple[str, int]:
    """Say why an answer was not taken: next to its field, or the link is now spent."""
    try:
        ticket = read_feedback_token(token)  # answered meanwhile (another tab, a double click)
    except FeedbackLinkError as spent:
        return _refused(spent)
    if not attach_refusal(form, exc):
        return _form_page(ticket, form, 422, exc.message)
    return _form_page(ticket, form, 422)


@bp.route("/feedback/<token>", methods=["GET", "POST"])
def feedback(token: str) -> tuple[str, int]:
    """Answer "Is your problem solved?" from the emailed link."""
    try:
        ticket = read_feedback_token(token)
    except FeedbackLinkError as exc:
        return _refused(exc)
    form = ConfirmResolutionForm()
    form.ask_about(learner_for(ticket))
    if not form.is_submitted():
        return _form_page(ticket, form)
    if not form.validate():
        return _form_page(ticket, form, 422)
    customer = ticket.customer
    if customer is None:  # read_feedback_token refuses these; this tells the type checker
        return _refused(FeedbackLinkError(SPENT, 410))
    try:
        answer = customer_confirm(
            ticket,
            customer,
            solved=form.solved.data == "yes",
            rating=int(form.rating.data) if form.rating.data else None,
            comment=form.comment.data or "",
            **form.testimony(),
        )
    except WorkflowError as exc:
        return _not_taken(token, form, exc)
    return render("portal/feedback_done.html", answer=answer, ticket=ticket), 200
