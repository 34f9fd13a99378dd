from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.actions import Answer, Redraw, run_action
from helpdesk.attachments.storage import UploadError, check_uploads
from helpdesk.domain import Status
from helpdesk.evidence.testimony import learner_for
from helpdesk.extensions import db
from helpdesk.forms import attach_refusal, category_choices, ensure_key, new_idempotency_key
from helpdesk.htmx import render
from helpdesk.models import Option, Ticket
from helpdesk.permissions import get_ticket_or_404, is_customer, require, signed_in
from helpdesk.portal.blueprint import bp
from helpdesk.portal.forms import (
    ConfirmResolutionForm,
    CustomerReplyForm,
    DeclineOptionForm,
    RaiseProblemForm,
)
from helpdesk.selfservice.matching import suggest_routes
from helpdesk.tickets.options import customer_agree, customer_decline, options_for
from helpdesk.tickets.promises import promises_for
from helpdesk.tickets.resolution import customer_confirm
from helpdesk.tickets.services import (
    NewTicket,
    create_ticket,
    customer_reply,
    open_question,
    visible_events,
)
from helpdesk.tickets.workflow import WorkflowError

PAGE_SIZE = 20


def _raise_page(form: RaiseProblemForm, routes: list, status: int = 200) -> tuple[str, int]:
    query = f"{form.subject.data or ''} {form.description.data or ''}"
    return render("portal/raise.html", form=form, routes=routes, query=query), status


@bp.route("/raise", methods=["GET", "POST"])
@require(is_customer)
def raise_problem() -> tuple[str, int] | Response:
    """Raise a problem, after seeing the routes that might solve it at once."""
    form = ensure_key(RaiseProblemForm())
    form.category_id.choices = category_choices(blank="Choose a topic")
    if request.method == "GET":
        return _raise_page(form, [])
    if not form.validate():
        return _raise_page(form, [], 422)
    try:
        uploads = check_uploads(request.files.getlist(form.attachments.name))
    except UploadError as exc:
        form.attachments.errors = [exc.message]
        return _raise_page(form, [], 422)
    if not form.routes_seen.data:
        routes = suggest_routes(f"{form.subject.data} {form.description.data}")
        if routes:
            # Without JavaScript the suggestions come as a step before the ticket.
            form.routes_seen.data = "1"
            return _raise_page(form, routes)
    try:
        ticket, created = create_ticket(
            NewTicket(
                subject=form.subject.data or "",
                description=form.description.data or "",
                category_id=int(form.category_id.data),
                order_ref=form.order_ref.data,
            ),
            customer=current_user,
            created_by=current_user,
            idempotency_key=form.idempotency_key.data,
            uploads=uploads,
        )
    except WorkflowError as exc:
        attach_refusal(form, exc, "description")
        return _raise_page(form, [], 422)
    if created:
        flash(f"Thank you. Your problem is logged as {ticket.reference}.", "success")
    return redirect(url_for("portal.ticket", ticket_id=ticket.id))


