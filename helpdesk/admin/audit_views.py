"""Admin pages for the audit log and for erasing a customer's personal data."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms.validators import DataRequired

from helpdesk import data_rights
from helpdesk.admin.blueprint import bp
from helpdesk.admin.pages import after_id
from helpdesk.audit import ACTIONS, list_entries
from helpdesk.htmx import render
from helpdesk.permissions import can_manage_users, get_user_or_404, require


class EraseUserForm(FlaskForm):
    confirm = BooleanField(
        "Yes, erase this customer's personal data for good",
        validators=[DataRequired("Tick the box to confirm.")],
    )


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


@bp.route("/audit")
@require(can_manage_users)
def audit_log() -> str:
    """List audit entries newest first, filtered by action, actor and dates."""
    action = request.args.get("action", "")
    actor = request.args.get("actor", "")[:254]
    since, until = _day(request.args.get("since")), _day(request.args.get("until"))
    page = list_entries(
        action=action,
        actor_email=actor,
        since=since,
        until=until,
        before=after_id(request.args.get("before")),
    )
    filters = {"action": action, "actor": actor, "since": since, "until": until}
    return render("admin/audit.html", "entries", page=page, filters=filters, actions=ACTIONS)


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
@require(can_manage_users)
def erase_user(user_id: int) -> str | Response | tuple[str, int]:
    """Confirm, then erase a customer's personal data (audited)."""
    user = get_user_or_404(user_id)
    form = EraseUserForm()
    error = None
    if form.validate_on_submit():
        try:
            data_rights.erase(user, current_user._get_current_object())
        except data_rights.DataRightsError as exc:
            error = str(exc)
        else:
            flash(f"The customer's personal data was erased: they are now {user.name}.", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render("admin/erase_user.html", form=form, user=user, error=error), status
