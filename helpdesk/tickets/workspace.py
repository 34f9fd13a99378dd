"""The ticket workspace: every panel's data and form, and the one way actions answer.

Views post a single form; ``act()`` validates it, calls the service, and answers with
the whole workspace (an htmx swap) or a redirect (no JavaScript), keeping what was
typed on a refusal (422) and showing the fresh state on a stale write (409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from helpdesk.actions import Answer, fragment_or_redirect, run_action
from helpdesk.evidence.badges import event_badges
from helpdesk.extensions import db
from helpdesk.forms import category_choices, new_idempotency_key
from helpdesk.htmx import render
from helpdesk.models import Route, Ticket
from helpdesk.money import pounds_text
from helpdesk.permissions import get_ticket_or_404
from helpdesk.refusals import StaleTicketError
from helpdesk.selfservice.matching import suggest_routes
from helpdesk.tickets import authority, services, sla
from helpdesk.tickets.forms import (
    AcknowledgeForm,
    AssignForm,
    ClassifyForm,
    NoteForm,
    ReplyForm,
)
from helpdesk.tickets.options import options_for
from helpdesk.tickets.proactive_forms import InformForm, ProactiveStepForm
from helpdesk.tickets.promises import promises_for
from helpdesk.tickets.resolution_forms import (
    CloseUnresolvedForm,
    EscalateForm,
    ImplementForm,
    OfferForm,
    OptionForm,
    PromiseForm,
    QuestionForm,
    ResolveForm,
    RouteOfferForm,
)


def staff_choices(blank: str | None = None) -> dict[str, str]:
    people = {str(u.id): u.name for u in services.assignable_staff()}
    return ({"": blank} if blank is not None else {}) | people


def route_choices(blank: str | None = None) -> dict[str, str]:
    routes = db.session.scalars(select(Route).where(Route.active.is_(True)).order_by(Route.title))
    found = {str(r.id): r.title for r in routes}
    return ({"": blank} if blank is not None else {}) | found


def colleagues_of(user_id: int) -> dict[str, str]:
    return {k: v for k, v in staff_choices().items() if k != str(user_id)}


def _set_choices(name: str, form: Any, ticket: Ticket) -> None:
    """Fill a form's choices from the database (needed before validating a post too)."""
    if name == "assign":
        form.assignee_id.choices = staff_choices(blank="Nobody (unassigned)")
    elif name == "classify":
        form.category_id.choices = category_choices(blank="No category")
    elif name == "promise":
        form.owner_id.choices = staff_choices()
    elif name == "route":
        form.route_id.choices = route_choices(blank="Choose a route")
    elif name == "escalate":
        form.to_user_id.choices = staff_choices(blank="Nobody: a team")
    elif name == "close":
        form.route_ids.choices = route_choices()
    elif name == "inform":
        form.people.choices = colleagues_of(current_user.id)
    elif name == "offer":
        form.option_ids.choices = {
            str(o.id): o.description for o in options_for(ticket) if o.is_draft
        }


@dataclass(frozen=True)
class Spec:
    cls: type[FlaskForm]
    initial: Callable[[Ticket], dict[str, Any]] = field(default=lambda _t: {})


SPECS: dict[str, Spec] = {
    "ack": Spec(AcknowledgeForm),
    "reply": Spec(ReplyForm, lambda t: {"update_kind": services.default_update_kind(t)}),
    "note": Spec(NoteForm),
    "assign": Spec(AssignForm, lambda t: {"assignee_id": str(t.assignee_id or "")}),
    "classify": Spec(
        ClassifyForm,
        lambda t: {
            "priority": str(t.priority),
            "category_id": str(t.category_id or ""),
            "channel": t.channel,
            "origin": t.origin,
            "cause": t.cause or "",
        },
    ),
    "question": Spec(QuestionForm),
    "option": Spec(OptionForm),
    "offer": Spec(OfferForm),
    "implement": Spec(ImplementForm),
    "promise": Spec(PromiseForm, lambda _t: {"owner_id": str(current_user.id)}),
    "route": Spec(RouteOfferForm),
    "escalate": Spec(EscalateForm),
    "resolve": Spec(ResolveForm),
    "close": Spec(CloseUnresolvedForm),
    "step": Spec(ProactiveStepForm),
    "inform": Spec(InformForm),
}


def build_forms(ticket: Ticket, posted: dict[str, FlaskForm] | None = None) -> dict[str, Any]:
    """Every form of the workspace, fresh except the one just posted (kept as typed)."""
    posted = posted or {}
    forms: dict[str, Any] = {}
    for name, spec in SPECS.items():
        form = posted.get(name) or spec.cls(formdata=None, **spec.initial(ticket))
        _set_choices(name, form, ticket)
        if hasattr(form, "idempotency_key") and name not in posted:
            form.idempotency_key.data = new_idempotency_key()
        if hasattr(form, "version"):
            form.version.data = ticket.version
        forms[name] = form
    return forms


def context(ticket: Ticket, posted: dict[str, FlaskForm] | None = None) -> dict[str, Any]:
    options = options_for(ticket)
    return {
        "ticket": ticket,
        "events": services.visible_events(ticket, staff=True),
        "forms": build_forms(ticket, posted),
        "other_tickets": services.customer_other_tickets(ticket),
        "routes": suggest_routes(f"{ticket.subject} {ticket.description}"),
        "options": options,
        "live_options": [o for o in options if not o.is_set_aside],
        "promises": promises_for(ticket),
        "clocks": sla.clocks(ticket),
        "open_question": services.open_question(ticket),
        "authority": authority,
        "colleagues": colleagues_of(current_user.id),
        "pounds_text": pounds_text,
        "event_badges": event_badges(current_user, ticket),
    }


def render_workspace(
    ticket: Ticket,
    posted: dict[str, FlaskForm] | None = None,
    status: int = 200,
    conflict: str | None = None,
) -> tuple[str, int]:
    return (
        render(
            "tickets/workspace.html",
            "workspace",
            conflict=conflict,
            **context(ticket, posted),
        ),
        status,
    )


def _first_error(form: FlaskForm) -> str:
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return "Check what you entered."


def act(
    ticket_id: int,
    name: str,
    form: FlaskForm,
    action: Callable[[Ticket, Any], object],
    *,
    validate: bool = True,
) -> Answer:
    """Run one workspace action: validate, call the service, answer page or fragment.

    ``validate=False`` is for one-button actions whose only field is the CSRF token
    (CSRFProtect has checked it already).
    """
    ticket = get_ticket_or_404(ticket_id)
    _set_choices(name, form, ticket)
    # A form without a panel of its own shows its refusal at the top of the workspace.
    inline = name in SPECS

    def redraw(status: int, conflict: str | None) -> tuple[str, int]:
        if not inline:
            return render_workspace(ticket, None, status, conflict or _first_error(form))
        # A one-button form refused by the rules has nothing typed worth keeping.
        keep = conflict is None or validate
        return render_workspace(ticket, {name: form} if keep else None, status, conflict)

    def stale(exc: StaleTicketError) -> tuple[str, int]:
        fresh = get_ticket_or_404(ticket_id)
        db.session.refresh(fresh)
        return render_workspace(fresh, {name: form} if inline else None, 409, conflict=exc.message)

    return run_action(
        form,
        lambda: action(ticket, form),
        redraw=redraw,
        done=lambda: fragment_or_redirect(
            lambda: render_workspace(ticket), url_for("tickets.workspace", ticket_id=ticket.id)
        ),
        validate=validate,
        attach=inline,
        on_stale=stale,
    )
