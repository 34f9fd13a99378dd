"""Password reset and change: signed single-use links, and ending other sessions."""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from helpdesk.auth.passwords import hash_password, password_problem, verify_password
from helpdesk.auth.services import AccountError, find_user_by_email
from helpdesk.auth.sessions import end_all_sessions
from helpdesk.domain import NotificationKind
from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.notifications.services import external_url, queue_email


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="password-reset")


def _fingerprint(user: User) -> str:
    # Changes whenever the password does, so a link works once at most.
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:32]


def make_reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The active user this unexpired, unused link is for, or None."""
    max_age = int(current_app.config["RESET_LINK_MINUTES"]) * 60
    try:
        data = _serializer().loads(token, max_age=max_age)
    except BadSignature:  # also covers an expired link
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.active or data.get("p") != _fingerprint(user):
        return None
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if an active account has this email; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    minutes = current_app.config["RESET_LINK_MINUTES"]
    link = external_url(url_for("auth.reset_password", token=make_reset_token(user)))
    queue_email(
        user.email,
        "Reset your helpdesk password",
        f"Hello {user.first_name},\n\n"
        f"Someone asked to reset the password of your helpdesk account. To choose a new "
        f"password, open this link within {minutes} minutes:\n\n{link}\n\n"
        "The link works once. If you did not ask, ignore this email: "
        "your password stays as it is.\n",
        kind=NotificationKind.PASSWORD_RESET,
    )
    db.session.flush()


def set_new_password(user: User, password: str) -> None:
    """Set the password and end every session of the user.

    :raise AccountError: when the password does not meet the policy.
    """
    if problem := password_problem(password):
        raise AccountError(problem, "password")
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    """Change a signed-in user's password after checking the current one.

    :raise AccountError: for a wrong current password or a new one the policy refuses.
    """
    if not user.password_hash or not verify_password(user.password_hash, current):
        raise AccountError("That is not your current password.", "current_password")
    set_new_password(user, new)
