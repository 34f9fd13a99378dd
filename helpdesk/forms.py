"""Form pieces shared by several blueprints."""

from __future__ import annotations

import logging
import uuid
from typing import TypeVar

from flask import abort, request
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import ValidationError

from helpdesk.domain import AuditAction
from helpdesk.extensions import db
from helpdesk.models import Category
from helpdesk.refusals import Refusal
from helpdesk.unit_of_work import commit_even_if_refused


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


F = TypeVar("F", bound=FlaskForm)


def ensure_key(form: F) -> F:
    """A create form as it is drawn or posted: a fresh idempotency key unless it already
    carries one, so a refused post keeps the key it was sent with."""
    if not form.idempotency_key.data:
        form.idempotency_key.data = new_idempotency_key()
    return form


def attach_refusal(form: FlaskForm | None, refusal: Refusal, default: str | None = None) -> bool:
    """Put the refusal's message next to its field (else ``default``); whether one fitted."""
    for name in (refusal.field, default):
        if form is not None and name and name in form:
            field = form[name]
            # A field not yet validated holds its errors as a tuple, so build a new list.
            field.errors = [*field.errors, refusal.message]
            return True
    return False


def category_choices(blank: str | None = None) -> dict[str, str]:
    rows = db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.name)
    )
    found = {str(c.id): c.name for c in rows}
    return ({"": blank} if blank is not None else {}) | found


class ChoiceField(SelectField):
    """A select whose wrong value gets a message a person understands."""

    def pre_validate(self, form: object) -> None:
        values = {str(value) for value, *_ in self.iter_choices()}
        if str(self.data if self.data is not None else "") not in values:
            raise ValidationError("Choose one of the listed options.")


IDEMPOTENCY_KEY_MAX = 64  # the length of every idempotency_key column


def refuse_forged_values() -> None:
    """Refuse posted values no form of ours sends, before they fail in SQL as a 500.

    No person types a NUL and PostgreSQL text cannot hold one; idempotency keys are
    ours (32 hex characters) and their columns hold 64.
    """
    for name, value in request.form.items(multi=True):
        if "\x00" in value or (name == "idempotency_key" and len(value) > IDEMPOTENCY_KEY_MAX):
            abort(400)


# Names that would change who owns, sees or may do something. No form of ours offers
# them (a test holds every form to that), so a posted one is someone probing for mass
# assignment: the form ignores it, and it is written down here.
PROTECTED_FIELDS = frozenset(
    {
        "role",
        "author_id",
        "internal",
        "status",
        "customer_id",
        "limit",
        "user_id",
        "is_admin",
        "authority_limit_minor",
        "password_hash",
        "session_generation",
        "totp_secret",
    }
)
log = logging.getLogger(__name__)


def log_undeclared_fields() -> None:
    """Write an audit entry when a POST carries a protected name no form declares."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    found = sorted(PROTECTED_FIELDS.intersection(request.form.keys()))
    if not found:
        return
    from helpdesk.audit import audit

    actor = current_user._get_current_object() if current_user.is_authenticated else None
    log.warning("Ignored undeclared fields %s posted to %s", found, request.path)
    audit(AuditAction.UNDECLARED_FIELDS, actor, None, fields=found, path=request.path[:200])
    # Before the view runs: the forged post is noted even if the view refuses it.
    commit_even_if_refused()
