"""Simulated problem records: the repeats of one story grouped, weighed, approved, fixed.

Played after every ticket, through the services staff use on the problem pages. Each
record links tickets only after their own last event, so every timeline stays in order;
the record with the oldest repeats has had the time to go furthest (to closed, after
its solution was monitored), the newest is still open.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from helpdesk.demo import content
from helpdesk.demo.clock import current_clock, demo_clock
from helpdesk.demo.stories import Cast, Plan
from helpdesk.domain import ProblemStatus
from helpdesk.extensions import db
from helpdesk.models import CandidateSolution, ProblemRecord, Ticket, TicketEvent, User
from helpdesk.problems.monitoring import close, put_live
from helpdesk.problems.services import (
    create_problem,
    link_tickets,
    record_action,
    update_root_cause,
)
from helpdesk.problems.solutions import (
    SolutionData,
    add_solution,
    choose_solution,
    decide_approval,
    latest_approval,
    request_approval,
)
from helpdesk.settings import get_int
from helpdesk.unit_of_work import commit

P = ProblemStatus
# Oldest repeats first: the first record found goes all the way, the last stays open.
TARGETS = [P.CLOSED, P.LIVE, P.APPROVED, P.SOLUTION_CHOSEN, P.OPEN]


@dataclass
class Repeat:
    ticket: Ticket
    last: datetime  # when the ticket's own timeline last moved


@dataclass
class _Record:
    """One record's script: what happens when, and the rows it has made so far."""

    story: content.ProblemStory
    owner: User
    decider: User
    steps: list[tuple[datetime, Callable[[], object]]] = field(default_factory=list)
    problem: ProblemRecord | None = None
    solutions: list[CandidateSolution] = field(default_factory=list)

    @property
    def made(self) -> ProblemRecord:
        if self.problem is None:
            raise RuntimeError("The first step creates the record; this one came before it.")
        return self.problem


def build_problems(
    built: list[tuple[Plan, Ticket]], cast: Cast, rng: random.Random, now: datetime
) -> list[ProblemRecord]:
    """Problem records for the stories that repeated, each as far along as time allows."""
    found = []
    for story in content.PROBLEM_STORIES:
        repeats = _repeats(story, built)
        if len(repeats) >= 2:
            found.append((story, repeats))
    found.sort(key=lambda pair: pair[1][1].last)
    records: list[ProblemRecord] = []
    for (story, repeats), target in zip(found, TARGETS, strict=False):
        # The supervisor login can then decide the waiting approval and put one live.
        agent = cast.workers[0]
        owner = cast.supervisor if target in (P.LIVE, P.OPEN) else agent
        decider = cast.supervisor if owner is not cast.supervisor else cast.admin
        record = _Record(story, owner, decider)
        if _write(record, repeats, target, rng, now):
            records.append(_play(record))
    return records


def _repeats(story: content.ProblemStory, built: list[tuple[Plan, Ticket]]) -> list[Repeat]:
    """The story's customer tickets, the earliest finished first."""
    tickets = [
        ticket
        for plan, ticket in built
        if isinstance(plan.story, content.Story) and plan.story.subjects[0] == story.repeats_of
    ]
    if not tickets:
        return []
    last = dict(
        db.session.execute(
            select(TicketEvent.ticket_id, func.max(TicketEvent.created_at))
            .where(TicketEvent.ticket_id.in_([t.id for t in tickets]))
            .group_by(TicketEvent.ticket_id)
        ).all()
    )
    repeats = [Repeat(t, last[t.id]) for t in tickets]
    return sorted(repeats, key=lambda r: r.last)


def _write(
    record: _Record, repeats: list[Repeat], target: P, rng: random.Random, now: datetime
) -> bool:
    """Fill the record's steps; False when its repeats are too recent to tell the story."""
    start = repeats[1].last + timedelta(hours=rng.uniform(1, 6))
    end = now - timedelta(hours=rng.uniform(2, 12))
    if end - start < timedelta(days=1):
        return False
    opened_with = [r.ticket for r in repeats if r.last < start]
    record.steps.append((start, lambda: _open(record, opened_with)))
    moves = _moves(record, target, end - start)
    record.steps += [(start + (end - start) * share, move) for share, move in moves]
    # Repeats keep being linked as staff meet them; a closed record's stop once it is live.
    stop = end if target != P.CLOSED else start + (end - start) * LIVE_SHARE[P.CLOSED]
    for repeat in repeats:
        at = repeat.last + timedelta(hours=rng.uniform(1, 18))
        if repeat.last >= start and at < stop:
            record.steps.append((at, _linker(record, repeat.ticket)))
    record.steps.sort(key=lambda step: step[0])
    return True


