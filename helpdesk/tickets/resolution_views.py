"""Workspace actions that resolve a problem: questions, options, promises, closing."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.extensions import db
from helpdesk.htmx import render
from helpdesk.models import Option, Promise, Route, Ticket, User
from helpdesk.money import pounds_text
from helpdesk.permissions import get_ticket_or_404, is_staff, require
from helpdesk.tickets import options, promises, resolution
from helpdesk.tickets.blueprint import bp
from helpdesk.tickets.options import OptionData
from helpdesk.tickets.resolution_forms import (
    BreakPromiseForm,
    CloseUnresolvedForm,
    ColleagueForm,
    EscalateForm,
    ImplementForm,
    OfferForm,
    OptionForm,
    PromiseForm,
    QuestionForm,
    ResolveForm,
    RouteOfferForm,
)
from helpdesk.tickets.workflow import WorkflowError
from helpdesk.tickets.workspace import act, colleagues_of, render_panels

Result = tuple[str, int] | Response


def _option_of(ticket: Ticket, option_id: int) -> Option:
    option = db.session.get(Option, option_id)
    if option is None or option.ticket_id != ticket.id:
        abort(404)
    return option


def _user(raw: str | None) -> User | None:
    return db.session.get(User, int(raw)) if raw else None


def _option_data(form: OptionForm) -> OptionData:
    return OptionData(
        description=form.description.data or "",
        remedy_type=form.remedy_type.data or "",
        cost_minor=form.cost.minor or 0,
        duration=form.duration.data or "",
        within_policy=form.within_policy.data == "yes",
        pros_customer=form.pros_customer.data or "",
        cons_customer=form.cons_customer.data or "",
        pros_org=form.pros_org.data or "",
        cons_org=form.cons_org.data or "",
    )


@bp.route("/tickets/<int:ticket_id>/question", methods=["POST"])
@require(is_staff)
def ask(ticket_id: int) -> Result:
    """Ask the customer a clarifying question."""
    return act(
        ticket_id,
        "question",
        QuestionForm(),
        lambda t, f: resolution.ask_question(
            t,
            current_user,
            f.question.data,
            expected_version=f.version.data,
            idempotency_key=f.idempotency_key.data or None,
        ),
        # The reply box's default kind follows the latest public update: now this one.
        also=("reply",),
    )


@bp.route("/tickets/<int:ticket_id>/options", methods=["POST"])
@require(is_staff)
def add_option(ticket_id: int) -> Result:
    """Add an option to the ticket's board."""
    return act(
        ticket_id,
        "option",
        OptionForm(),
        lambda t, f: options.add_option(
            t, current_user, _option_data(f), idempotency_key=f.idempotency_key.data or None
        ),
    )


@bp.route("/tickets/<int:ticket_id>/options/<int:option_id>/edit", methods=["GET", "POST"])
@require(is_staff)
def edit_option(ticket_id: int, option_id: int) -> Result:
    """Edit an option that has not been offered yet."""
    ticket = get_ticket_or_404(ticket_id)
    option = _option_of(ticket, option_id)
    if request.method == "GET":
        form = OptionForm(
            formdata=None,
            obj=option,
            cost=pounds_text(option.cost_minor),
            within_policy="yes" if option.within_policy else "no",
        )
        return render("tickets/option_edit.html", form=form, ticket=ticket, option=option), 200
    form = OptionForm()
    if form.validate():
        try:
            options.edit_option(option, current_user, _option_data(form))
        except WorkflowError as exc:
            db.session.rollback()
            target = getattr(form, exc.field or "", None)
            (target.errors if target is not None else form.description.errors).append(exc.message)
        else:
            flash("Option saved.", "success")
            return redirect(url_for("tickets.workspace", ticket_id=ticket.id))
    return render("tickets/option_edit.html", form=form, ticket=ticket, option=option), 422


def _option_action(ticket_id: int, option_id: int, action: Any) -> Result:
    """A one-button action on one option (no fields beyond the CSRF token)."""

    def run(ticket: Ticket, _form: Any) -> None:
        action(_option_of(ticket, option_id))

    return act(ticket_id, "offer", OfferForm(), run, validate=False, panel="options")


@bp.route("/tickets/<int:ticket_id>/options/<int:option_id>/recommend", methods=["POST"])
@require(is_staff)
def recommend_option(ticket_id: int, option_id: int) -> Result:
    """Mark an option as the best one."""
    return _option_action(ticket_id, option_id, lambda o: options.recommend(o, current_user))


@bp.route("/tickets/<int:ticket_id>/options/<int:option_id>/approval", methods=["POST"])
@require(is_staff)
def request_approval(ticket_id: int, option_id: int) -> Result:
    """Ask for approval of an option beyond one's authority."""
    return _option_action(ticket_id, option_id, lambda o: options.request_approval(o, current_user))


@bp.route("/tickets/<int:ticket_id>/options/<int:option_id>/confirmation", methods=["POST"])
@require(is_staff)
def ask_colleague(ticket_id: int, option_id: int) -> Result:
    """Ask a colleague to confirm an option."""
    form = ColleagueForm()
    form.colleague_id.choices = colleagues_of(current_user.id)
    if not form.validate():
        return render_panels(
            get_ticket_or_404(ticket_id),
            "options",
            status=422,
            conflict=form.colleague_id.errors[0]
            if form.colleague_id.errors
            else "Choose a colleague.",
        )

    def run(option: Option) -> None:
        colleague = _user(form.colleague_id.data)
        if colleague is None:
            raise WorkflowError("Choose a colleague.")
        options.request_confirmation(option, current_user, colleague)

    return _option_action(ticket_id, option_id, run)


