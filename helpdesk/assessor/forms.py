"""The assessor's forms: decisions, observations, pins, knowledge records and sign-off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from helpdesk.evidence.decisions import FEEDBACK_MAX
from helpdesk.evidence.knowledge import ASSESSOR_METHODS, OUTCOMES
from helpdesk.evidence.knowledge import METHODS as KNOWLEDGE_METHODS
from helpdesk.evidence.knowledge import TEXT_MAX as KNOWLEDGE_MAX
from helpdesk.evidence.observations import JUDGEMENTS, PIN_MAX, PLACE_MAX, TEXT_MAX, coverable
from helpdesk.frameworks import Framework
from helpdesk.models import Ticket
from helpdesk.tickets.resolution_forms import MultiCheckboxField

DECISIONS = {"accept": "Accept", "reject": "Reject"}


class DecisionForm(FlaskForm):
    """Accept or reject (the button pressed), with feedback."""

    decision = RadioField("Decision", choices=DECISIONS, validate_choice=False)
    feedback = TextAreaField(
        "Feedback for the learner",
        validators=[Optional(), Length(max=FEEDBACK_MAX)],
        description="Needed when you reject: say what is missing.",
    )
    # Accept for these PCs only (the review form lists the record's PCs, all ticked).
    pcs = SelectMultipleField("Accept it for", validate_choice=False)
    pcs_shown = HiddenField()


class BulkDecisionForm(DecisionForm):
    ids = MultiCheckboxField("Evidence", choices={}, validate_choice=False)


class ObservationForm(FlaskForm):
    observed_on = DateField(
        "Date observed",
        default=date.today,
        validators=[InputRequired("Give the date you observed.")],
    )
    place = StringField(
        "Place or channel",
        validators=[DataRequired("Say where or on which channel."), Length(max=PLACE_MAX)],
        description="For example “Phone line, Leeds office” or “Live chat”.",
    )
    tickets = MultiCheckboxField("Tickets observed", choices={}, validate_choice=False)
    activity = TextAreaField(
        "Activity",
        validators=[DataRequired("Describe the activity."), Length(max=TEXT_MAX)],
        description="What the learner did while you watched.",
    )
    codes = MultiCheckboxField("Performance criteria observed", choices={}, validate_choice=False)
    cover = MultiCheckboxField("It also covers (optional)", choices={}, validate_choice=False)
    judgement = RadioField(
        "Judgement",
        choices=JUDGEMENTS,
        default="met",
        validators=[InputRequired("Choose met or not met.")],
    )
    comments = TextAreaField(
        "Your comments",
        validators=[Optional(), Length(max=TEXT_MAX)],
        description="Needed when not met. The learner reads them before confirming.",
    )
    idempotency_key = HiddenField()

    def offer(
        self, framework: Framework, tickets: list[Ticket], redact: Callable[[str], str]
    ) -> None:
        """Fill the choices: the learner's evidence tickets, PCs and items to cover."""
        self.tickets.choices = {str(t.id): f"{t.reference} {redact(t.subject)}" for t in tickets}
        self.codes.choices = {p.code: f"{p.code} {p.text}" for p in framework.pcs}
        self.cover.choices = {c.code: f"{c.code} {c.text}" for c in coverable(framework)}


class PinForm(FlaskForm):
    event_id = StringField("Event", validators=[DataRequired()])
    comment = TextAreaField(
        "Pin a comment here",
        validators=[DataRequired("Write the comment first."), Length(max=PIN_MAX)],
    )
    idempotency_key = HiddenField()


class ConfirmForm(FlaskForm):
    learner_comments = TextAreaField(
        "Your comments (optional)",
        validators=[Optional(), Length(max=TEXT_MAX)],
        description="What you would add to the assessor's record.",
    )


class KnowledgeForm(FlaskForm):
    method = RadioField(
        "Method",
        choices={m: KNOWLEDGE_METHODS[m] for m in ASSESSOR_METHODS},
        default="Q",
        validators=[InputRequired("Choose questioning or professional discussion.")],
    )
    codes = MultiCheckboxField("Knowledge items", choices={}, validate_choice=False)
    questions = TextAreaField(
        "Questions asked",
        validators=[DataRequired("Write the questions."), Length(max=KNOWLEDGE_MAX)],
    )
    answers = TextAreaField(
        "The learner's answers",
        validators=[DataRequired("Write the answers."), Length(max=KNOWLEDGE_MAX)],
    )
    outcome = RadioField(
        "Outcome",
        choices=OUTCOMES,
        default="met",
        validators=[InputRequired("Choose met or not met.")],
    )
    feedback = TextAreaField(
        "Feedback for the learner",
        validators=[Optional(), Length(max=FEEDBACK_MAX)],
        description="Needed when not met.",
    )
    idempotency_key = HiddenField()

    def offer(self, framework: Framework) -> None:
        self.codes.choices = {k.code: f"{k.code} {k.text}" for k in framework.knowledge}


class MarkForm(FlaskForm):
    outcome = RadioField("Outcome", choices=OUTCOMES, validate_choice=False)
    feedback = TextAreaField(
        "Feedback for the learner",
        validators=[Optional(), Length(max=FEEDBACK_MAX)],
        description="Needed when not met.",
    )


class SignOffForm(FlaskForm):
    assessor_declared = BooleanField(
        "I declare that I have assessed this learner's evidence, that it meets every "
        "requirement of the unit, and that to the best of my knowledge it is their own work."
    )


class MoveOnForm(FlaskForm):
    """Move a learner on to the framework's newest rule version, saying why."""

    reason = TextAreaField(
        "Why they move on to the newest rules",
        validators=[InputRequired("Say why they move on to the newest rules.")],
        description="Kept in the audit log. What counts from now on is the newest version.",
    )
