"""The ticket workspace: its panels, each panel's data and forms, and how actions answer.

Views post a single form; ``act()`` validates it, calls the service, and answers an htmx
post with the panel that posted (and, out of band, the panels the action changed), a
plain post with a redirect (no JavaScript). A refusal redraws the panel keeping what was
typed (422); a stale write redraws the whole workspace with the fresh state (409).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from htmx_flask import make_response
from jinja2_fragments.flask import render_blocks
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from helpdesk.actions import Answer, fragment_or_redirect, run_action
from helpdesk.evidence.badges import event_badges
from helpdesk.extensions import db
from helpdesk.forms import category_choices, new_idempotency_key
from helpdesk.htmx import render, wants_fragment
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


# The forms each panel draws, and the panel that holds each form. A form not listed
# (BreakPromiseForm, the one-button option forms) posts from a panel named by its view.
PANEL_FORMS: dict[str, tuple[str, ...]] = {
    "acknowledge": ("ack",),
    "reply": ("reply",),
    "question": ("question",),
    "options": ("offer", "implement", "option"),
    "promises": ("promise",),
    "closing": ("resolve", "route", "escalate", "close"),
    "note": ("note",),
    "proactive": ("step", "inform"),
    "assign": ("assign",),
    "classify": ("classify",),
}
FORM_PANEL = {form: panel for panel, forms in PANEL_FORMS.items() for form in forms}

# The ticket's facts each panel shows (its columns, and ``is_open``): when an action
# changes one, the answer redraws that panel too, out of band. So the status header
# follows an offer that moved the status, and a closed ticket loses its reply box,
# without each view having to list them.
_OPEN = frozenset({"is_open", "customer_id"})  # open, and someone to write to
SHOWS: dict[str, frozenset[str]] = {
    "header": frozenset({"subject", "status", "origin", "is_simulated", "reopened_at"})
    | {"escalated_to", "training_kind"},
    "proactive": _OPEN | {"origin"},
    "acknowledge": _OPEN | {"acknowledged_at"},
    "reply": _OPEN,
    "question": _OPEN,
    "options": _OPEN | {"acknowledged_at"},
    "promises": _OPEN,
    "closing": _OPEN | {"status"},  # resolving is offered in some statuses only
    "facts": frozenset({"customer_id", "channel", "origin", "cause", "order_ref"})
    | {"assignee_id", "escalated_to"},
    "clocks": frozenset({"first_response_due_at", "first_response_at", "next_update_due_at"})
    | {"resolution_due_at", "resolved_at", "closed_at"},
    "assign": frozenset({"assignee_id"}),
    "classify": frozenset({"priority", "category_id", "channel", "origin", "cause"}),
}
# Every panel, in page order (the order out-of-band panels are sent in).
PANELS: tuple[str, ...] = (
    *("header", "timeline", "proactive", "acknowledge", "reply", "question", "options"),
    *("promises", "closing", "note", "facts", "clocks", "assign", "classify"),
)

# What a panel's template reads beyond the ticket and its forms, worked out only for the
# panels drawn (a full page draws them all, and the two lists no action changes).
NEEDS: dict[str, tuple[str, ...]] = {
    "timeline": ("events", "event_badges"),
    "question": ("open_question",),
    "options": ("options", "colleagues"),
    "promises": ("promises",),
    "clocks": ("clocks",),
}
WHOLE_PAGE = ("other_tickets", "routes")

DATA: dict[str, Callable[[Ticket], Any]] = {
    "events": lambda t: services.visible_events(t, staff=True),
    "event_badges": lambda t: event_badges(current_user, t),
    "open_question": services.open_question,
    "options": options_for,
    "colleagues": lambda _t: colleagues_of(current_user.id),
    "promises": promises_for,
    "clocks": sla.clocks,
    "other_tickets": services.customer_other_tickets,
    "routes": lambda t: suggest_routes(f"{t.subject} {t.description}"),
}


def build_forms(
    ticket: Ticket,
    posted: dict[str, FlaskForm] | None = None,
    names: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The forms named (all of them for a whole page), fresh except the one just posted."""
    posted = posted or {}
    forms: dict[str, Any] = {}
    for name in SPECS if names is None else names:
        spec = SPECS[name]
        form = posted.get(name) or spec.cls(formdata=None, **spec.initial(ticket))
        _set_choices(name, form, ticket)
        if hasattr(form, "idempotency_key") and name not in posted:
            form.idempotency_key.data = new_idempotency_key()
        if hasattr(form, "version"):
            form.version.data = ticket.version
            # The class the version_oob block finds it by, after any action on the page.
            form.version.render_kw = {"class": "ticket-version"}
        forms[name] = form
    return forms


