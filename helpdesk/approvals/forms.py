from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length


class DecideApprovalForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices={"approve": "Approve", "refuse": "Refuse"},
        validators=[DataRequired("Choose approve or refuse.")],
    )
    reason = TextAreaField(
        "Reason (needed when refusing)",
        validators=[Length(max=2000)],
        render_kw={"rows": 2},
    )


class DecideConfirmationForm(FlaskForm):
    decision = RadioField(
        "Your view",
        choices={"confirm": "Confirm", "challenge": "Challenge"},
        validators=[DataRequired("Choose confirm or challenge.")],
    )
    comment = TextAreaField(
        "Comment (needed when challenging)", validators=[Length(max=2000)], render_kw={"rows": 2}
    )
