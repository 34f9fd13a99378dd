"""Problem management: repeats grouped into problem records, and the team feedback feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.domain import ApprovalState, ProblemStatus
from helpdesk.extensions import Model
from helpdesk.idempotency import Idempotent
from helpdesk.models.ticket import Category, Ticket
from helpdesk.models.types import UTCDateTime, utcnow
from helpdesk.models.user import User

# The supervisors alerted about repeats in a category (all supervisors when none is set).
category_supervisors = Table(
    "category_supervisors",
    Model.metadata,
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class ProblemRecord(Idempotent, Model):
    """A group of repeated tickets with a root cause, candidate solutions and monitoring."""

    __tablename__ = "problem_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # open → solution_chosen → approved → live (monitoring) → closed
    status: Mapped[str] = mapped_column(String(20), default=ProblemStatus.OPEN)
    root_cause: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    solution_live_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str] = mapped_column(Text, default="")
    # How many linked tickets the last alert was sent at, so each threshold alerts once.
    alerted_at_count: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)

    category: Mapped[Category | None] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship()
    links: Mapped[list[ProblemLink]] = relationship(
        back_populates="problem", order_by="ProblemLink.id", cascade="all, delete-orphan"
    )
    solutions: Mapped[list[CandidateSolution]] = relationship(
        back_populates="problem", order_by="CandidateSolution.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[ProblemEvent]] = relationship(
        back_populates="problem", order_by="ProblemEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def reference(self) -> str:
        return f"P-{self.id:05d}"

    @property
    def chosen_solution(self) -> CandidateSolution | None:
        return next((s for s in self.solutions if s.chosen), None)

    @property
    def is_open(self) -> bool:
        return self.status != ProblemStatus.CLOSED

    @property
    def is_closed(self) -> bool:
        return self.status == ProblemStatus.CLOSED

    @property
    def is_new(self) -> bool:
        """Open with no solution chosen yet."""
        return self.status == ProblemStatus.OPEN

    @property
    def is_editable(self) -> bool:
        """Solutions may still be added or chosen (nothing approved yet)."""
        return self.status in (ProblemStatus.OPEN, ProblemStatus.SOLUTION_CHOSEN)

    @property
    def is_solution_chosen(self) -> bool:
        return self.status == ProblemStatus.SOLUTION_CHOSEN

    @property
    def is_approved(self) -> bool:
        return self.status == ProblemStatus.APPROVED


class ProblemLink(Model):
    """A ticket belongs to at most one problem record."""

    __tablename__ = "problem_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(
        ForeignKey("problem_records.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), unique=True
    )
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    problem: Mapped[ProblemRecord] = relationship(back_populates="links")
    ticket: Mapped[Ticket] = relationship()


class CandidateSolution(Idempotent, Model):
    """A way to stop the repeats, weighed for customers and for the organisation."""

    __tablename__ = "candidate_solutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(
        ForeignKey("problem_records.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    description: Mapped[str] = mapped_column(Text)
    cost_minor: Mapped[int] = mapped_column(default=0)
    pros_customer: Mapped[str] = mapped_column(Text, default="")
    cons_customer: Mapped[str] = mapped_column(Text, default="")
    pros_org: Mapped[str] = mapped_column(Text, default="")
    cons_org: Mapped[str] = mapped_column(Text, default="")
    chosen: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    problem: Mapped[ProblemRecord] = relationship(back_populates="solutions")
    created_by: Mapped[User] = relationship()
    approvals: Mapped[list[ProblemApproval]] = relationship(
        back_populates="solution", order_by="ProblemApproval.id", lazy="selectin"
    )


class ProblemApproval(Model):
    """A decision maker's approval of a chosen solution (limits of authority apply)."""

    __tablename__ = "problem_approvals"
    __table_args__ = (Index("ix_problem_approvals_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    solution_id: Mapped[int] = mapped_column(
        ForeignKey("candidate_solutions.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cost_minor: Mapped[int]
    state: Mapped[str] = mapped_column(String(12), default=ApprovalState.PENDING)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    solution: Mapped[CandidateSolution] = relationship(back_populates="approvals")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_pending(self) -> bool:
        return self.state == ApprovalState.PENDING

    @property
    def is_approved(self) -> bool:
        return self.state == ApprovalState.APPROVED

    @property
    def is_refused(self) -> bool:
        return self.state == ApprovalState.REFUSED

    @property
    def is_void(self) -> bool:
        return self.state == ApprovalState.VOID

    @property
    def is_decided(self) -> bool:
        return self.state in (ApprovalState.APPROVED, ApprovalState.REFUSED)


class ProblemEvent(Idempotent, Model):
    """The problem record's own append-only history."""

    __tablename__ = "problem_events"
    __table_args__ = (Index("ix_problem_events_problem_id_id", "problem_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem_records.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    problem: Mapped[ProblemRecord] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")


class FeedPost(Model):
    """Customer feedback shared with the team, to spot problems early."""

    __tablename__ = "feed_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    quote: Mapped[str] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text, default="")
    tag: Mapped[str] = mapped_column(String(40), index=True)
    # What the post became, when someone turned it into something.
    proactive_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problem_records.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    author: Mapped[User] = relationship(lazy="joined")
    ticket: Mapped[Ticket | None] = relationship(foreign_keys=[ticket_id])
    reactions: Mapped[list[FeedReaction]] = relationship(
        back_populates="post", lazy="selectin", cascade="all, delete-orphan"
    )


class FeedReaction(Model):
    __tablename__ = "feed_reactions"
    __table_args__ = (UniqueConstraint("post_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("feed_posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[FeedPost] = relationship(back_populates="reactions")


class Setting(Model):
    """Admin-set numbers (thresholds, periods); code defaults apply until one is saved."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
