"""Write the audit log: one call per security-relevant action, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request
from flask_login import user_logged_in, user_logged_out
from sqlalchemy import func, select

from helpdesk.domain import AuditAction
from helpdesk.extensions import db
from helpdesk.models import AuditEntry, User
from helpdesk.unit_of_work import commit_even_if_refused

# Every action written, with the words the admin page shows.
ACTIONS: dict[str, str] = {
    AuditAction.LOGIN: "Signed in",
    AuditAction.LOGIN_FAILED: "Sign-in refused",
    AuditAction.LOGOUT: "Signed out",
    AuditAction.ROLES_CHANGED: "Roles changed",
    AuditAction.LIMIT_CHANGED: "Limit of authority changed",
    AuditAction.ACCOUNT_DISABLED: "Account disabled",
    AuditAction.ACCOUNT_ENABLED: "Account enabled",
    AuditAction.APPROVAL_DECIDED: "Approval decided",
    AuditAction.PROBLEM_APPROVAL_DECIDED: "Problem solution approval decided",
    AuditAction.DATA_EXPORTED: "Personal data downloaded",
    AuditAction.ACCOUNT_ERASED: "Personal data erased",
    AuditAction.TWO_FACTOR_ENABLED: "Two-factor sign-in turned on",
    AuditAction.TWO_FACTOR_DISABLED: "Two-factor sign-in turned off",
    AuditAction.TWO_FACTOR_RESET: "Two-factor sign-in reset by an admin",
    AuditAction.TWO_FACTOR_POLICY_CHANGED: "Two-factor requirement changed",
    AuditAction.UNDECLARED_FIELDS: "Undeclared form fields ignored",
    AuditAction.FRAMEWORK_RULE_CHANGED: "Framework rule changed (new version)",
    AuditAction.LEARNER_RULES_MOVED: "Learner moved on to newer framework rules",
    AuditAction.TICKET_TRAINING_FLAGGED: "Ticket flagged as training or role play",
    AuditAction.TRAINING_ACCOUNT_CHANGED: "Customer account marked or unmarked as training",
    AuditAction.SETTING_CHANGED: "Admin setting changed",
}


def _client_ip() -> str | None:
    # remote_addr is the proxy's address unless ProxyFix is configured in front.
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:45] or None


def audit(
    action: AuditAction, actor: User | None, target: Any = None, **details: Any
) -> AuditEntry:
    """Add an entry for ``action`` by ``actor`` on ``target`` (a model instance or None).

    The entry joins the current transaction: it is saved when the caller commits, and
    dropped with the change it describes if the caller rolls back. Never pass secrets.
    """
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None) if target is not None else None,
        ip=_client_ip(),
        details={k: v for k, v in details.items() if v is not None},
    )
    db.session.add(entry)
    return entry


def audit_failed_login(email: str) -> None:
    """Record a refused sign-in: the account tried (if any), never the password."""
    from helpdesk.auth.services import find_user_by_email

    user = find_user_by_email(email)
    # An unknown address is kept (truncated) to spot guessing; a known one is its id.
    audit(AuditAction.LOGIN_FAILED, None, user, email=None if user else email.strip()[:254])
    # The sign-in is answered 422, yet the audit must keep it to show guessing.
    commit_even_if_refused()


def _on_login(_app: Flask, user: User, **_extra: Any) -> None:
    audit(AuditAction.LOGIN, user, user)


def _on_logout(_app: Flask, user: User, **_extra: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        return
    audit(AuditAction.LOGOUT, user, user)


def init_audit(app: Flask) -> None:
    """Audit every sign-in and sign-out, whichever view starts or ends the session."""
    user_logged_in.connect(_on_login, app)
    user_logged_out.connect(_on_logout, app)


# --- Reading the log (the admin page) -------------------------------------------------

AUDIT_PAGE_SIZE = 50


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    next_before: int | None


def list_entries(
    *,
    action: str = "",
    actor_email: str = "",
    since: date | None = None,
    until: date | None = None,
    before: int | None = None,
    page_size: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """Newest first, filtered; ``before`` continues after the entry with that id (keyset).

    Ids only grow with time, so (at, id) order is id order and one id is the cursor.
    """
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(page_size + 1)
    if action in ACTIONS:
        stmt = stmt.where(AuditEntry.action == action)
    if actor_email.strip():
        stmt = stmt.join(User, AuditEntry.actor_id == User.id).where(
            func.lower(User.email) == actor_email.strip().lower()
        )
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= _start_of(since))
    if until is not None:
        stmt = stmt.where(AuditEntry.at < _start_of(until + timedelta(days=1)))
    if before is not None:
        stmt = stmt.where(AuditEntry.id < before)
    entries = list(db.session.scalars(stmt))
    more = len(entries) > page_size
    entries = entries[:page_size]
    return AuditPage(entries=entries, next_before=entries[-1].id if more and entries else None)


def _start_of(day: date) -> datetime:
    # Dates are typed in the organisation's zone; the log is stored in UTC.
    zone = ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "UTC"))
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
