"""Accounts: sign-in checks and customer registration."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from helpdesk.auth.passwords import PASSWORD_MIN as PASSWORD_MIN  # re-exported
from helpdesk.auth.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from helpdesk.domain import Role
from helpdesk.extensions import db
from helpdesk.idempotency import first_made, flush_or_first
from helpdesk.models import User
from helpdesk.refusals import Refusal


class AccountError(Refusal):
    """A refused account change; the message is for the person, ``field`` the input."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """Return the user for these credentials, or None; one path whatever the reason."""
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.flush()
    return user


EMAIL_TAKEN = "That email cannot be registered. If it is yours, sign in instead."


def register_customer(
    name: str, email: str, password: str, *, idempotency_key: str | None = None
) -> User:
    """Create a self-registered customer account.

    A replayed form (same key) gets the account the first post made, but only with the
    same email and password: the key alone must never sign anyone in.
    :raise AccountError: when the password is too short or the email is taken.
    """
    if (first := first_made(User, idempotency_key)) is not None:
        return _same_registration(first, email, password)
    if problem := password_problem(password):
        raise AccountError(problem, "password")
    if find_user_by_email(email) is not None:
        raise AccountError(EMAIL_TAKEN, "email")
    user = User(name=name.strip(), email=normalise_email(email), idempotency_key=idempotency_key)
    user.password_hash = hash_password(password)
    user.set_roles({Role.CUSTOMER})
    db.session.add(user)
    try:
        if (first := flush_or_first(User, idempotency_key)) is not None:
            return _same_registration(first, email, password)
    except IntegrityError as exc:  # the same email registered a moment ago elsewhere
        raise AccountError(EMAIL_TAKEN, "email") from exc
    return user


def _same_registration(first: User, email: str, password: str) -> User:
    if first.email == normalise_email(email) and verify_password(first.password_hash, password):
        return first
    raise AccountError(EMAIL_TAKEN, "email")


def create_user(
    *,
    email: str,
    name: str,
    roles: set[str],
    password: str | None = None,
    authority_limit_minor: int = 0,
    can_approve_exceptions: bool = False,
    idempotency_key: str | None = None,
) -> User:
    """Create any account (staff or customer); used by the admin page and the CLI.

    ``idempotency_key`` is stored on the account (the create form's key; unique).

    :raise AccountError: for a taken email, unknown role, short password or bad limit.
    """
    unknown = set(roles) - {r.value for r in Role}
    if unknown or not roles:
        raise AccountError(f"Unknown role: {', '.join(sorted(unknown)) or 'none given'}.", "roles")
    if find_user_by_email(email) is not None:
        raise AccountError("An account with that email already exists.", "email")
    if password is not None and (problem := password_problem(password)):
        raise AccountError(problem, "password")
    if authority_limit_minor < 0:
        raise AccountError("The limit cannot be negative.", "authority_limit")
    user = User(
        name=name.strip(),
        email=normalise_email(email),
        authority_limit_minor=authority_limit_minor,
        can_approve_exceptions=can_approve_exceptions,
        idempotency_key=idempotency_key,
    )
    user.password_hash = hash_password(password) if password else None
    user.set_roles(set(roles))
    db.session.add(user)
    db.session.flush()
    return user


def find_or_create_customer(email: str, name: str) -> User:
    """The customer with this email, or a new one without a password (staff logged it)."""
    user = find_user_by_email(email)
    if user is not None:
        if not user.is_customer:
            user.set_roles(user.role_names | {Role.CUSTOMER})
        return user
    user = User(name=name.strip(), email=normalise_email(email))
    user.set_roles({Role.CUSTOMER})
    db.session.add(user)
    db.session.flush()
    return user
