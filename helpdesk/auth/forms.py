from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class RegisterForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=10, max=1024)],
        description="At least 10 characters, and not a common password.",
    )
    confirm = PasswordField(
        "Password again", validators=[DataRequired(), EqualTo("password", "The passwords differ.")]
    )
    idempotency_key = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=10, max=1024)],
        description="At least 10 characters, and not a common password.",
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=1024)]
    )


class CodeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired("Type the six-digit code."), Length(max=12)],
        description="Six digits. A new code appears every 30 seconds.",
    )


class DisableTwoFactorForm(CodeForm):
    password = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
