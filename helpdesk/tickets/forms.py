from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import HiddenInput

from helpdesk.domain import (
    CAUSE_LABELS,
    CHANNEL_LABELS,
    ORIGIN_LABELS,
    PRIORITY_LABELS,
    Channel,
    choices,
)
from helpdesk.forms import ChoiceField


class VersionedForm(FlaskForm):
    """Carries the ticket version the person saw, so a stale write is refused."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class AcknowledgeForm(VersionedForm):
    need = TextAreaField(
        "What the customer needs",
        validators=[DataRequired("Say what they need, in your own words."), Length(max=2000)],
    )
    impact = TextAreaField(
        "The impact on them",
        validators=[DataRequired("Say how the problem affects them."), Length(max=2000)],
    )
    feeling = TextAreaField(
        "How they feel about it",
        validators=[DataRequired("Say how they feel about it."), Length(max=2000)],
    )


class ReplyForm(VersionedForm):
    body = TextAreaField(
        "Reply to the customer",
        validators=[DataRequired("Write the reply first."), Length(max=10_000)],
    )
    update_kind = RadioField(
        "This update",
        choices={
            "answer": "Answers something the customer asked",
            "volunteered": "Volunteered: news they did not ask for",
        },
        default="volunteered",
        # Left out, the server decides from the timeline (see default_update_kind).
        validators=[Optional()],
    )
    idempotency_key = HiddenField()


class NoteForm(FlaskForm):
    body = TextAreaField(
        "Internal note (staff only)",
        validators=[DataRequired("Write the note first."), Length(max=10_000)],
        id="note-body",  # the reply's textarea is "body" on the same page; labels need unique ids
    )
    idempotency_key = HiddenField()


class AssignForm(VersionedForm):
    assignee_id = ChoiceField("Assigned to")


class ClassifyForm(VersionedForm):
    priority = ChoiceField("Priority", choices=choices(PRIORITY_LABELS))
    category_id = ChoiceField("Category")
    channel = ChoiceField("Channel", choices=choices(CHANNEL_LABELS))
    origin = ChoiceField("Origin", choices=choices(ORIGIN_LABELS))
    cause = ChoiceField("Cause", choices={"": "Not known yet", **choices(CAUSE_LABELS)})


OFFLINE_CHANNELS = {k: v for k, v in CHANNEL_LABELS.items() if k != Channel.INTERNAL}


class LogTicketForm(FlaskForm):
    customer_email = EmailField(
        "Customer's email",
        validators=[DataRequired("We need the customer's email."), Email(), Length(max=254)],
    )
    customer_name = StringField(
        "Customer's name", validators=[DataRequired("We need a name."), Length(max=120)]
    )
    channel = ChoiceField("How they reached us", choices=choices(OFFLINE_CHANNELS))
    subject = StringField("Subject", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        "The problem, as the customer told it", validators=[DataRequired(), Length(max=10_000)]
    )
    category_id = ChoiceField("Category", validators=[DataRequired("Choose a category.")])
    priority = ChoiceField("Priority", choices=choices(PRIORITY_LABELS), default="3")
    order_ref = StringField("Order or account reference", validators=[Optional(), Length(max=60)])
    idempotency_key = HiddenField()


class ProactiveForm(FlaskForm):
    what = StringField(
        "What is the problem?",
        validators=[DataRequired("Name the problem."), Length(max=200)],
        description="A system or procedure problem found before it affects customers.",
    )
    where = TextAreaField(
        "Where is it?",
        validators=[DataRequired("Say where the problem is."), Length(max=2000)],
        description="The system, procedure, place or step where you found it.",
    )
    risk = TextAreaField(
        "What could happen to customers?",
        validators=[DataRequired("Describe the risk."), Length(max=2000)],
        description="Who could be affected, how, and how soon.",
    )
    category_id = ChoiceField("Category", validators=[DataRequired("Choose a category.")])
    priority = ChoiceField("Priority", choices=choices(PRIORITY_LABELS), default="3")
    idempotency_key = HiddenField()
