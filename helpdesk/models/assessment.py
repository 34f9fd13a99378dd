"""The assessor's side: observations, knowledge evidence, sign-off, and quality assurance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.domain import Judgement, KnowledgeOutcome
from helpdesk.extensions import Model
from helpdesk.idempotency import Idempotent
from helpdesk.models.ticket import Ticket, TicketEvent
from helpdesk.models.types import UTCDateTime, utcnow
from helpdesk.models.user import User

observation_tickets = Table(
    "observation_tickets",
    Model.metadata,
    Column("observation_id", ForeignKey("observations.id", ondelete="CASCADE"), primary_key=True),
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
)


class Observation(Idempotent, Model):
    """An assessor's record of watching the learner's live work; both confirm it."""

    __tablename__ = "observations"
    __table_args__ = (Index("ix_observations_learner_id_id", "learner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    framework: Mapped[str] = mapped_column(String(8))
    observed_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    place: Mapped[str] = mapped_column(String(120), default="")
    activity: Mapped[str] = mapped_column(Text, default="")
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # met / not_met: the assessor's judgement of the observed PCs
    judgement: Mapped[str] = mapped_column(String(10), default=Judgement.MET)
    comments: Mapped[str] = mapped_column(Text, default="")
    learner_comments: Mapped[str] = mapped_column(Text, default="")
    assessor_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    learner_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id])
    tickets: Mapped[list[Ticket]] = relationship(secondary=observation_tickets, lazy="selectin")
    pins: Mapped[list[ObservationPin]] = relationship(
        back_populates="observation",
        order_by="ObservationPin.id",
        lazy="selectin",
        cascade="all, delete-orphan",
    )

    @property
    def confirmed(self) -> bool:
        return self.assessor_confirmed_at is not None and self.learner_confirmed_at is not None

    @property
    def is_met(self) -> bool:
        return self.judgement == Judgement.MET


class ObservationPin(Idempotent, Model):
    """A comment pinned to one exact event of an observed ticket's timeline."""

    __tablename__ = "observation_pins"

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), index=True
    )
    ticket_event_id: Mapped[int] = mapped_column(ForeignKey("ticket_events.id", ondelete="CASCADE"))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    observation: Mapped[Observation] = relationship(back_populates="pins")
    ticket_event: Mapped[TicketEvent] = relationship()


class KnowledgeRecord(Idempotent, Model):
    """Knowledge evidence: questioning, professional discussion, or a written answer."""

    __tablename__ = "knowledge_records"
    __table_args__ = (Index("ix_knowledge_records_learner_id_id", "learner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    framework: Mapped[str] = mapped_column(String(8))
    # Q questioning, PD professional discussion, WR the learner's written answer
    method: Mapped[str] = mapped_column(String(4))
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    questions: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[str] = mapped_column(Text, default="")
    # pending (a written answer awaiting marking) / met / not_met
    outcome: Mapped[str] = mapped_column(String(10), default=KnowledgeOutcome.PENDING)
    feedback: Mapped[str] = mapped_column(Text, default="")
    assessor_initials: Mapped[str] = mapped_column(String(8), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])

    @property
    def is_pending(self) -> bool:
        """A written answer not marked yet."""
        return self.outcome == KnowledgeOutcome.PENDING

    @property
    def is_met(self) -> bool:
        return self.outcome == KnowledgeOutcome.MET


class SignOff(Model):
    """The unit signed off: both declarations and the date; one per learner and framework."""

    __tablename__ = "sign_offs"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    framework: Mapped[str] = mapped_column(String(8))
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    learner_declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assessor_declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The framework rule version the unit was signed off under (it is judged by it).
    rule_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])


class IqaSample(Idempotent, Model):
    """An internal quality assurer's sample of an assessor's decisions, kept as a snapshot."""

    __tablename__ = "iqa_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    iqa_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    iqa: Mapped[User] = relationship(foreign_keys=[iqa_id])
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id])
    items: Mapped[list[IqaSampleItem]] = relationship(
        back_populates="sample",
        order_by="IqaSampleItem.id",
        lazy="selectin",
        cascade="all, delete-orphan",
    )


class IqaSampleItem(Model):
    """One sampled decision as it stood, and the IQA's agreement with it."""

    __tablename__ = "iqa_sample_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(
        ForeignKey("iqa_samples.id", ondelete="CASCADE"), index=True
    )
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_records.id", ondelete="SET NULL")
    )
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # agree / disagree / None until looked at
    verdict: Mapped[str | None] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sample: Mapped[IqaSample] = relationship(back_populates="items")
