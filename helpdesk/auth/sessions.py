"""Server-side sign-in sessions: started at login, ended by logout, timeouts or a bump.

The Flask-Login id is ``user_id:session_generation:session_id``. A session loads only
while its row is open and the user's generation still matches, so a logout, an admin
disabling the account or a password change ends it on the server, not just the cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import (
    abort,
    after_this_request,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    request,
    session,
)
from flask_login import current_user, login_url, login_user, logout_user
from sqlalchemy import update
from werkzeug.wrappers import Response

from helpdesk.extensions import db, login_manager
from helpdesk.models import User, UserSession
from helpdesk.models.types import utcnow
from helpdesk.unit_of_work import commit_even_if_refused

# last_seen_at is written at most this often, not on every request.
TOUCH_EVERY = timedelta(minutes=1)
TIMED_OUT = "Your session timed out. Please sign in again."
# A browser's own random id, kept across sign-ins: who shares a device (evidence.training).
DEVICE_COOKIE = "helpdesk_device"
DEVICE_DAYS = 400


def start_session(user: User, user_agent: str = "", device: str | None = None) -> UserSession:
    """Open a new server-side session for this user and attach it to them for login."""
    row = UserSession(
        id=secrets.token_urlsafe(32), user_id=user.id, user_agent=user_agent[:255], device=device
    )
    db.session.add(row)
    db.session.flush()
    user.__dict__["login_session_id"] = row.id
    return row


def end_session(session_id: str | None) -> None:
    """Mark one session ended (logout)."""
    if not session_id:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_all_sessions(user: User) -> None:
    """End every session of this user; the caller commits."""
    user.session_generation += 1
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def current_session_id(user: object) -> str | None:
    return getattr(user, "__dict__", {}).get("login_session_id")


def _expired(user: User, row: UserSession) -> bool:
    if not user.is_staff:
        return False
    now = utcnow()
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    absolute = timedelta(hours=current_app.config["STAFF_ABSOLUTE_HOURS"])
    return now - row.last_seen_at > idle or now - row.created_at > absolute


def load_user(session_id: str) -> User | None:
    """Return the user whose cookie names an open session of their current generation."""
    user_id, generation, sid = (session_id.split(":") + ["", ""])[:3]
    if not user_id.isdigit() or not generation.isdigit() or not sid:
        return None
    row = db.session.get(UserSession, sid)
    if row is None or row.user_id != int(user_id) or row.ended_at is not None:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_generation != int(generation) or not user.active:
        return None
    if _expired(user, row):
        row.ended_at = utcnow()
        # Before the view runs: the timeout stands whatever the request's answer.
        commit_even_if_refused()
        g.session_timed_out = True
        if has_request_context() and not request.headers.get("HX-Request"):
            flash(TIMED_OUT, "info")
        return None
    if utcnow() - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = utcnow()
        # Before the view runs: activity counts even when the request is refused.
        commit_even_if_refused()
    user.__dict__["login_session_id"] = sid
    return user


def load_user_early() -> None:
    """Load the user before the view runs, so timeouts apply and touches commit alone."""
    g.pop("session_timed_out", None)
    if request.endpoint != "static":
        _ = current_user.is_authenticated


def unauthorized() -> Response:
    """Send people to sign in; an htmx swap gets a 401 to show instead of a page."""
    if request.headers.get("HX-Request"):
        abort(401)
    if not g.pop("session_timed_out", False):
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url("auth.login", request.url))


def _device() -> str:
    """The hash of this browser's device cookie, set (for ``DEVICE_DAYS``) if it had none."""
    token = request.cookies.get(DEVICE_COOKIE, "")
    if not (20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()):
        token = secrets.token_urlsafe(24)

        @after_this_request
        def _remember(response: Response) -> Response:
            response.set_cookie(
                DEVICE_COOKIE,
                token,
                max_age=DEVICE_DAYS * 86400,
                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                httponly=True,
                samesite="Lax",
            )
            return response

    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(user: User) -> None:
    """Start a fresh session for this user: old session data goes (no fixation)."""
    session.clear()
    start_session(user, request.user_agent.string or "", _device())
    login_user(user)


def sign_out() -> None:
    """End the current session on the server and forget the cookie's contents."""
    if current_user.is_authenticated:
        end_session(current_session_id(current_user))
    logout_user()
    session.clear()
