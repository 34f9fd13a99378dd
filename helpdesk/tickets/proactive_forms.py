"""Forms of the workspace's "Proactive work" panel."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.tickets.proactive import GROUPS
from helpdesk.tickets.resolution_forms import MultiCheckboxField


class ProactiveStepForm(FlaskForm):
    step = TextAreaField(
        "Step taken",
        validators=[DataRequired("Say what was done."), Length(max=2000)],
        description="What you (or someone) did to stop it reaching customers.",
        id="proactive-step",
    )
    idempotency_key = HiddenField()


class InformForm(FlaskForm):
    people = MultiCheckboxField("Colleagues", validators=[Optional()], id="inform-people")
    groups = MultiCheckboxField(
        "Teams", choices=GROUPS, validators=[Optional()], id="inform-groups"
    )
    message = TextAreaField(
        "Message (optional)",
        validators=[Optional(), Length(max=2000)],
        description="The recorded steps are sent with it.",
        id="inform-message",
    )
    idempotency_key = HiddenField()