@bp.route("/tickets/<int:ticket_id>/offer", methods=["POST"])
@require(is_staff)
def offer(ticket_id: int) -> Result:
    """Offer the chosen options to the customer."""

    def run(ticket: Ticket, form: OfferForm) -> None:
        chosen = [_option_of(ticket, int(i)) for i in form.option_ids.data or [] if i.isdigit()]
        options.offer(ticket, current_user, chosen)

    return act(ticket_id, "offer", OfferForm(), run)


@bp.route("/tickets/<int:ticket_id>/options/<int:option_id>/implement", methods=["POST"])
@require(is_staff)
def implement(ticket_id: int, option_id: int) -> Result:
    """Carry out the agreed option."""
    return act(
        ticket_id,
        "implement",
        ImplementForm(),
        lambda t, f: options.implement(
            _option_of(t, option_id), current_user, f.note.data, expected_version=f.version.data
        ),
    )


@bp.route("/tickets/<int:ticket_id>/promises", methods=["POST"])
@require(is_staff)
def make_promise(ticket_id: int) -> Result:
    """Record a promise to the customer."""

    def run(ticket: Ticket, form: PromiseForm) -> None:
        owner = _user(form.owner_id.data)
        if owner is None:
            raise WorkflowError("Choose the owner.", "owner_id")
        promises.make_promise(
            ticket,
            current_user,
            description=form.description.data or "",
            owner=owner,
            due_at=form.due_at_utc(),
            idempotency_key=form.idempotency_key.data or None,
        )

    return act(ticket_id, "promise", PromiseForm(), run)


def _promise_of(ticket: Ticket, promise_id: int) -> Promise:
    promise = db.session.get(Promise, promise_id)
    if promise is None or promise.ticket_id != ticket.id:
        abort(404)
    return promise


@bp.route("/tickets/<int:ticket_id>/promises/<int:promise_id>/kept", methods=["POST"])
@require(is_staff)
def keep_promise(ticket_id: int, promise_id: int) -> Result:
    """Mark a promise kept."""
    return act(
        ticket_id,
        "offer",
        OfferForm(),
        lambda t, _f: promises.keep_promise(_promise_of(t, promise_id), current_user),
        validate=False,
        panel="promises",
    )


@bp.route("/tickets/<int:ticket_id>/promises/<int:promise_id>/broken", methods=["POST"])
@require(is_staff)
def break_promise(ticket_id: int, promise_id: int) -> Result:
    """Mark a promise broken, with the reason told to the customer."""
    return act(
        ticket_id,
        "break",
        BreakPromiseForm(),
        lambda t, f: promises.break_promise(
            _promise_of(t, promise_id), current_user, f.reason.data
        ),
        panel="promises",
    )


@bp.route("/tickets/<int:ticket_id>/route", methods=["POST"])
@require(is_staff)
def offer_route(ticket_id: int) -> Result:
    """Point the customer to another route."""

    def run(ticket: Ticket, form: RouteOfferForm) -> None:
        route = db.session.get(Route, int(form.route_id.data)) if form.route_id.data else None
        if route is None:
            raise WorkflowError("Choose a route.", "route_id")
        resolution.offer_route(ticket, current_user, route, form.note.data or "")

    return act(ticket_id, "route", RouteOfferForm(), run)


@bp.route("/tickets/<int:ticket_id>/escalate", methods=["POST"])
@require(is_staff)
def escalate(ticket_id: int) -> Result:
    """Escalate to a specialist person or team."""
    return act(
        ticket_id,
        "escalate",
        EscalateForm(),
        lambda t, f: resolution.escalate(
            t,
            current_user,
            reason=f.reason.data,
            to_user=_user(f.to_user_id.data),
            to_team=f.to_team.data or "",
        ),
    )


@bp.route("/tickets/<int:ticket_id>/resolve", methods=["POST"])
@require(is_staff)
def resolve(ticket_id: int) -> Result:
    """Say what fixed it and ask the customer to confirm."""
    return act(
        ticket_id,
        "resolve",
        ResolveForm(),
        lambda t, f: resolution.resolve(
            t, current_user, f.summary.data, expected_version=f.version.data
        ),
    )


@bp.route("/tickets/<int:ticket_id>/close-unresolved", methods=["POST"])
@require(is_staff)
def close_unresolved(ticket_id: int) -> Result:
    """Close without a fix, with clear reasons sent to the customer."""

    def run(ticket: Ticket, form: CloseUnresolvedForm) -> None:
        ids = [int(i) for i in form.route_ids.data or [] if i.isdigit()]
        routes = list(db.session.scalars(select(Route).where(Route.id.in_(ids)))) if ids else []
        resolution.close_unresolved(
            ticket,
            current_user,
            reason=form.reason.data or "",
            tried=form.tried.data or "",
            why=form.why.data or "",
            next_steps=form.next_steps.data or "",
            routes=routes,
            expected_version=form.version.data,
        )

    return act(ticket_id, "close", CloseUnresolvedForm(), run)
