"""Build learners and their evidence through the real services (portfolio tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import time_machine
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Category, EvidenceRecord, LearnerProfile, Ticket, User
from helpdesk.models.types import utcnow
from helpdesk.tickets.services import acknowledge
from helpdesk.unit_of_work import unit_of_work
from tests import factories
from tests.resolving import ACK


@unit_of_work()  # a builder: what it made is committed, as a request would
def acknowledged_ticket(
    learner: User,
    customer: User | None,
    *,
    at: datetime | None = None,
    category: Category | None = None,
    **fields: Any,
) -> Ticket:
    """A ticket raised and acknowledged by the learner (1.1 evidence), at ``at`` if given."""

    def work() -> Ticket:
        creator = customer or learner
        ticket = factories.make_ticket(
            customer=customer, category=category, created_by=creator, **fields
        )
        acknowledge(ticket, learner, **ACK)
        return ticket

    if at is None:
        return work()
    with time_machine.travel(at, tick=False):
        return work()


def records(learner: User, action: str | None = None) -> list[EvidenceRecord]:
    stmt = select(EvidenceRecord).where(EvidenceRecord.learner_id == learner.id)
    if action is not None:
        stmt = stmt.where(EvidenceRecord.action == action)
    return list(db.session.scalars(stmt.order_by(EvidenceRecord.id)))


def decide(record: EvidenceRecord, status: str, initials: str = "AA") -> EvidenceRecord:
    """Stand in for the assessor's decision (its service comes with the assessor pages)."""
    record.status = status
    record.assessor_initials = initials
    record.decided_at = utcnow()
    db.session.commit()
    return record


def decide_all(learner: User, status: str = "accepted", action: str | None = None) -> None:
    for record in records(learner, action):
        decide(record, status)


def profile_of(user: User) -> LearnerProfile:
    found = db.session.scalar(select(LearnerProfile).where(LearnerProfile.user_id == user.id))
    assert found is not None
    return found
