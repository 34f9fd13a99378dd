"""Admin pages for learner mode: each framework's rules, and a learner's framework and
assessors (a panel of the user edit page, posted here)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from helpdesk.admin import services
from helpdesk.admin.blueprint import bp
from helpdesk.admin.forms import EditUserForm, user_form_data
from helpdesk.admin.framework_forms import FrameworkRuleForm, LearnerProfileForm
from helpdesk.admin.pages import attach_error
from helpdesk.admin.services import AdminError, FrameworkRuleView
from helpdesk.domain import Role
from helpdesk.frameworks import METHODS
from helpdesk.htmx import render
from helpdesk.models import User
from helpdesk.permissions import can_manage_users, get_user_or_404, require

Result = tuple[str, int] | Response


def learner_panel(user: User | None, form: LearnerProfileForm | None = None) -> dict[str, Any]:
    """What the user edit page needs to show its learner-mode panel (nothing if no learner)."""
    if user is None or not user.has_role(Role.LEARNER):
        return {}
    profile = services.profile_of(user)
    if form is None:
        data = {"framework": "A", "assessor_ids": []}
        if profile is not None:
            data = {
                "framework": profile.framework,
                "assessor_ids": [str(a.id) for a in profile.assessors],
            }
        form = LearnerProfileForm(formdata=None, prefix="learner", data=data)
    form.offer(services.framework_choices(), services.assessor_choices(exclude=user))
    return {"learner_form": form, "learner_profile": profile}


@bp.route("/users/<int:user_id>/learner", methods=["POST"])
@require(can_manage_users)
def learner_profile(user_id: int) -> Result:
    """Set the framework a learner is assessed against and their assessors."""
    user = get_user_or_404(user_id)
    form = LearnerProfileForm(prefix="learner")
    form.offer(services.framework_choices(), services.assessor_choices(exclude=user))
    error = None
    # For someone without the learner role the service's refusal says what to do first.
    if form.validate() or not user.has_role(Role.LEARNER):
        try:
            services.set_learner_profile(
                user,
                framework=form.framework.data or "",
                assessor_ids=form.assessor_ids.data or [],
            )
        except AdminError as exc:
            # Without the learner role there is no panel: the refusal goes at the top.
            error = attach_error(form, exc) if user.has_role(Role.LEARNER) else exc.message
        else:
            flash(f"Saved learner mode for {user.name}.", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id) + "#learner-mode")
    panel = learner_panel(user, form)
    page = render(
        "admin/user_form.html",
        form=EditUserForm(formdata=None, data=user_form_data(user)),
        user=user,
        error=None if panel else error,
        learner_error=error,
        **panel,
    )
    return page, 422


def _rule_form(rule: FrameworkRuleView) -> FrameworkRuleForm:
    return FrameworkRuleForm(
        formdata=None,
        prefix=rule.framework.code,
        data={
            "must_observe": sorted(rule.must_observe),
            "tickets_per_pc": rule.tickets_per_pc,
            "min_days": rule.min_days,
            "methods": [m for m in METHODS if m in rule.methods],
        },
    )


def _rules_page(posted: dict[str, FrameworkRuleForm], errors: dict[str, str]) -> str:
    rows = []
    for rule in services.framework_rules():
        code = rule.framework.code
        form = posted.get(code) or _rule_form(rule)
        form.offer({p.code: f"{p.code} {p.text}" for p in rule.framework.pcs})
        rows.append((rule, form, errors.get(code)))
    return render("admin/frameworks.html", rows=rows)


@bp.route("/frameworks")
@require(can_manage_users)
def frameworks() -> str:
    """List each framework's must-observe criteria and sufficiency numbers."""
    return _rules_page({}, {})


@bp.route("/frameworks/<code>", methods=["POST"])
@require(can_manage_users)
def framework_rule(code: str) -> Result:
    """Save a framework's rule as a new version, with the reason why."""
    if code not in services.framework_choices():
        abort(404)
    form = FrameworkRuleForm(prefix=code)
    error = None
    if form.validate():
        try:
            services.save_framework_rule(
                code,
                must_observe=form.must_observe.data or [],
                tickets_per_pc=form.tickets_per_pc.data,
                min_days=form.min_days.data,
                methods=form.methods.data or [],
                reason=form.reason.data or "",
                actor=current_user,
            )
        except AdminError as exc:
            error = attach_error(form, exc)
        else:
            flash(f"Saved the rules of framework {code}.", "success")
            return redirect(url_for("admin.frameworks") + f"#framework-{code}")
    return _rules_page({code: form}, {code: error} if error else {}), 422
