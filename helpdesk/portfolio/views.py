"""Portfolio pages: overview, evidence log, redacted tickets and reflective accounts.

Every page (and every htmx partial of one) loads the portfolio through
``_profile_or_abort``: 404 when the person is not in learner mode, 403 for anyone but
the learner, their assessors and admins.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from helpdesk.evidence.capture import learner_profile
from helpdesk.evidence.log import LogFilters, log_page
from helpdesk.evidence.portfolio import STATUSES, build
from helpdesk.evidence.redacted_ticket import redacted_ticket
from helpdesk.evidence.redaction import evidence_ticket_ids, portfolio_context
from helpdesk.evidence.reflections import (
    ReflectionData,
    ReflectionError,
    add_reflection,
    evidence_tickets,
    reflections_for,
)
from helpdesk.extensions import db
from helpdesk.forms import attach_refusal, ensure_key
from helpdesk.frameworks import METHODS, Framework, catalogue
from helpdesk.htmx import render, wants_fragment
from helpdesk.models import LearnerProfile, Ticket, User
from helpdesk.permissions import (
    can_view_portfolio,
    can_write_reflection,
    require,
    signed_in,
)
from helpdesk.portfolio.blueprint import bp
from helpdesk.portfolio.forms import ReflectionForm

Result = tuple[str, int] | Response


def _profile_or_abort(learner_id: int) -> LearnerProfile:
    """The learner's profile, when the current user may see the portfolio.

    :raise NotFound: when that person is not in learner mode.
    :raise Forbidden: for anyone but the learner, their assessors and admins.
    """
    profile = learner_profile(db.session.get(User, learner_id))
    if profile is None:
        abort(404)
    if not can_view_portfolio(current_user, profile):
        abort(403)
    return profile


def _framework(profile: LearnerProfile) -> Framework:
    return catalogue().frameworks[profile.framework]


def _page(profile: LearnerProfile, tab: str) -> dict[str, Any]:
    context = portfolio_context(profile.user_id)
    return {
        "profile": profile,
        "learner": profile.user,
        "framework": _framework(profile),
        "redaction": context,
        "redact": context.redact,
        "label_for": context.label_for,
        "tab": tab,
        "is_own": current_user.id == profile.user_id,
    }


@bp.route("/<int:learner_id>")
@require(signed_in)
def overview(learner_id: int) -> str:
    """Show the coverage grid, sufficiency, scope, knowledge and what is still missing."""
    profile = _profile_or_abort(learner_id)
    return render_template(
        "portfolio/overview.html", portfolio=build(profile), **_page(profile, "overview")
    )


@bp.route("/<int:learner_id>/evidence")
@require(signed_in)
def evidence(learner_id: int) -> tuple[str, int]:
    """List the learner's evidence, filtered and paged; htmx swaps just the list."""
    profile = _profile_or_abort(learner_id)
    framework = _framework(profile)
    filters = LogFilters.from_args(request.args, [p.code for p in framework.pcs])
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    body = render(
        "portfolio/evidence.html",
        "evidence_list",
        page=log_page(learner_id, filters, zone),
        filters=filters,
        methods=METHODS,
        statuses=STATUSES,
        **_page(profile, "evidence"),
    )
    return body, 422 if filters.errors else 200


@bp.route("/<int:learner_id>/tickets/<int:ticket_id>")
@require(signed_in)
def ticket(learner_id: int, ticket_id: int) -> str:
    """Show one of the portfolio's tickets with every customer detail redacted."""
    profile = _profile_or_abort(learner_id)
    found = db.session.get(Ticket, ticket_id)
    if found is None or ticket_id not in evidence_ticket_ids(learner_id):
        abort(404)
    page = _page(profile, "evidence")
    view = redacted_ticket(found, learner_id, page["redaction"])
    return render_template("portfolio/ticket.html", ticket=view, **page)


def _reflection_data(form: ReflectionForm) -> ReflectionData:
    raw = form.ticket_id.data or ""
    return ReflectionData(
        title=form.title.data or "",
        situation=form.situation.data or "",
        task=form.task.data or "",
        action=form.action.data or "",
        result=form.result.data or "",
        ticket_id=int(raw) if raw.isdecimal() else None,
        codes=tuple(form.codes.data or ()),
    )


def _blank_reflection() -> ReflectionForm:
    return ensure_key(ReflectionForm(formdata=None))


@bp.route("/<int:learner_id>/reflections", methods=["GET", "POST"])
@require(signed_in)
def reflections(learner_id: int) -> Result:
    """List the reflective accounts; the learner adds a new one in STAR form."""
    profile = _profile_or_abort(learner_id)
    posted = request.method == "POST"
    if posted and not can_write_reflection(current_user, profile):
        abort(403)
    page = _page(profile, "reflections")
    form = ReflectionForm() if posted else _blank_reflection()
    form.offer(page["framework"], evidence_tickets(learner_id), page["redact"])
    status, saved = 200, False
    if posted:
        status = 422
        if form.validate():
            try:
                add_reflection(
                    current_user,
                    profile,
                    page["framework"],
                    _reflection_data(form),
                    idempotency_key=form.idempotency_key.data or None,
                )
            except ReflectionError as exc:
                attach_refusal(form, exc, "title")
            else:
                if not wants_fragment():
                    flash("Your reflective account is saved.", "success")
                    return redirect(url_for("portfolio.reflections", learner_id=learner_id))
                status, saved = 200, True
                form = _blank_reflection()  # a fresh key: the next account is a new one
                form.offer(page["framework"], evidence_tickets(learner_id), page["redact"])
    body = render(
        "portfolio/reflections.html",
        "reflections_panel",
        form=form,
        accounts=reflections_for(learner_id),
        saved=saved,
        **page,
    )
    return body, status
