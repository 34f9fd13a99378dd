"""Forms for problem records: opening one, weighing solutions, deciding, monitoring, closing."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from helpdesk.forms import ChoiceField
from helpdesk.tickets.forms import VersionedForm
from helpdesk.tickets.resolution_forms import PoundsField


class ProblemForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Give the problem a title."), Length(max=200)],
        description="What keeps going wrong, for example “Parcels crushed in transit”.",
    )
    category_id = ChoiceField("Category")
    root_cause = TextAreaField(
        "Suspected root cause",
        validators=[Length(max=4000)],
        description="What you think causes it, if you know yet.",
    )
    idempotency_key = HiddenField()


class RootCauseForm(VersionedForm):
    root_cause = TextAreaField(
        "Suspected root cause",
        validators=[DataRequired("Say what you think causes it."), Length(max=4000)],
    )


def _side(label: str) -> TextAreaField:
    return TextAreaField(
        label, validators=[DataRequired(f"Write the {label.lower()}."), Length(max=2000)]
    )


class SolutionForm(VersionedForm):
    description = TextAreaField(
        "The solution",
        validators=[DataRequired("Describe the solution."), Length(max=2000)],
        id="solution-description",
    )
    cost = PoundsField(
        "Cost to the organisation (£)", default="0", description="For example 0, 250 or 1,499.99."
    )
    pros_customer = _side("Advantages for customers")
    cons_customer = _side("Disadvantages for customers")
    pros_org = _side("Advantages for the organisation")
    cons_org = _side("Disadvantages for the organisation")
    idempotency_key = HiddenField()


class ConfirmForm(VersionedForm):
    """A one-button action: only the version the person saw (and the CSRF token)."""


class DecisionForm(VersionedForm):
    decision = RadioField(
        "Decision",
        choices={"approve": "Approve", "refuse": "Refuse"},
        validators=[DataRequired("Choose approve or refuse.")],
    )
    reason = TextAreaField(
        "Reason (needed when refusing)",
        validators=[Length(max=2000)],
        render_kw={"rows": 2},
        id="decision-reason",
    )


class ActionForm(VersionedForm):
    text = TextAreaField(
        "Action taken",
        validators=[DataRequired("Say what was done."), Length(max=2000)],
        description="Who did what, for example “Asked the courier to re-pack fragile items”.",
    )
    idempotency_key = HiddenField()


class LiveForm(VersionedForm):
    note = TextAreaField(
        "What was put in place",
        validators=[DataRequired("Say what was put in place."), Length(max=2000)],
    )


class CloseForm(VersionedForm):
    reason = TextAreaField(
        "Reason for closing now",
        validators=[Length(max=2000)],
        id="close-reason",
    )
