"""People's accounts: who they are, their roles and limits of authority."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from helpdesk.admin.errors import AdminError
from helpdesk.audit import audit
from helpdesk.auth.services import AccountError, create_user
from helpdesk.domain import AuditAction, Role
from helpdesk.extensions import db
from helpdesk.idempotency import first_made
from helpdesk.models import (
    User,
    UserRole,
)
from helpdesk.money import MAX_AMOUNT_MINOR, format_pounds

USERS_PAGE_SIZE = 50
ALL_ROLES = frozenset(r.value for r in Role)


@dataclass
class UserPage:
    users: list[User]
    next_after: int | None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def list_users(
    *, role: str = "", q: str = "", after: int | None = None, page_size: int = USERS_PAGE_SIZE
) -> UserPage:
    """One page of accounts in id order, continuing after the id ``after`` (keyset)."""
    stmt = select(User).order_by(User.id).limit(page_size + 1)
    if role in ALL_ROLES:
        stmt = stmt.where(exists().where(UserRole.user_id == User.id, UserRole.role == role))
    if q.strip():
        pattern = _like(q.strip())
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    if after is not None:
        stmt = stmt.where(User.id > after)
    users = list(db.session.scalars(stmt))
    more = len(users) > page_size
    users = users[:page_size]
    return UserPage(users=users, next_after=users[-1].id if more and users else None)


def _check_limit(authority_limit_minor: int) -> None:
    if authority_limit_minor < 0:
        raise AdminError("The limit cannot be negative.", "authority_limit")
    if authority_limit_minor > MAX_AMOUNT_MINOR:
        raise AdminError(
            f"That is more than {format_pounds(MAX_AMOUNT_MINOR)}: check the amount.",
            "authority_limit",
        )


def _check_roles(roles: set[str]) -> None:
    if not roles:
        raise AdminError("Choose at least one role.", "roles")
    unknown = roles - ALL_ROLES
    if unknown:
        raise AdminError(f"Unknown role: {', '.join(sorted(unknown))}.", "roles")


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise AdminError("Give the person's name.", "name")
    return name


def create_account(
    *,
    name: str,
    email: str,
    roles: set[str],
    password: str | None = None,
    authority_limit_minor: int = 0,
    can_approve_exceptions: bool = False,
    idempotency_key: str | None = None,
) -> User:
    """Create a staff or customer account; a replayed form key returns the account the
    first post made, before any check (its email is taken by then).

    :raise AdminError: for a missing name, no or unknown roles, a taken email, a short
        password or a limit below zero or over the most allowed.
    """
    if (first := first_made(User, idempotency_key)) is not None:
        return first
    name = _check_name(name)
    _check_roles(roles)
    _check_limit(authority_limit_minor)
    try:
        return create_user(
            email=email,
            name=name,
            roles=roles,
            password=password or None,
            authority_limit_minor=authority_limit_minor,
            can_approve_exceptions=can_approve_exceptions,
            idempotency_key=idempotency_key,
        )
    except (AccountError, IntegrityError) as exc:
        db.session.rollback()
        # A replay racing the first post finds its email taken, or its key at commit.
        if (first := first_made(User, idempotency_key)) is not None:
            return first
        if isinstance(exc, AccountError):
            raise AdminError(exc.message, exc.field) from exc
        # The same email created a moment ago elsewhere.
        raise AdminError("An account with that email already exists.", "email") from exc


def update_account(
    user: User,
    *,
    acting: User,
    name: str,
    roles: set[str],
    authority_limit_minor: int,
    can_approve_exceptions: bool,
    active: bool,
) -> bool:
    """Change an account; return True when its sessions were ended.

    Disabling the account or changing its roles bumps its session generation, so
    every signed-in session of that person ends at their next request.

    :raise AdminError: for the rules of :func:`create_account`, and when an admin
        would remove their own admin role or disable their own account.
    """
    name = _check_name(name)
    _check_roles(roles)
    _check_limit(authority_limit_minor)
    if user.id == acting.id and Role.ADMIN not in roles:
        raise AdminError(
            "You cannot remove your own admin role. Ask another admin to do it.", "roles"
        )
    if user.id == acting.id and not active:
        raise AdminError(
            "You cannot disable your own account. Ask another admin to do it.", "active"
        )
    end_sessions = roles != user.role_names or (user.active and not active)
    _audit_account_changes(
        user,
        acting,
        roles=set(roles),
        limit=authority_limit_minor,
        exceptions=can_approve_exceptions,
        active=active,
    )
    user.name = name
    user.set_roles(set(roles))
    user.authority_limit_minor = authority_limit_minor
    user.can_approve_exceptions = can_approve_exceptions
    user.active = active
    if end_sessions:
        user.session_generation += 1
    db.session.flush()
    return end_sessions


def set_training_account(user: User, acting: User, training: bool) -> bool:
    """Mark a customer account as kept for practice (its tickets never count as a
    learner's evidence), or as a real customer again; audited. Returns whether it changed.

    :raise AdminError: for an account that is not a customer's.
    """
    if not user.is_customer or user.is_staff:
        raise AdminError("Only a customer account can be a training account.", "training")
    if user.is_training_account == training:
        return False
    audit(
        AuditAction.TRAINING_ACCOUNT_CHANGED,
        acting,
        user,
        before=user.is_training_account,
        after=training,
    )
    user.is_training_account = training
    db.session.flush()
    return True


def _audit_account_changes(
    user: User, acting: User, *, roles: set[str], limit: int, exceptions: bool, active: bool
) -> None:
    # Before the change is applied: each entry says what was and what is now.
    if roles != user.role_names:
        audit(
            AuditAction.ROLES_CHANGED,
            acting,
            user,
            before=sorted(user.role_names),
            after=sorted(roles),
        )
    if limit != user.authority_limit_minor or exceptions != user.can_approve_exceptions:
        audit(
            AuditAction.LIMIT_CHANGED,
            acting,
            user,
            before={
                "limit_minor": user.authority_limit_minor,
                "exceptions": user.can_approve_exceptions,
            },
            after={"limit_minor": limit, "exceptions": exceptions},
        )
    if active != user.active:
        audit(AuditAction.ACCOUNT_ENABLED if active else AuditAction.ACCOUNT_DISABLED, acting, user)
