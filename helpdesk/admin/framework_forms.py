"""Admin forms for learner mode: a learner's framework and assessors; framework rules."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired

from helpdesk.admin.forms import select_choices
from helpdesk.frameworks import METHODS


class WholeNumberField(IntegerField):
    """A whole number as typed; anything else gets a plain message and keeps the text."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0] or "").strip()
        self.data = None
        if not raw:
            return
        if not raw.isdecimal() or len(raw) > 6:
            raise ValueError("Give a whole number, like 3.")
        self.data = int(raw)


class LearnerProfileForm(FlaskForm):
    framework = RadioField(
        "Framework they are assessed against",
        choices=[],
        validators=[InputRequired("Choose the framework.")],
        validate_choice=False,  # the service names the problem, next to the field
    )
    assessor_ids = SelectMultipleField(
        "Assessors",
        choices=[],
        validate_choice=False,
    )

    def offer(self, frameworks: dict[str, str], assessors: dict[str, str]) -> None:
        self.framework.choices = select_choices(frameworks)
        self.assessor_ids.choices = select_choices(assessors)


class FrameworkRuleForm(FlaskForm):
    must_observe = SelectMultipleField(
        "Criteria an assessor must observe", choices=[], validate_choice=False
    )
    tickets_per_pc = WholeNumberField(
        "Different live tickets needed for each criterion",
        validators=[InputRequired("Give the number of tickets, like 3.")],
    )
    min_days = WholeNumberField(
        "Days between the first and last of them, at least",
        validators=[InputRequired("Give the number of days, like 14 (0 for no minimum).")],
    )
    methods = SelectMultipleField(
        "Assessment methods whose evidence counts", choices=[], validate_choice=False
    )
    reason = TextAreaField(
        "Why the rule changes",
        # Required by the service, after the numbers: one message per post, by its field.
        description="Kept with the new rule version in the audit log.",
    )

    def offer(self, pcs: dict[str, str]) -> None:
        self.must_observe.choices = select_choices(pcs)
        self.methods.choices = select_choices(METHODS)
