"""Resolving a problem: options, colleague confirmations, approvals and promises."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.domain import ApprovalState, ConfirmationState, OptionState, PromiseState
from helpdesk.extensions import Model
from helpdesk.models.ticket import Ticket
from helpdesk.models.types import UTCDateTime, utcnow
from helpdesk.models.user import User


class Option(Model):
    """One way to resolve the problem, weighed for the customer and the organisation."""

    __tablename__ = "options"
    __table_args__ = (
        CheckConstraint("cost_minor >= 0", name="cost_not_negative"),
        Index("ix_options_ticket_id_id", "ticket_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    description: Mapped[str] = mapped_column(Text)
    remedy_type: Mapped[str] = mapped_column(String(24))
    cost_minor: Mapped[int] = mapped_column(default=0)
    duration: Mapped[str] = mapped_column(String(120))
    within_policy: Mapped[bool] = mapped_column(default=True)
    pros_customer: Mapped[str] = mapped_column(Text, default="")
    cons_customer: Mapped[str] = mapped_column(Text, default="")
    pros_org: Mapped[str] = mapped_column(Text, default="")
    cons_org: Mapped[str] = mapped_column(Text, default="")
    recommended: Mapped[bool] = mapped_column(default=False)
    # draft → offered → agreed → implemented; or declined / withdrawn.
    state: Mapped[str] = mapped_column(String(16), default=OptionState.DRAFT)
    customer_comment: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    implemented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    created_by: Mapped[User] = relationship()
    approvals: Mapped[list[Approval]] = relationship(
        back_populates="option", order_by="Approval.id", lazy="selectin"
    )
    confirmations: Mapped[list[Confirmation]] = relationship(
        back_populates="option", order_by="Confirmation.id", lazy="selectin"
    )

    @property
    def editable(self) -> bool:
        return self.state == OptionState.DRAFT

    @property
    def is_draft(self) -> bool:
        return self.state == OptionState.DRAFT

    @property
    def is_offered(self) -> bool:
        return self.state == OptionState.OFFERED

    @property
    def is_agreed(self) -> bool:
        return self.state == OptionState.AGREED

    @property
    def is_implemented(self) -> bool:
        return self.state == OptionState.IMPLEMENTED

    @property
    def is_set_aside(self) -> bool:
        """Declined by the customer or withdrawn when another option was agreed."""
        return self.state in (OptionState.DECLINED, OptionState.WITHDRAWN)

    @property
    def is_shown_to_customer(self) -> bool:
        """Offered, agreed or implemented: the customer has seen it."""
        return self.state in (OptionState.OFFERED, OptionState.AGREED, OptionState.IMPLEMENTED)

    @property
    def current_approval(self) -> Approval | None:
        live = [a for a in self.approvals if a.is_pending or a.is_approved]
        return live[-1] if live else None

    @property
    def has_both_sides(self) -> bool:
        """Pros and cons written for the customer and for the organisation."""
        return all(
            s.strip()
            for s in (self.pros_customer, self.cons_customer, self.pros_org, self.cons_org)
        )


class Confirmation(Model):
    """A colleague asked to confirm an option; they confirm or challenge it."""

    __tablename__ = "option_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("options.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    colleague_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default=ConfirmationState.PENDING)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    option: Mapped[Option] = relationship(back_populates="confirmations")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    colleague: Mapped[User] = relationship(foreign_keys=[colleague_id])

    @property
    def is_pending(self) -> bool:
        return self.state == ConfirmationState.PENDING


class Approval(Model):
    """A request to offer an option beyond the requester's authority."""

    __tablename__ = "approvals"
    __table_args__ = (Index("ix_approvals_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("options.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What was asked for: a later edit of the option voids the approval.
    cost_minor: Mapped[int]
    within_policy: Mapped[bool]
    # pending → approved | refused; approved/pending → void when the option changes.
    state: Mapped[str] = mapped_column(String(12), default=ApprovalState.PENDING)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    option: Mapped[Option] = relationship(back_populates="approvals")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_pending(self) -> bool:
        return self.state == ApprovalState.PENDING

    @property
    def is_approved(self) -> bool:
        return self.state == ApprovalState.APPROVED

    @property
    def is_decided(self) -> bool:
        return self.state in (ApprovalState.APPROVED, ApprovalState.REFUSED)

    @property
    def is_live(self) -> bool:
        """Pending or approved: it still speaks for the option (void and refused do not)."""
        return self.state in (ApprovalState.PENDING, ApprovalState.APPROVED)


class Promise(Model):
    """Something promised to the customer, with an owner and a due time."""

    __tablename__ = "promises"
    __table_args__ = (Index("ix_promises_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    description: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # open → kept | broken (with a reason told to the customer)
    state: Mapped[str] = mapped_column(String(8), default=PromiseState.OPEN)
    reason: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.state == PromiseState.OPEN

    @property
    def is_kept(self) -> bool:
        return self.state == PromiseState.KEPT

    @property
    def is_broken(self) -> bool:
        return self.state == PromiseState.BROKEN

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.is_open and self.due_at < (now or utcnow())


class SatisfactionResponse(Model):
    """The customer's answer to "is your problem solved?"."""

    __tablename__ = "satisfaction_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    solved: Mapped[bool]
    rating: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    # Asked when a learner handled the ticket: in the customer's own words.
    did_well: Mapped[str] = mapped_column(Text, default="")
    testimony_consent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SlaAlert(Model):
    """One alert per missed deadline; kept apart so alerting never bumps the ticket."""

    __tablename__ = "sla_alerts"
    __table_args__ = (UniqueConstraint("ticket_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SlaPolicy(Model):
    """The organisation's time parameters for one priority, in minutes."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[int] = mapped_column(unique=True)
    first_response_minutes: Mapped[int]
    update_interval_minutes: Mapped[int]
    resolution_minutes: Mapped[int]
