from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from helpdesk.evidence.testimony import (
    CONTACT_MAX,
    MISSING_NAME,
    STATEMENT_MAX,
    WITNESS_NAME_MAX,
    consent_wording,
    missing_statement,
)
from helpdesk.forms import ChoiceField
from helpdesk.models import User

TESTIMONY_FIELDS = ("did_well", "consent", "witness_name", "witness_contact")


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

    # Asked only when a learner handled the ticket (see ask_about); in the customer's words.
    did_well = TextAreaField("What did they do well?", validators=[Length(max=STATEMENT_MAX)])
    consent = BooleanField("I agree that this feedback may be used as witness testimony")
    witness_name = StringField(
        "Your name as you would like it to appear",
        validators=[Length(max=WITNESS_NAME_MAX)],
        description="Needed only if you agree. As much or as little of your name as you like.",
    )
    witness_contact = StringField(
        "How an assessor could contact you about it (optional)",
        validators=[Length(max=CONTACT_MAX)],
        description="An email address or phone number, if you are happy to be asked.",
    )
    learner_first_name = ""

    def ask_about(self, learner: User | None) -> None:
        """Ask about the learner who handled the ticket; with none, drop those fields."""
        if learner is None:
            for name in TESTIMONY_FIELDS:
                if name in self:
                    del self[name]
            self.learner_first_name = ""
            return
        self.learner_first_name = learner.first_name
        self.did_well.label.text = f"What did {learner.first_name} do well?"
        self.consent.label.text = consent_wording(learner.first_name)

    def testimony(self) -> dict[str, Any]:
        """The testimony arguments of customer_confirm: none unless they were asked."""
        if not self.learner_first_name:
            return {}
        return {
            "did_well": self.did_well.data or "",
            "consent": bool(self.consent.data),
            "witness_name": self.witness_name.data or "",
            "witness_contact": self.witness_contact.data or "",
        }

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        # Optional() ends the rating's own checks when it is empty, so ask here.
        if self.solved.data == "yes" and not self.rating.data:
            self.rating.errors = [*self.rating.errors, "Choose a rating from 1 to 5."]
            ok = False
        if self.learner_first_name and self.consent.data:
            if not (self.did_well.data or "").strip():
                message = missing_statement(self.learner_first_name)
                self.did_well.errors = [*self.did_well.errors, message]
                ok = False
            if not (self.witness_name.data or "").strip():
                self.witness_name.errors = [*self.witness_name.errors, MISSING_NAME]
                ok = False
        return ok
