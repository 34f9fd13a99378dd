"""Admin page for the service targets (SLA) of each priority."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from helpdesk.admin.blueprint import bp
from helpdesk.domain import PRIORITY_LABELS
from helpdesk.extensions import db
from helpdesk.htmx import render
from helpdesk.models import SlaPolicy
from helpdesk.permissions import can_manage_catalogue, require
from helpdesk.tickets.sla import DEFAULT_MINUTES

NINETY_DAYS = 90 * 24 * 60


def _minutes(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired("Give a number of minutes."),
            NumberRange(1, NINETY_DAYS, "Between 1 minute and 90 days (129,600 minutes)."),
        ],
    )


class SlaForm(FlaskForm):
    first_response_minutes = _minutes("First response within (minutes)")
    update_interval_minutes = _minutes("Longest gap between updates (minutes)")
    resolution_minutes = _minutes("Resolved within (minutes)")

    def validate_resolution_minutes(self, field: IntegerField) -> None:
        first = self.first_response_minutes.data or 0
        if field.data is not None and field.data < first:
            raise ValidationError("Resolution cannot come before the first response.")


def _current(priority: int) -> tuple[int, int, int]:
    row = db.session.scalar(select(SlaPolicy).where(SlaPolicy.priority == priority))
    if row is None:
        return DEFAULT_MINUTES[priority]
    return (row.first_response_minutes, row.update_interval_minutes, row.resolution_minutes)


def _forms(posted: dict[int, SlaForm] | None = None) -> dict[int, SlaForm]:
    forms = {}
    for priority in PRIORITY_LABELS:
        if posted and priority in posted:
            forms[priority] = posted[priority]
            continue
        first, interval, resolution = _current(priority)
        forms[priority] = SlaForm(
            formdata=None,
            prefix=f"p{priority}",
            first_response_minutes=first,
            update_interval_minutes=interval,
            resolution_minutes=resolution,
        )
    return forms


@bp.route("/slas")
@require(can_manage_catalogue)
def slas() -> str:
    """Show the service targets for each priority."""
    return render("admin/slas.html", forms=_forms(), labels=PRIORITY_LABELS)


@bp.route("/slas/<int:priority>", methods=["POST"])
@require(can_manage_catalogue)
def save_sla(priority: int) -> tuple[str, int] | Response:
    """Save the service targets for one priority; new tickets use them at once."""
    if priority not in PRIORITY_LABELS:
        abort(404)
    form = SlaForm(prefix=f"p{priority}")
    if not form.validate():
        return render(
            "admin/slas.html", forms=_forms({priority: form}), labels=PRIORITY_LABELS
        ), 422
    row = db.session.scalar(select(SlaPolicy).where(SlaPolicy.priority == priority))
    if row is None:
        row = SlaPolicy(priority=priority)
        db.session.add(row)
    row.first_response_minutes = form.first_response_minutes.data or 0
    row.update_interval_minutes = form.update_interval_minutes.data or 0
    row.resolution_minutes = form.resolution_minutes.data or 0
    flash(f"Service targets for {PRIORITY_LABELS[priority]} saved.", "success")
    return redirect(url_for("admin.slas"))
