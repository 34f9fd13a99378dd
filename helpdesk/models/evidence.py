"""Learner mode: who is assessed against what, and the evidence their work produces."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.domain import CodeKind, EvidenceStatus
from helpdesk.extensions import Model
from helpdesk.idempotency import Idempotent
from helpdesk.models.problem import ProblemEvent
from helpdesk.models.ticket import Ticket, TicketEvent
from helpdesk.models.types import UTCDateTime, utcnow
from helpdesk.models.user import User

learner_assessors = Table(
    "learner_assessors",
    Model.metadata,
    Column("learner_id", ForeignKey("learner_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("assessor_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class LearnerProfile(Model):
    """A staff member in learner mode, the framework they are assessed against."""

    __tablename__ = "learner_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    framework: Mapped[str] = mapped_column(String(8), default="A")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The framework rule version they are assessed against; empty: the one in force at
    # started_at. Changed only by an assessor moving them on (evidence.rule_versions).
    rule_version: Mapped[int | None]

    user: Mapped[User] = relationship(lazy="joined")
    assessors: Mapped[list[User]] = relationship(secondary=learner_assessors, lazy="selectin")


class FrameworkRule(Model):
    """Admin-set overrides of a framework's must-observe PCs and sufficiency rule."""

    __tablename__ = "framework_rules"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    must_observe: Mapped[list[str]] = mapped_column(JSON, default=list)
    tickets_per_pc: Mapped[int | None]
    min_days: Mapped[int | None]
    # Evidence methods that count for PCs (empty: every method); version: the newest
    # FrameworkRuleVersion's number (1 before any versioned change).
    methods: Mapped[list[str] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class FrameworkRuleVersion(Model):
    """One framework rule as it stood from ``changed_at``: a row per change, never edited,
    so a learner enrolled (or a unit signed off) under it keeps being judged by it."""

    __tablename__ = "framework_rule_versions"
    __table_args__ = (UniqueConstraint("framework", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework: Mapped[str] = mapped_column(String(8))
    number: Mapped[int]
    must_observe: Mapped[list[str]] = mapped_column(JSON, default=list)
    methods: Mapped[list[str]] = mapped_column(JSON, default=list)
    tickets_per_pc: Mapped[int]
    min_days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by: Mapped[User | None] = relationship()


class EvidenceRecord(Model):
    """One piece of evidence: kept in place (it points at the live ticket event)."""

    __tablename__ = "evidence_records"
    __table_args__ = (
        Index("ix_evidence_records_learner_id_id", "learner_id", "id"),
        Index("ix_evidence_records_learner_id_status", "learner_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    framework: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(40))
    # O, PD, Q, WP, WT, Oth (the assessment method key of the unit's evidence log)
    method: Mapped[str] = mapped_column(String(4), default="WP")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    # Evidence kept in place: it points at the live event it came from.
    ticket_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_events.id", ondelete="SET NULL"), index=True
    )
    problem_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("problem_events.id", ondelete="SET NULL"), index=True
    )
    summary: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    # pending → accepted | rejected; decided records are immutable (a re-decision is new).
    status: Mapped[str] = mapped_column(String(10), default=EvidenceStatus.PENDING)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessor_initials: Mapped[str] = mapped_column(String(8), default="")
    feedback: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_records.id"))
    # Demo and training tickets: shown greyed, never counted.
    is_simulated: Mapped[bool] = mapped_column(default=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    ticket: Mapped[Ticket | None] = relationship()
    ticket_event: Mapped[TicketEvent | None] = relationship()
    problem_event: Mapped[ProblemEvent | None] = relationship()
    codes: Mapped[list[EvidenceCode]] = relationship(
        back_populates="evidence", lazy="selectin", cascade="all, delete-orphan"
    )
    testimony: Mapped[WitnessTestimony | None] = relationship(
        back_populates="evidence", lazy="selectin"
    )

    @property
    def live_codes(self) -> list[EvidenceCode]:
        return [c for c in self.codes if c.untagged_at is None]

    @property
    def decided(self) -> bool:
        return self.status != EvidenceStatus.PENDING

    @property
    def is_pending(self) -> bool:
        return self.status == EvidenceStatus.PENDING

    @property
    def is_accepted(self) -> bool:
        return self.status == EvidenceStatus.ACCEPTED

    @property
    def is_rejected(self) -> bool:
        return self.status == EvidenceStatus.REJECTED


class EvidenceCode(Model):
    """A criterion an evidence record speaks to; untagging keeps the row (history)."""

    __tablename__ = "evidence_codes"
    __table_args__ = (UniqueConstraint("evidence_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_records.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(16))
    # pc, knowledge (inferred: supporting only) or scope
    kind: Mapped[str] = mapped_column(String(10), default=CodeKind.PC)
    untagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    untag_reason: Mapped[str] = mapped_column(Text, default="")

    evidence: Mapped[EvidenceRecord] = relationship(back_populates="codes")

    @property
    def is_pc(self) -> bool:
        return self.kind == CodeKind.PC

    @property
    def is_knowledge(self) -> bool:
        return self.kind == CodeKind.KNOWLEDGE

    @property
    def is_scope(self) -> bool:
        return self.kind == CodeKind.SCOPE


class WitnessTestimony(Model):
    """A customer's consented statement: what makes testimony acceptable, kept together."""

    __tablename__ = "witness_testimonies"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_records.id", ondelete="CASCADE"), unique=True
    )
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    witness_name: Mapped[str] = mapped_column(String(120))
    relationship_to_learner: Mapped[str] = mapped_column(String(60), default="Customer")
    contact: Mapped[str] = mapped_column(String(200), default="")
    statement: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evidence: Mapped[EvidenceRecord] = relationship(back_populates="testimony")


class ReflectiveAccount(Idempotent, Model):
    """The learner's own account in STAR form, linked to tickets and criteria."""

    __tablename__ = "reflective_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    situation: Mapped[str] = mapped_column(Text)
    task: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text)
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket | None] = relationship()
