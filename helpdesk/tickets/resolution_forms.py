"""Forms for resolving a problem: questions, options, promises, routes, escalation, closing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from helpdesk.domain import REMEDY_LABELS, choices
from helpdesk.forms import ChoiceField
from helpdesk.money import MoneyError, parse_money
from helpdesk.tickets.forms import VersionedForm
from helpdesk.tickets.resolution import UNRESOLVED_REASONS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class QuestionForm(VersionedForm):
    question = TextAreaField(
        "Ask the customer",
        validators=[DataRequired("Write the question first."), Length(max=2000)],
        description="A question that checks you have understood the problem.",
    )
    idempotency_key = HiddenField()


class PoundsField(StringField):
    """Money typed as pounds; ``minor`` holds pence once validated."""

    minor: int | None = None

    def pre_validate(self, form: Any) -> None:
        try:
            self.minor = parse_money(self.data or "")
        except MoneyError as exc:
            raise ValidationError(exc.message) from exc


class OptionForm(FlaskForm):
    description = TextAreaField(
        "The option", validators=[DataRequired("Describe the option."), Length(max=2000)]
    )
    remedy_type = ChoiceField("Remedy type", choices=choices(REMEDY_LABELS))
    cost = PoundsField(
        "Cost to the organisation (£)", default="0", description="For example 0, 25 or 149.99."
    )
    duration = StringField(
        "Time it takes",
        validators=[DataRequired("Say how long it takes."), Length(max=120)],
        description="For example “2 working days”.",
    )
    within_policy = RadioField(
        "Policy",
        choices={"yes": "Within policy (standard procedure)", "no": "Exception to policy"},
        default="yes",
        validators=[InputRequired("Say whether it is within policy.")],
    )
    pros_customer = TextAreaField("Advantages for the customer", validators=[Length(max=2000)])
    cons_customer = TextAreaField("Disadvantages for the customer", validators=[Length(max=2000)])
    pros_org = TextAreaField("Advantages for the organisation", validators=[Length(max=2000)])
    cons_org = TextAreaField("Disadvantages for the organisation", validators=[Length(max=2000)])
    idempotency_key = HiddenField()


class ColleagueForm(FlaskForm):
    colleague_id = ChoiceField("Colleague")


class OfferForm(VersionedForm):
    option_ids = MultiCheckboxField("Options to offer", coerce=str)

    def validate_option_ids(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError("Choose at least one option to offer.")


class ImplementForm(VersionedForm):
    note = TextAreaField(
        "What was done", validators=[DataRequired("Say what was done."), Length(max=4000)]
    )


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])


class PromiseForm(FlaskForm):
    description = StringField(
        "What is promised",
        validators=[DataRequired("Say what is promised."), Length(max=1000)],
        description="For example “Call you back about the refund”.",
        id="promise-description",  # the option's "description" shares the workspace
    )
    owner_id = ChoiceField("Owner")
    due_at = DateTimeLocalField(
        "Due by",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired("Give the date and time it is due.")],
    )
    idempotency_key = HiddenField()

    def due_at_utc(self) -> datetime:
        naive: datetime = self.due_at.data
        return naive.replace(tzinfo=local_zone()).astimezone(UTC)


class BreakPromiseForm(FlaskForm):
    reason = TextAreaField(
        "Why it could not be kept (sent to the customer)",
        validators=[DataRequired("Give the reason."), Length(max=2000)],
    )


class RouteOfferForm(FlaskForm):
    route_id = ChoiceField("Route")
    note = TextAreaField(
        "Note for the customer",
        validators=[Optional(), Length(max=2000)],
        id="route-note",  # the implement form's "note" shares the workspace
    )


class EscalateForm(FlaskForm):
    to_user_id = ChoiceField("Specialist person")
    to_team = StringField("Or specialist team", validators=[Optional(), Length(max=160)])
    reason = TextAreaField(
        "Why",
        validators=[DataRequired("Say why it needs a specialist."), Length(max=2000)],
        id="escalate-reason",  # the close form's "reason" shares the workspace
    )


class ResolveForm(VersionedForm):
    summary = TextAreaField(
        "What fixed it (sent to the customer with the request to confirm)",
        validators=[DataRequired("Say what fixed it."), Length(max=4000)],
    )


class CloseUnresolvedForm(VersionedForm):
    reason = ChoiceField("Reason", choices={"": "Choose a reason", **choices(UNRESOLVED_REASONS)})
    tried = TextAreaField(
        "What was tried", validators=[DataRequired("Say what was tried."), Length(max=4000)]
    )
    why = TextAreaField(
        "Why it could not be solved",
        validators=[DataRequired("Say why it could not be solved."), Length(max=4000)],
    )
    next_steps = TextAreaField(
        "What the customer can do next",
        validators=[DataRequired("Say what the customer can do next."), Length(max=4000)],
    )
    route_ids = MultiCheckboxField("Other routes to suggest", coerce=str)

    def validate_reason(self, field: ChoiceField) -> None:
        if not field.data:
            raise ValidationError("Choose the reason it could not be solved.")
