"""Admin page for the numbers the rules read: repeat thresholds and monitoring period."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from helpdesk.admin import bp
from helpdesk.htmx import render
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


def _page(form: Any, status: int = 200) -> tuple[str, int]:
    return render("admin/settings.html", form=form, knobs=KNOBS), status


@bp.route("/settings", methods=["GET", "POST"])
@require(is_admin)
def settings() -> tuple[str, int] | Response:
    """Show and save the admin-set numbers; out-of-range values are refused by the field."""
    if request.method == "GET":
        return _page(SettingsForm(formdata=None, data={k: get_int(k) for k in KNOBS}))
    form = SettingsForm()
    if not form.validate():
        return _page(form, 422)
    for key in KNOBS:
        set_int(key, int(getattr(form, key).data))
    flash("Settings saved.", "success")
    return redirect(url_for("admin.settings"))
