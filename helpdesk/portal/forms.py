from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

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
