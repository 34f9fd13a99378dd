"""The audit log: who did what to whom, from where. Rows are only ever added."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import Model
from helpdesk.models.types import UTCDateTime, utcnow
from helpdesk.models.user import User


class AuditEntry(Model):
    __tablename__ = "audit_entries"
    # Newest first, optionally for one action or one actor: the admin page's filters.
    __table_args__ = (
        Index("ix_audit_entries_at_id", "at", "id"),
        Index("ix_audit_entries_action_at", "action", "at"),
        Index("ix_audit_entries_actor_id_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # People are pseudonymised, never deleted, so the id always leads to a row.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None]
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action}>"
