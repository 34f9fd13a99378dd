"""Build assessed learners quickly through the assessor's real services (assessor tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine

from helpdesk.evidence.assessment import (
    confirm_observation,
    record_knowledge,
    record_observation,
)
from helpdesk.evidence.observations import coverable
from helpdesk.frameworks import catalogue
from helpdesk.models import Observation, Ticket, User
from helpdesk.unit_of_work import unit_of_work
from tests.portfolio import acknowledged_ticket

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@unit_of_work()  # a builder: what it made is committed, as a request would
def observe(
    assessor: User,
    learner: User,
    tickets: list[Ticket],
    codes: list[str],
    *,
    at: datetime | None = None,
    judgement: str = "met",
    cover: tuple[str, ...] = (),
    confirm: bool = True,
    comments: str = "Calm, clear and kind throughout.",
) -> Observation:
    """An observation of ``codes`` on ``tickets``, confirmed by both unless told not to."""
    observation = record_observation(
        assessor,
        learner,
        observed_on=at or datetime.now(UTC),
        place="Phone line",
        activity="Handled a customer's problem from first call to agreed fix.",
        tickets=tickets,
        codes=codes,
        cover=cover,
        judgement=judgement,
        comments=comments,
    )
    if confirm:
        confirm_observation(observation, assessor)
        confirm_observation(observation, learner, "I explained the options slowly.")
    return observation


@unit_of_work()
def everything(assessor: User, learner: User, customer: User, framework: str = "B") -> Any:
    """Every rule of the framework met: three observations of every PC and every item to
    cover, on three tickets 0, 7 and 14 days apart, and questioning on all knowledge."""
    fw = catalogue().frameworks[framework]
    pcs = [p.code for p in fw.pcs]
    cover = tuple(c.code for c in coverable(fw))
    tickets = []
    for offset in (0, 7, 14):
        at = T0 + timedelta(days=offset)
        ticket = acknowledged_ticket(learner, customer, at=at)
        with time_machine.travel(at + timedelta(hours=1), tick=False):
            observe(assessor, learner, [ticket], pcs, at=at, cover=cover)
        tickets.append(ticket)
    record_knowledge(
        assessor,
        learner,
        "Q",
        [k.code for k in fw.knowledge],
        "How do you defuse a stressful call? What can you offer alone?",
        "Listen, restate, stay calm; within my limit of authority, otherwise ask.",
        "met",
    )
    return tickets
