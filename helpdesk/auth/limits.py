"""Rate limits for sign-in, registration and password reset: per account and per client.

The account key is the submitted email, normalised, whether or not it has an account,
so a limited answer says nothing about which emails are registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from flask import current_app, request
from flask_limiter.util import get_remote_address

from helpdesk.auth.services import normalise_email
from helpdesk.extensions import limiter

F = TypeVar("F", bound=Callable[..., object])


def account_key() -> str:
    return "account:" + normalise_email(request.form.get("email", ""))[:254]


def client_key() -> str:
    return "client:" + (get_remote_address() or "unknown")


def _per_account() -> str:
    return str(current_app.config["AUTH_LIMIT_PER_ACCOUNT"])


def _per_client() -> str:
    return str(current_app.config["AUTH_LIMIT_PER_CLIENT"])


def auth_limits(view: F) -> F:
    """Limit a view's POSTs per submitted email and per client address."""
    per_client = limiter.limit(_per_client, key_func=client_key, methods=["POST"], scope="auth")
    per_account = limiter.limit(_per_account, key_func=account_key, methods=["POST"], scope="auth")
    return cast(F, per_account(per_client(view)))
