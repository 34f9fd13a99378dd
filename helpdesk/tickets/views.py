from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.auth.services import find_or_create_customer
from helpdesk.domain import Origin
from helpdesk.extensions import db
from helpdesk.forms import attach_refusal, category_choices, ensure_key
from helpdesk.htmx import render
from helpdesk.models import Category, Ticket, User
from helpdesk.models.types import utcnow
from helpdesk.permissions import get_ticket_or_404, is_staff, require
from helpdesk.problems.linking import problem_ids_for
from helpdesk.tickets import proactive, services
from helpdesk.tickets.blueprint import bp
from helpdesk.tickets.forms import (
    AcknowledgeForm,
    AssignForm,
    ClassifyForm,
    LogTicketForm,
    NoteForm,
    ProactiveForm,
    ReplyForm,
)
from helpdesk.tickets.queue import (
    ASSIGNED_FILTERS,
    REPEAT_FILTERS,
    SLA_FILTERS,
    SORTS,
    STATUS_FILTERS,
    QueueFilters,
    needs_you,
    queue_page,
)
from helpdesk.tickets.workflow import WorkflowError
from helpdesk.tickets.workspace import act, render_workspace


@bp.route("/tickets")
@require(is_staff)
def queue() -> str:
    """Show the staff queue with filters, sort and keyset paging."""
    filters = QueueFilters.from_args(request.args)
    page = queue_page(
        filters, viewer_id=current_user.id, page_size=current_app.config["QUEUE_PAGE_SIZE"]
    )
    categories = list(db.session.scalars(select(Category).order_by(Category.name)))
    return render(
        "tickets/queue.html",
        "ticket_list",
        page=page,
        needs=needs_you(current_user.id),
        sla_filters=SLA_FILTERS,
        now=utcnow(),
        filters=filters,
        categories=categories,
        sorts=SORTS,
        status_filters=STATUS_FILTERS,
        assigned_filters=ASSIGNED_FILTERS,
        repeat_filters=REPEAT_FILTERS,
        linked=problem_ids_for([t.id for t in page.tickets]),
    )


@bp.route("/tickets/<int:ticket_id>")
@require(is_staff)
def workspace(ticket_id: int) -> tuple[str, int]:
    """Show the ticket workspace: timeline, customer, and every action."""
    return render_workspace(get_ticket_or_404(ticket_id))


@bp.route("/tickets/<int:ticket_id>/acknowledge", methods=["POST"])
@require(is_staff)
def acknowledge(ticket_id: int) -> tuple[str, int] | Response:
    """Acknowledge the problem by restating need, impact and feeling."""
    return act(
        ticket_id,
        "ack",
        AcknowledgeForm(),
        lambda t, f: services.acknowledge(
            t,
            current_user,
            need=f.need.data,
            impact=f.impact.data,
            feeling=f.feeling.data,
            expected_version=f.version.data,
        ),
        # The reply box's default kind follows the latest public update: now this one.
        also=("reply",),
    )


@bp.route("/tickets/<int:ticket_id>/reply", methods=["POST"])
@require(is_staff)
def reply(ticket_id: int) -> tuple[str, int] | Response:
    """Send a public reply to the customer."""
    return act(
        ticket_id,
        "reply",
        ReplyForm(),
        lambda t, f: services.reply(
            t,
            current_user,
            f.body.data,
            expected_version=f.version.data,
            idempotency_key=f.idempotency_key.data or None,
            update_kind=f.update_kind.data or services.default_update_kind(t),
        ),
    )


@bp.route("/tickets/<int:ticket_id>/note", methods=["POST"])
@require(is_staff)
def note(ticket_id: int) -> tuple[str, int] | Response:
    """Add an internal note."""
    return act(
        ticket_id,
        "note",
        NoteForm(),
        lambda t, f: services.add_note(
            t, current_user, f.body.data, idempotency_key=f.idempotency_key.data or None
        ),
    )


