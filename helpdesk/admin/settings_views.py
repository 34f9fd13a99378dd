"""Admin settings: the numbers the rules read, and which roles must use two-factor."""

from __future__ import annotations

from typing import Any, cast

from flask import flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import IntegerField, SelectMultipleField
from wtforms.validators import InputRequired, NumberRange

from helpdesk.admin.blueprint import bp
from helpdesk.admin.forms import ROLE_LABELS, select_choices
from helpdesk.auth import two_factor
from helpdesk.domain import WORKFORCE_ROLES
from helpdesk.htmx import render
from helpdesk.models import User
from helpdesk.permissions import is_admin, require
from helpdesk.settings import KNOBS, get_int, set_int


class SettingsForm(FlaskForm):
    """One whole-number field per knob, named by its key, within its min and max."""


for _knob in KNOBS.values():
    setattr(
        SettingsForm,
        _knob.key,
        IntegerField(
            _knob.label,
            validators=[
                InputRequired("Give a whole number."),
                NumberRange(
                    _knob.minimum,
                    _knob.maximum,
                    f"Between {_knob.minimum:,} and {_knob.maximum:,}.",
                ),
            ],
            description=f"{_knob.hint} From {_knob.minimum:,} to {_knob.maximum:,}.",
            render_kw={"min": _knob.minimum, "max": _knob.maximum, "inputmode": "numeric"},
        ),
    )


class TwoFactorPolicyForm(FlaskForm):
    roles = SelectMultipleField(
        "Require two-factor sign-in for",
        choices=select_choices({k: v for k, v in ROLE_LABELS.items() if k in WORKFORCE_ROLES}),
        invalid_choice_message="Not a staff role: %(value)s.",
    )


def _policy_form() -> TwoFactorPolicyForm:
    return TwoFactorPolicyForm(formdata=None, data={"roles": sorted(two_factor.required_roles())})


def _page(
    form: Any, status: int = 200, policy: TwoFactorPolicyForm | None = None
) -> tuple[str, int]:
    policy = policy or _policy_form()
    return render("admin/settings.html", form=form, knobs=KNOBS, policy=policy), status


def _knobs_form() -> SettingsForm:
    return SettingsForm(formdata=None, data={k: get_int(k) for k in KNOBS})


@bp.route("/settings", methods=["GET", "POST"])
@require(is_admin)
def settings() -> tuple[str, int] | Response:
    """Show and save the admin-set numbers; out-of-range values are refused by the field."""
    if request.method == "GET":
        return _page(_knobs_form())
    form = SettingsForm()
    if not form.validate():
        return _page(form, 422)
    actor = cast(User, current_user._get_current_object())
    for key in KNOBS:
        set_int(key, int(getattr(form, key).data), actor)
    flash("Settings saved.", "success")
    return redirect(url_for("admin.settings"))


@bp.route("/settings/two-factor", methods=["POST"])
@require(is_admin)
def two_factor_policy() -> tuple[str, int] | Response:
    """Choose the roles that must sign in with a code; they set it up at their next visit."""
    policy = TwoFactorPolicyForm()
    if not policy.validate():
        return _page(_knobs_form(), 422, policy=policy)
    actor = cast(User, current_user._get_current_object())
    two_factor.set_required_roles(set(policy.roles.data or []), actor)
    flash("Two-factor requirement saved.", "success")
    return redirect(url_for("admin.settings"))
