from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.attachments.storage import UploadError, check_uploads
from helpdesk.extensions import db
from helpdesk.forms import category_choices, new_idempotency_key
from helpdesk.htmx import render
from helpdesk.models import Ticket
from helpdesk.permissions import get_ticket_or_404, is_customer, require, signed_in
from helpdesk.portal import bp
from helpdesk.portal.forms import CustomerReplyForm, RaiseProblemForm
from helpdesk.selfservice.matching import suggest_routes
from helpdesk.tickets.services import NewTicket, create_ticket, customer_reply, visible_events
from helpdesk.tickets.workflow import WorkflowError

PAGE_SIZE = 20


def _raise_page(form: RaiseProblemForm, routes: list, status: int = 200) -> tuple[str, int]:
    query = f"{form.subject.data or ''} {form.description.data or ''}"
    return render("portal/raise.html", form=form, routes=routes, query=query), status


@bp.route("/raise", methods=["GET", "POST"])
@require(is_customer)
def raise_problem() -> tuple[str, int] | Response:
    """Raise a problem, after seeing the routes that might solve it at once."""
    form = RaiseProblemForm()
    form.category_id.choices = category_choices(blank="Choose a topic")
    if request.method == "GET":
        form.idempotency_key.data = new_idempotency_key()
        return _raise_page(form, [])
    if not form.idempotency_key.data:
        form.idempotency_key.data = new_idempotency_key()
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
        getattr(form, exc.field or "description").errors.append(exc.message)
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


def _ticket_page(ticket: Ticket, form: CustomerReplyForm, status: int = 200) -> tuple[str, int]:
    form.idempotency_key.data = new_idempotency_key()
    return (
        render(
            "portal/ticket.html",
            "conversation",
            ticket=ticket,
            events=visible_events(ticket, staff=False),
            form=form,
            routes=suggest_routes(f"{ticket.subject} {ticket.description}"),
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
        form.body.errors.append(exc.message)
        return _ticket_page(found, form, 422)
    if request.headers.get("HX-Request"):
        # formdata=None: an empty box, not the message just sent (Flask-WTF binds request.form).
        return _ticket_page(found, CustomerReplyForm(formdata=None))
    flash("Your message has been added.", "success")
    return redirect(url_for("portal.ticket", ticket_id=found.id))
