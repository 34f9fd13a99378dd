"""The reflective account form (STAR) and the evidence log's filter choices."""

from __future__ import annotations

from collections.abc import Callable

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from helpdesk.evidence.reflections import PART_MAX, TITLE_MAX
from helpdesk.forms import ChoiceField
from helpdesk.frameworks import Framework
from helpdesk.models import Ticket
from helpdesk.tickets.resolution_forms import MultiCheckboxField


class ReflectionForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Give the account a title."), Length(max=TITLE_MAX)],
        description="A few words to find it again, e.g. “Calming a worried customer”.",
    )
    situation = TextAreaField(
        "Situation",
        validators=[DataRequired("Describe the situation."), Length(max=PART_MAX)],
        description="What was happening, and what was the problem?",
    )
    task = TextAreaField(
        "Task",
        validators=[DataRequired("Say what you had to do."), Length(max=PART_MAX)],
        description="What did you need to achieve?",
    )
    action = TextAreaField(
        "Action",
        validators=[DataRequired("Say what you did."), Length(max=PART_MAX)],
        description="What did you do, and why?",
    )
    result = TextAreaField(
        "Result",
        validators=[DataRequired("Say how it turned out."), Length(max=PART_MAX)],
        description="How did it turn out, and what did you learn?",
    )
    ticket_id = ChoiceField("Ticket it is about (optional)", choices={"": "None"})
    codes = MultiCheckboxField("Performance criteria it shows", choices={})
    idempotency_key = HiddenField()

    def offer(
        self, framework: Framework, tickets: list[Ticket], redact: Callable[[str], str]
    ) -> None:
        """Fill the choices: the learner's evidence tickets and the framework's PCs."""
        self.ticket_id.choices = {"": "None"} | {
            str(t.id): f"{t.reference} {redact(t.subject)}" for t in tickets
        }
        self.codes.choices = {p.code: f"{p.code} {p.text}" for p in framework.pcs}
