"""One rate limit shared by the heavy downloads (PDF, CSV, data zip), per person.

Each one builds a whole portfolio or a customer's data on request; without a limit a
script could keep a worker busy making PDFs. The budget is shared across the routes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from helpdesk.extensions import limiter

F = TypeVar("F", bound=Callable[..., object])


def person_key() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "client:" + (get_remote_address() or "unknown")


def _budget() -> str:
    return str(current_app.config["DOWNLOAD_LIMIT_PER_USER"])


def download_limit(view: F) -> F:
    """Count this view against the person's shared budget of heavy downloads."""
    return cast(F, limiter.shared_limit(_budget, scope="downloads", key_func=person_key)(view))