@bp.route("/tickets/<int:ticket_id>/assign", methods=["POST"])
@require(is_staff)
def assign(ticket_id: int) -> tuple[str, int] | Response:
    """Assign the ticket to a staff member or unassign it."""

    def action(ticket: Ticket, form: AssignForm) -> None:
        raw = form.assignee_id.data
        assignee = db.session.get(User, int(raw)) if raw else None
        services.assign(ticket, current_user, assignee, expected_version=form.version.data)

    return act(ticket_id, "assign", AssignForm(), action)


@bp.route("/tickets/<int:ticket_id>/take", methods=["POST"])
@require(is_staff)
def take(ticket_id: int) -> tuple[str, int] | Response:
    """Assign the ticket to oneself."""
    form = AssignForm()

    def action(ticket: Ticket, form: AssignForm) -> None:
        services.assign(ticket, current_user, current_user, expected_version=form.version.data)

    return act(ticket_id, "assign", form, action, panel="facts")


@bp.route("/tickets/<int:ticket_id>/classify", methods=["POST"])
@require(is_staff)
def classify(ticket_id: int) -> tuple[str, int] | Response:
    """Set priority, category, channel, origin and cause."""

    def action(ticket: Ticket, form: ClassifyForm) -> None:
        services.classify(
            ticket,
            current_user,
            priority=int(form.priority.data),
            category_id=int(form.category_id.data) if form.category_id.data else None,
            channel=form.channel.data,
            origin=form.origin.data,
            cause=form.cause.data or None,
            expected_version=form.version.data,
        )

    return act(ticket_id, "classify", ClassifyForm(), action)


def _new_ticket_page(template: str, form: FlaskForm, status: int = 200) -> tuple[str, int]:
    return render(template, form=ensure_key(form)), status


@bp.route("/tickets/new", methods=["GET", "POST"])
@require(is_staff)
def log_ticket() -> tuple[str, int] | Response:
    """Log a ticket for a customer who phoned, wrote or came in."""
    form = LogTicketForm()
    form.category_id.choices = category_choices(blank="Choose a category")
    if request.method == "GET" or not form.validate():
        return _new_ticket_page("tickets/log.html", form, 422 if request.method == "POST" else 200)
    try:
        customer = find_or_create_customer(
            form.customer_email.data or "", form.customer_name.data or ""
        )
        ticket, _ = services.create_ticket(
            services.NewTicket(
                subject=form.subject.data or "",
                description=form.description.data or "",
                category_id=int(form.category_id.data),
                order_ref=form.order_ref.data,
                channel=form.channel.data,
                origin=Origin.CUSTOMER,
                priority=int(form.priority.data),
            ),
            customer=customer,
            created_by=current_user,
            idempotency_key=form.idempotency_key.data or None,
        )
    except WorkflowError as exc:
        attach_refusal(form, exc, "description")
        return _new_ticket_page("tickets/log.html", form, 422)
    flash(
        f"Logged {ticket.reference} for {ticket.customer.name if ticket.customer else ''}.",
        "success",
    )
    return redirect(url_for("tickets.workspace", ticket_id=ticket.id))


@bp.route("/proactive/new", methods=["GET", "POST"])
@require(is_staff)
def report_proactive() -> tuple[str, int] | Response:
    """Report a system or procedure problem found before it affects customers."""
    form = ProactiveForm()
    form.category_id.choices = category_choices(blank="Choose a category")
    if request.method == "GET" or not form.validate():
        return _new_ticket_page(
            "tickets/proactive.html", form, 422 if request.method == "POST" else 200
        )
    try:
        ticket, _ = proactive.report(
            current_user,
            what=form.what.data or "",
            where=form.where.data or "",
            risk=form.risk.data or "",
            category_id=int(form.category_id.data),
            priority=int(form.priority.data),
            idempotency_key=form.idempotency_key.data or None,
        )
    except WorkflowError as exc:
        attach_refusal(form, exc, "what")
        return _new_ticket_page("tickets/proactive.html", form, 422)
    flash(f"Reported as {ticket.reference}.", "success")
    return redirect(url_for("tickets.workspace", ticket_id=ticket.id))


@bp.before_request
def _no_customers() -> None:
    # Defence in depth: every staff URL refuses customers even if a view forgot.
    if current_user.is_authenticated and not current_user.is_staff:
        abort(403)
