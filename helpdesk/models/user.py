"""People: customers and staff, with their roles and limit of authority."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.domain import STAFF_ROLES, Role
from helpdesk.extensions import Model
from helpdesk.idempotency import Idempotent
from helpdesk.models.types import UTCDateTime, utcnow


class User(UserMixin, Idempotent, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Customers may be another department of the same organisation.
    is_internal_customer: Mapped[bool] = mapped_column(default=False)
    # A customer account kept for practice: tickets it raises are training tickets.
    is_training_account: Mapped[bool] = mapped_column(default=False, server_default=false())
    department: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    # Limit of authority in minor units (pence): the most this person may offer alone.
    authority_limit_minor: Mapped[int] = mapped_column(default=0)
    can_approve_exceptions: Mapped[bool] = mapped_column(default=False)
    # Bumped to end every session of this user (logout everywhere, disable, password change).
    session_generation: Mapped[int] = mapped_column(default=0)
    # TOTP two-factor: a secret alone is a set-up in progress; enabled_at turns it on.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last 30-second step a code was accepted for, so no code works twice.
    totp_last_step: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def get_id(self) -> str:
        # "user:generation:session": the server-side session this object was loaded for.
        sid = self.__dict__.get("login_session_id") or ""
        return f"{self.id}:{self.session_generation}:{sid}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names & set(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.role_names & STAFF_ROLES)

    @property
    def is_customer(self) -> bool:
        return Role.CUSTOMER in self.role_names

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name

    @property
    def two_factor_on(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    def set_roles(self, roles: set[str]) -> None:
        keep = [r for r in self.roles if r.role in roles]
        have = {r.role for r in keep}
        self.roles = keep + [UserRole(role=r) for r in sorted(roles - have)]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(Model):
    __tablename__ = "user_roles"
    # (role, user_id) lets "all active agents and supervisors" read just those rows.
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        Index("ix_user_roles_role_user_id", "role", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="roles")


class UserSession(Model):
    """One sign-in: ended on logout, timeout or when every session of the user ends."""

    __tablename__ = "user_sessions"

    # A random id, also carried (signed) in the session cookie.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    # A hash of the browser's long-lived device cookie: who shares a device (training.py).
    device: Mapped[str | None] = mapped_column(String(64), index=True)
