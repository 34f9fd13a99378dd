from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from helpdesk.forms import ChoiceField


class RaiseProblemForm(FlaskForm):
    subject = StringField(
        "Subject",
        validators=[DataRequired("Tell us in a few words what is wrong."), Length(max=200)],
        description="A few words, for example “Kettle arrived with a cracked lid”.",
    )
    description = TextAreaField(
        "What happened?",
        validators=[DataRequired("Describe the problem so we can help."), Length(max=10_000)],
        description="As you type, we will suggest help that might solve it straight away.",
    )
    category_id = ChoiceField("What is it about?", validators=[DataRequired("Choose a topic.")])
    order_ref = StringField(
        "Order or account reference (optional)", validators=[Optional(), Length(max=60)]
    )
    attachments = MultipleFileField(
        "Attach files (optional)",
        description="Up to 3 files of 5 MB each: images, PDF or plain text.",
    )
    idempotency_key = HiddenField()
    routes_seen = HiddenField()


class CustomerReplyForm(FlaskForm):
    body = TextAreaField(
        "Your message", validators=[DataRequired("Write a message first."), Length(max=10_000)]
    )
    idempotency_key = HiddenField()


class DeclineOptionForm(FlaskForm):
    comment = TextAreaField(
        "Why this does not suit you",
        validators=[
            DataRequired("Tell us why, so we can find something better."),
            Length(max=2000),
        ],
    )


class ConfirmResolutionForm(FlaskForm):
    solved = RadioField(
        "Is your problem solved?",
        choices={"yes": "Yes, it is solved", "no": "No, it is not solved"},
        validators=[InputRequired("Tell us whether it is solved.")],
    )
    rating = RadioField(
        "How would you rate our service?",
        choices={"5": "5 (excellent)", "4": "4", "3": "3", "2": "2", "1": "1 (poor)"},
        validators=[Optional()],
    )
    comment = TextAreaField(
        "Anything you want to tell us",
        validators=[Length(max=4000)],
        description="If it is not solved, tell us what is still wrong.",
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        # Optional() ends the rating's own checks when it is empty, so ask here.
        if self.solved.data == "yes" and not self.rating.data:
            self.rating.errors = [*self.rating.errors, "Choose a rating from 1 to 5."]
            ok = False
        return ok
