"""The IQA's forms: what to sample, and a verdict on one sampled decision."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from helpdesk.frameworks import METHODS
from helpdesk.iqa.services import COMMENT_MAX, SIZE_MAX, VERDICTS, SampleRequest
from helpdesk.models import User
from helpdesk.tickets.resolution_forms import MultiCheckboxField


class Checkboxes(MultiCheckboxField):
    """Checkboxes whose forged value gets a message a person understands."""

    def pre_validate(self, form: object) -> None:
        offered = {str(value) for value, *_ in self.iter_choices()}
        if any(str(v) not in offered for v in self.data or ()):
            raise ValidationError("Choose from the list.")


class SampleForm(FlaskForm):
    assessor_id = HiddenField()
    learners = Checkboxes("Learners", choices={})
    pcs = Checkboxes("Performance criteria", choices={})
    methods = Checkboxes("Assessment methods", choices=dict(METHODS))
    size = IntegerField(
        "How many decisions to sample",
        default=10,
        validators=[
            InputRequired("Say how many decisions to sample."),
            NumberRange(1, SIZE_MAX, f"Choose between 1 and {SIZE_MAX}."),
        ],
        description=f"Drawn at random from the matching decisions (at most {SIZE_MAX}).",
    )
    idempotency_key = HiddenField()

    def offer(self, learners: Sequence[User], pcs: dict[str, str]) -> None:
        self.learners.choices = {str(u.id): u.name for u in learners}
        self.pcs.choices = pcs
        self.methods.choices = {k: f"{k} {v}" for k, v in METHODS.items()}

    def request(self, assessor_id: int) -> SampleRequest:
        return SampleRequest(
            assessor_id=assessor_id,
            learner_ids=tuple(int(v) for v in self.learners.data or () if str(v).isdecimal()),
            pcs=tuple(self.pcs.data or ()),
            methods=tuple(self.methods.data or ()),
            size=int(self.size.data or 0),
        )


class VerdictForm(FlaskForm):
    verdict = RadioField(
        "Your verdict",
        choices=dict(VERDICTS),
        validators=[DataRequired("Choose agree or disagree.")],
        validate_choice=False,  # the service says when it is neither
    )
    comment = TextAreaField(
        "Comment",
        validators=[Length(max=COMMENT_MAX)],
        description="Needed when you disagree: what the assessor should look at again.",
    )
