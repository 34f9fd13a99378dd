"""Tickets, their append-only events, and their attachments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.domain import CLOSED_STATUSES, Priority, Status
from helpdesk.extensions import Model
from helpdesk.idempotency import Idempotent
from helpdesk.models.types import UTCDateTime, utcnow
from helpdesk.models.user import User


class Category(Idempotent, Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Category {self.name}>"


class Ticket(Model):
    __tablename__ = "tickets"
    # Every queue filter and sort has an index ending in id, so keyset paging stays cheap.
    __table_args__ = (
        Index("ix_tickets_status_id", "status", "id"),
        Index("ix_tickets_assignee_id_id", "assignee_id", "id"),
        Index("ix_tickets_category_id_id", "category_id", "id"),
        Index("ix_tickets_priority_id", "priority", "id"),
        Index("ix_tickets_channel_id", "channel", "id"),
        Index("ix_tickets_origin_id", "origin", "id"),
        Index("ix_tickets_customer_id_id", "customer_id", "id"),
        Index("ix_tickets_updated_at_id", "updated_at", "id"),
        Index("ix_tickets_sla_due_at_id", "sla_due_at", "id"),
        Index("ix_tickets_reopened_at", "reopened_at"),
        Index("ix_tickets_possible_repeat_id", "possible_repeat", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    # Proactive reports may have no customer yet.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(24), default=Status.NEW)
    priority: Mapped[int] = mapped_column(default=Priority.NORMAL)
    channel: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(16))
    cause: Mapped[str | None] = mapped_column(String(16))
    order_ref: Mapped[str | None] = mapped_column(String(60))
    # Set when it arrived very like several open tickets: the queue offers to link it.
    possible_repeat: Mapped[bool] = mapped_column(default=False)
    # Demo and training tickets: shown, never counted as real evidence.
    is_simulated: Mapped[bool] = mapped_column(default=False)
    # Flagged by staff as training or role play (TrainingKind): its evidence never counts.
    training_kind: Mapped[str | None] = mapped_column(String(16))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The update clock's start: the last public staff update, or the end of a pause
    # (the customer answered or reopened it; see workflow.transition).
    last_public_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the customer says "not solved"; the agent's queue shows these first.
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who holds it after an escalation: a specialist team's name, or a person's.
    escalated_to: Mapped[str | None] = mapped_column(String(160))
    # SLA clocks, kept on the row so the queue can sort by breach risk with an index.
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    category: Mapped[Category | None] = relationship(lazy="joined")
    customer: Mapped[User | None] = relationship(foreign_keys=[customer_id], lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="ticket", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    # The ORM adds "AND version = ?" to every UPDATE: a concurrent writer cannot be lost.
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def is_new(self) -> bool:
        return self.status == Status.NEW

    @property
    def is_awaiting_customer(self) -> bool:
        return self.status == Status.AWAITING_CUSTOMER

    @property
    def is_resolved(self) -> bool:
        """Resolved and waiting for the customer's confirmation."""
        return self.status == Status.RESOLVED

    @property
    def is_resolvable(self) -> bool:
        """Acknowledged, or the agreed option under way: resolve() accepts it."""
        return self.status in (Status.ACKNOWLEDGED, Status.AGREED, Status.IN_PROGRESS)

    @property
    def reference(self) -> str:
        return f"T-{self.id:06d}"

    def __repr__(self) -> str:
        return f"<Ticket {self.id} {self.status}>"


class TicketEvent(Model):
    """One entry of a ticket's timeline. Rows are only ever added, never edited."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    is_public: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")
    # Loaded with the events in one query, so a long timeline is not N+1.
    attachments: Mapped[list[Attachment]] = relationship(back_populates="event", lazy="selectin")

    def __repr__(self) -> str:
        return f"<TicketEvent {self.id} {self.kind}>"


class Attachment(Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_events.id"), index=True)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")
    event: Mapped[TicketEvent | None] = relationship(back_populates="attachments")

    @property
    def is_public(self) -> bool:
        return self.event is None or self.event.is_public
