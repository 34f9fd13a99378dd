"""Forms of the team feed."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.feed.services import COMMENT_MAX, QUOTE_MAX, REACTIONS, TAGS
from helpdesk.forms import ChoiceField


class ShareForm(FlaskForm):
    quote = TextAreaField(
        "What the customer said",
        validators=[DataRequired("Quote what the customer said."), Length(max=QUOTE_MAX)],
        description=(
            "Their name is already [customer]; contact details, address, payment details "
            "and references are removed too. "
            "Remove anything else that could identify them before you share."
        ),
    )
    comment = TextAreaField(
        "Your comment (optional)",
        validators=[Optional(), Length(max=COMMENT_MAX)],
        description="Why it matters, or what the team could learn from it.",
    )
    tag = ChoiceField(
        "Tag", choices={"": "Choose a tag", **TAGS}, validators=[DataRequired("Choose a tag.")]
    )
    idempotency_key = HiddenField()


class ReactionForm(FlaskForm):
    kind = ChoiceField("Reaction", choices=REACTIONS)


class ProblemFromPostForm(FlaskForm):
    title = StringField(
        "Title", validators=[DataRequired("Give the problem a title."), Length(max=200)]
    )
    category_id = ChoiceField("Category", validators=[Optional()])
    root_cause = TextAreaField(
        "Suspected root cause",
        validators=[Optional(), Length(max=4000)],
        description="Starts with the post's words; add what you suspect is behind them.",
    )
    idempotency_key = HiddenField()
