"""Admin forms: accounts, categories, and self-service routes."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from helpdesk.auth.services import PASSWORD_MIN
from helpdesk.domain import ROUTE_KIND_LABELS, Role
from helpdesk.forms import ChoiceField
from helpdesk.models import User
from helpdesk.money import MoneyError, parse_money, pounds_text

ROLE_LABELS: dict[str, str] = {
    Role.CUSTOMER: "Customer",
    Role.AGENT: "Agent",
    Role.SUPERVISOR: "Supervisor",
    Role.LEARNER: "Learner (builds an evidence portfolio)",
    Role.ASSESSOR: "Assessor",
    Role.IQA: "Internal quality assurer",
    Role.ADMIN: "Admin",
}


def select_choices(labels: dict[str, str]) -> list[SelectChoice]:
    """Choices for a select or checkbox group, in the shape WTForms 3.3 expects."""
    return [SelectChoice(str(value), label) for value, label in labels.items()]


class MoneyField(StringField):
    """Pounds as typed ('250', '99.50'); ``data`` is minor units, the text is kept on error."""

    data: int | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0] or "").strip()
        if not raw:
            self.data = 0
            return
        self.data = None
        try:
            self.data = parse_money(raw)
        except MoneyError as exc:
            raise ValueError(exc.message) from exc

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return pounds_text(self.data) if isinstance(self.data, int) else ""


class RolesField(SelectMultipleField):
    """Roles as a group of checkboxes (drawn by the admin template's macro)."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(
            label,
            choices=select_choices(ROLE_LABELS),
            validators=[DataRequired("Choose at least one role.")],
            invalid_choice_message="Unknown role: %(value)s.",
            **kwargs,
        )


def _limit_field() -> MoneyField:
    return MoneyField(
        "Limit of authority (£)",
        default=0,
        description="The most this person may offer alone, in pounds, like 250 or 99.50.",
    )


def _exceptions_field() -> BooleanField:
    return BooleanField("May approve exceptions to policy")


class NewUserForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Give the person's name."), Length(max=120)]
    )
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Give their email address."),
            Email("Give a whole email address, like name@example.com."),
            Length(max=254),
        ],
    )
    roles = RolesField("Roles")
    password = PasswordField(
        "Initial password (optional)",
        validators=[
            Optional(),
            Length(min=PASSWORD_MIN, max=1024, message=f"Use at least {PASSWORD_MIN} characters."),
        ],
        description=(
            f"At least {PASSWORD_MIN} characters. Leave blank to create the account "
            "without one: the person cannot sign in until a password is set."
        ),
    )
    authority_limit = _limit_field()
    can_approve_exceptions = _exceptions_field()
    idempotency_key = HiddenField()


class EditUserForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Give the person's name."), Length(max=120)]
    )
    roles = RolesField("Roles")
    authority_limit = _limit_field()
    can_approve_exceptions = _exceptions_field()
    active = BooleanField("Account active (untick to disable it and sign the person out)")


def user_form_data(user: User) -> dict[str, Any]:
    """What the edit form shows for a person before anything is posted."""
    return {
        "name": user.name,
        "roles": sorted(user.role_names),
        "authority_limit": user.authority_limit_minor,
        "can_approve_exceptions": user.can_approve_exceptions,
        "active": user.active,
    }


class ResetTwoFactorForm(FlaskForm):
    confirm = BooleanField(
        "I have checked it is really this person asking",
        validators=[DataRequired("Tick to confirm: a reset is how accounts get taken over.")],
    )


def _supervisors_field(**kwargs: Any) -> SelectMultipleField:
    # Choices are the active supervisors, set by the view before validating or drawing.
    return SelectMultipleField(
        "Supervisors alerted about repeats in this category",
        choices=[],
        invalid_choice_message="Choose from the listed supervisors.",
        **kwargs,
    )


class CategoryForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Give the category a name."), Length(max=80)]
    )
    description = TextAreaField("Description", validators=[Length(max=2000)])
    active = BooleanField("Active (offered when raising or logging a problem)", default=True)
    supervisor_ids = _supervisors_field()


class NewCategoryForm(CategoryForm):
    # The service checks the supervisors, after it has looked for a replay of this key:
    # a replay answers like the first post even if someone has left the role since.
    supervisor_ids = _supervisors_field(validate_choice=False)
    idempotency_key = HiddenField()


class RouteForm(FlaskForm):
    kind = ChoiceField("Kind", choices=select_choices(ROUTE_KIND_LABELS))
    title = StringField(
        "Title",
        validators=[DataRequired("Give it a title customers will recognise."), Length(max=160)],
    )
    summary = TextAreaField(
        "Summary",
        validators=[Length(max=2000)],
        description="One or two sentences shown in search results.",
    )
    body = TextAreaField(
        "Article text",
        validators=[Length(max=50_000)],
        description="Needed for help articles: the full text customers read.",
    )
    contact = StringField(
        "How to reach it",
        validators=[Length(max=255)],
        description="Needed for other routes: a phone number, an address or a web link.",
    )
    keywords = StringField(
        "Keywords",
        validators=[Length(max=500)],
        description="Words customers might type when this would help, separated by spaces.",
    )
    active = BooleanField("Active (offered to customers)", default=True)


class NewRouteForm(RouteForm):
    idempotency_key = HiddenField()


class TrainingAccountForm(FlaskForm):
    training = BooleanField(
        "Training account: its tickets are practice, and never count as a learner's evidence"
    )