@bp.route("/tickets")
@require(is_customer)
def my_tickets() -> str:
    """List the customer's own problems, newest first."""
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before < 2**63:
        before = None  # a forged cursor starts from the newest instead of overflowing
    stmt = select(Ticket).where(Ticket.customer_id == current_user.id)
    if before:
        stmt = stmt.where(Ticket.id < before)
    rows = list(db.session.scalars(stmt.order_by(Ticket.id.desc()).limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    tickets = rows[:PAGE_SIZE]
    return render(
        "portal/my_tickets.html",
        "ticket_list",
        tickets=tickets,
        next_before=tickets[-1].id if more else None,
        paged=bool(before),
    )


def _ticket_page(
    ticket: Ticket,
    form: CustomerReplyForm,
    status: int = 200,
    *,
    decline: tuple[int, DeclineOptionForm] | None = None,
    confirm: ConfirmResolutionForm | None = None,
    message: str | None = None,
) -> tuple[str, int]:
    form.idempotency_key.data = new_idempotency_key()
    offered = [o for o in options_for(ticket) if o.is_shown_to_customer]
    decline_forms = {
        o.id: (decline[1] if decline and decline[0] == o.id else DeclineOptionForm(formdata=None))
        for o in offered
    }
    confirm_form = confirm or ConfirmResolutionForm(formdata=None)
    if confirm is None and ticket.status == Status.RESOLVED:
        confirm_form.ask_about(learner_for(ticket))
    return (
        render(
            "portal/ticket.html",
            "conversation",
            ticket=ticket,
            events=visible_events(ticket, staff=False),
            form=form,
            routes=suggest_routes(f"{ticket.subject} {ticket.description}"),
            offered=offered,
            decline_forms=decline_forms,
            promises=promises_for(ticket),
            open_question=open_question(ticket),
            confirm_form=confirm_form,
            message=message,
        ),
        status,
    )


@bp.route("/tickets/<int:ticket_id>")
@require(signed_in)
def ticket(ticket_id: int) -> tuple[str, int]:
    """Show the customer's view of one ticket: status in plain words and the timeline."""
    found = get_ticket_or_404(ticket_id)
    return _ticket_page(found, CustomerReplyForm())


@bp.route("/tickets/<int:ticket_id>/reply", methods=["POST"])
@require(signed_in)
def reply(ticket_id: int) -> tuple[str, int] | Response:
    """Add the customer's message to their ticket."""
    found = get_ticket_or_404(ticket_id)
    if found.customer_id != current_user.id:
        abort(403)  # staff answer from the workspace, not as the customer
    form = CustomerReplyForm()
    if not form.validate():
        return _ticket_page(found, form, 422)
    try:
        customer_reply(
            found, current_user, form.body.data or "", idempotency_key=form.idempotency_key.data
        )
    except WorkflowError as exc:
        attach_refusal(form, exc, "body")
        return _ticket_page(found, form, 422)
    if request.headers.get("HX-Request"):
        # formdata=None: an empty box, not the message just sent (Flask-WTF binds request.form).
        return _ticket_page(found, CustomerReplyForm(formdata=None))
    flash("Your message has been added.", "success")
    return redirect(url_for("portal.ticket", ticket_id=found.id))


def _own_ticket(ticket_id: int) -> Ticket:
    found = get_ticket_or_404(ticket_id)
    if found.customer_id != current_user.id:
        abort(403)  # staff act from the workspace, never as the customer
    return found


def _offered_option(ticket: Ticket, option_id: int) -> Option:
    option = db.session.get(Option, option_id)
    if option is None or option.ticket_id != ticket.id:
        abort(404)
    return option


def _done(ticket: Ticket, flash_message: str) -> tuple[str, int] | Response:
    if request.headers.get("HX-Request"):
        return _ticket_page(ticket, CustomerReplyForm(formdata=None), message=flash_message)
    flash(flash_message, "success")
    return redirect(url_for("portal.ticket", ticket_id=ticket.id))


def _decided(
    form: FlaskForm | None,
    action: Callable[[], object],
    redraw: Redraw,
    done: Callable[[], Answer],
    *,
    attach: bool = True,
) -> Answer:
    """Run a customer's decision through the one action engine."""
    # A customer who lost a race is told like any refusal (422), not with a staff 409.
    return run_action(
        form,
        action,
        redraw=redraw,
        done=done,
        attach=attach,
        on_stale=lambda exc: redraw(422, exc.message),
    )


@bp.route("/tickets/<int:ticket_id>/options/<int:option_id>/agree", methods=["POST"])
@require(signed_in)
def agree(ticket_id: int, option_id: int) -> tuple[str, int] | Response:
    """Agree one of the options offered."""
    found = _own_ticket(ticket_id)
    option = _offered_option(found, option_id)
    return _decided(
        None,
        lambda: customer_agree(option, current_user),
        lambda status, message: _ticket_page(
            found, CustomerReplyForm(formdata=None), status, message=message
        ),
        lambda: _done(found, "Thank you: we will go ahead with the option you chose."),
    )


@bp.route("/tickets/<int:ticket_id>/options/<int:option_id>/decline", methods=["POST"])
@require(signed_in)
def decline(ticket_id: int, option_id: int) -> tuple[str, int] | Response:
    """Decline an offered option, saying why."""
    found = _own_ticket(ticket_id)
    option = _offered_option(found, option_id)
    form = DeclineOptionForm()
    reply_form = CustomerReplyForm(formdata=None)

    def redraw(status: int, message: str | None) -> tuple[str, int]:
        if message is None:  # what was typed did not validate: keep it
            return _ticket_page(found, reply_form, status, decline=(option.id, form))
        return _ticket_page(found, reply_form, status, message=message)

    return _decided(
        form,
        lambda: customer_decline(option, current_user, form.comment.data or ""),
        redraw,
        lambda: _done(found, "Thank you: we will look for a better way."),
        attach=False,
    )


@bp.route("/tickets/<int:ticket_id>/confirm", methods=["POST"])
@require(signed_in)
def confirm(ticket_id: int) -> tuple[str, int] | Response:
    """Answer the resolution check: solved or not, a rating and a comment."""
    found = _own_ticket(ticket_id)
    form = ConfirmResolutionForm()
    form.ask_about(learner_for(found))
    reply_form = CustomerReplyForm(formdata=None)

    def redraw(status: int, message: str | None) -> tuple[str, int]:
        if message is None:
            return _ticket_page(found, reply_form, status, confirm=form)
        return _ticket_page(found, reply_form, status, message=message)

    def done() -> Answer:
        if form.solved.data == "yes":
            return _done(found, "Thank you for confirming, and for your rating.")
        return _done(found, "Sorry it is not solved yet. We have reopened it and will be in touch.")

    return _decided(
        form,
        lambda: customer_confirm(
            found,
            current_user,
            solved=form.solved.data == "yes",
            rating=int(form.rating.data) if form.rating.data else None,
            comment=form.comment.data or "",
            **form.testimony(),
        ),
        redraw,
        done,
    )