# How far through the record's span its solution goes live: early for a closed record,
# so that it can be monitored for the full period before it closes.
LIVE_SHARE = {P.CLOSED: 0.13, P.LIVE: 0.3}


def _moves(record: _Record, target: P, span: timedelta) -> list[tuple[float, Callable[[], object]]]:
    """The record's own steps up to ``target``, each at a share of its span."""
    story, owner, decider = record.story, record.owner, record.decider
    moves: list[tuple[float, Callable[[], object]]] = [
        (0.02, lambda: update_root_cause(record.made, owner, story.root_cause)),
        (0.04, lambda: record_action(record.made, owner, story.action)),
        (0.06, lambda: _add_solution(record, story.solutions[0])),
    ]
    if target == P.OPEN:
        return [(share * 16, move) for share, move in moves]  # spread over the whole span
    moves += [
        (0.07, lambda: _add_solution(record, story.solutions[1])),
        (0.08, lambda: choose_solution(record.made, owner, record.solutions[0])),
        (0.09, lambda: request_approval(record.made, owner)),
    ]
    if target == P.SOLUTION_CHOSEN:
        # Refused first, so the cheaper solution is chosen and waits for its approval.
        return [
            *((share * 4, move) for share, move in moves),
            (0.55, lambda: _decide(record, approve=False)),
            (0.8, lambda: choose_solution(record.made, owner, record.solutions[1])),
            (1.0, lambda: request_approval(record.made, owner)),
        ]
    if target == P.APPROVED:
        return [*((share * 4, move) for share, move in moves), (1.0, lambda: _decide(record))]
    live = LIVE_SHARE[target]
    moves += [
        (live * 0.75, lambda: _decide(record)),
        (live, lambda: put_live(record.made, owner, story.live)),
    ]
    if target == P.CLOSED:
        monitored = span * (1 - live)
        early = monitored < timedelta(days=get_int("monitoring_days") + 1)
        reason = story.closed_early if early else ""
        moves.append((1.0, lambda: _close(record, decider, reason)))
    return moves


def _open(record: _Record, tickets: list[Ticket]) -> None:
    category_id = tickets[0].category_id
    record.problem = create_problem(
        record.owner, title=record.story.title, category_id=category_id, tickets=tickets
    )


def _linker(record: _Record, ticket: Ticket) -> Callable[[], object]:
    return lambda: link_tickets(record.made, record.owner, [ticket])


def _add_solution(record: _Record, solution: content.Solution) -> None:
    data = SolutionData(
        description=solution.description,
        cost_minor=solution.cost_minor,
        pros_customer=solution.pros_customer,
        cons_customer=solution.cons_customer,
        pros_org=solution.pros_org,
        cons_org=solution.cons_org,
    )
    record.solutions.append(add_solution(record.made, record.owner, data))


def _decide(record: _Record, *, approve: bool = True) -> None:
    approval = latest_approval(record.made)
    if approval is None:
        raise RuntimeError(f"{record.made.reference}: deciding before approval was asked.")
    reason = record.story.approved if approve else record.story.refused
    decide_approval(approval, record.decider, approve=approve, reason=reason)


def _close(record: _Record, actor: User, reason: str) -> None:
    """Close as of the demo's day: monitoring counts from the stored go-live time."""
    clock = current_clock()
    if clock is not None:
        clock.backdate_problem(record.made)
        db.session.flush()
    close(record.made, actor, reason)


def _play(record: _Record) -> ProblemRecord:
    with demo_clock() as clock:
        for at, step in record.steps:
            clock.set(at)
            step()
        for link in record.made.links:
            clock.backdate(link.ticket)
        clock.backdate_problem(record.made)
        commit()
    return record.made