def context(
    ticket: Ticket,
    posted: dict[str, FlaskForm] | None = None,
    panels: Iterable[str] | None = None,
) -> dict[str, Any]:
    """What the named panels draw (every panel and the page around them when None)."""
    drawn = PANELS if panels is None else tuple(panels)
    needs = {need for p in drawn for need in NEEDS.get(p, ())}
    if panels is None:
        needs.update(WHOLE_PAGE)
    ctx: dict[str, Any] = {name: DATA[name](ticket) for name in needs}
    if "options" in ctx:
        ctx["live_options"] = [o for o in ctx["options"] if not o.is_set_aside]
    form_names = [f for p in drawn for f in PANEL_FORMS.get(p, ())]
    return ctx | {
        "ticket": ticket,
        "forms": build_forms(ticket, posted, form_names),
        "authority": authority,
        "pounds_text": pounds_text,
    }


def render_workspace(
    ticket: Ticket,
    posted: dict[str, FlaskForm] | None = None,
    status: int = 200,
    conflict: str | None = None,
    conflict_panel: str | None = None,
) -> tuple[str, int]:
    """The whole page, or the whole workspace for an htmx swap (a GET, a stale write)."""
    return (
        render(
            "tickets/workspace.html",
            "workspace",
            conflict=conflict,
            conflict_panel=conflict_panel,
            **context(ticket, posted),
        ),
        status,
    )


def render_panels(
    ticket: Ticket,
    target: str,
    oob: Iterable[str] = (),
    posted: dict[str, FlaskForm] | None = None,
    status: int = 200,
    conflict: str | None = None,
    *,
    wrote: bool = False,
) -> tuple[str, int]:
    """One panel swapped where it stands, the panels in ``oob`` out of band, and the
    version every other form on the page must now post; without htmx, the whole page."""
    if not wants_fragment():
        return render_workspace(ticket, posted, status, conflict, target)
    also = [p for p in PANELS if p in set(oob) and p != target]
    # After a write the version moved; a refusal wrote nothing, so it needs no update.
    blocks = [f"panel_{p}" for p in (target, *also)] + (["version_oob"] if wrote else [])
    body = render_blocks(
        "tickets/workspace.html",
        blocks,
        oob=also,
        conflict=conflict,
        conflict_panel=target,
        **context(ticket, posted, (target, *also)),
    )
    return body, status


def _facts(ticket: Ticket) -> dict[str, Any]:
    """The ticket's columns and openness, to see after an action which of them it changed."""
    columns = {c.key: getattr(ticket, c.key) for c in sa_inspect(Ticket).column_attrs}
    return columns | {"is_open": ticket.is_open}


def changed_panels(before: dict[str, Any], ticket: Ticket) -> set[str]:
    """The panels showing a column the action changed; the timeline always (every
    action writes to it)."""
    after = _facts(ticket)
    moved = {key for key, value in before.items() if after[key] != value}
    return {"timeline"} | {p for p, cols in SHOWS.items() if cols & moved}


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
    panel: str | None = None,
    also: Iterable[str] = (),
) -> Answer:
    """Run one workspace action: validate, call the service, answer panel(s) or page.

    ``panel`` is the panel whose form posted (by default the one holding form ``name``);
    the answer swaps it, plus ``also`` (what the action changes beyond the ticket's own
    columns) and every panel showing a column it changed, out of band. ``validate=False``
    is for one-button actions whose only field is the CSRF token (CSRFProtect has
    checked it already).
    """
    ticket = get_ticket_or_404(ticket_id)
    _set_choices(name, form, ticket)
    target = panel or FORM_PANEL[name]
    # A form the panel does not build (a one-button or per-row form) shows its refusal
    # as a message at the top of the panel instead of next to a field.
    inline = name in PANEL_FORMS.get(target, ())
    before = _facts(ticket)

    def redraw(status: int, conflict: str | None) -> tuple[str, int]:
        if not inline:
            return render_panels(
                ticket, target, status=status, conflict=conflict or _first_error(form)
            )
        # A one-button form refused by the rules has nothing typed worth keeping.
        keep = conflict is None or validate
        return render_panels(
            ticket, target, posted={name: form} if keep else None, status=status, conflict=conflict
        )

    def stale(exc: StaleTicketError) -> Answer:
        # Someone else changed the ticket, anywhere: redraw the whole workspace fresh.
        fresh = get_ticket_or_404(ticket_id)
        db.session.refresh(fresh)
        body, status = render_workspace(
            fresh, {name: form} if inline else None, 409, conflict=exc.message
        )
        if not wants_fragment():
            return body, status
        return make_response(body, status, retarget="#workspace", reswap="outerHTML")

    def done() -> Answer:
        return render_panels(ticket, target, changed_panels(before, ticket) | set(also), wrote=True)

    return run_action(
        form,
        lambda: action(ticket, form),
        redraw=redraw,
        done=lambda: fragment_or_redirect(done, url_for("tickets.workspace", ticket_id=ticket.id)),
        validate=validate,
        attach=inline,
        on_stale=stale,
    )
