"""Every demo ticket's status is one the services could have produced: its rows agree."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select

from helpdesk.domain import ConfirmationState, ProblemStatus, Status
from helpdesk.extensions import db
from helpdesk.models import (
    Approval,
    CandidateSolution,
    Confirmation,
    Option,
    ProblemApproval,
    ProblemRecord,
    Promise,
    SatisfactionResponse,
    Ticket,
    TicketEvent,
)
from helpdesk.models.evidence import WitnessTestimony
from helpdesk.models.types import utcnow
from helpdesk.settings import get_int
from tests.demo_data import demo  # noqa: F401 - the fixture: one demo load, copied per test

S = Status
P = ProblemStatus
T = TypeVar("T")
# Statuses a customer ticket reaches only by weighing options on its board.
VIA_OPTIONS = {S.OPTIONS, S.AWAITING_APPROVAL, S.AGREED, S.IN_PROGRESS}
AGREED_OR_LATER = {S.AGREED, S.IN_PROGRESS}
TICKS = timedelta(seconds=3)


def _by_ticket(rows: list[T], key: str) -> dict[int, list[T]]:
    grouped: dict[int, list[T]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


# Every test here reads the default demo (loaded once per session, copied per test).
pytestmark = pytest.mark.usefixtures("demo")


def test_every_demo_status_is_backed_by_the_rows_its_rules_need(app):
    events = _by_ticket(list(db.session.scalars(select(TicketEvent))), "ticket_id")
    options = _by_ticket(list(db.session.scalars(select(Option))), "ticket_id")
    promises = _by_ticket(list(db.session.scalars(select(Promise))), "ticket_id")
    answers = _by_ticket(list(db.session.scalars(select(SatisfactionResponse))), "ticket_id")
    approvals: dict[int, list[Approval]] = defaultdict(list)
    for approval in db.session.scalars(select(Approval)):
        approvals[approval.option.ticket_id].append(approval)

    for ticket in db.session.scalars(select(Ticket)):
        kinds = [e.kind for e in events[ticket.id]]
        _check_way_through_options(ticket, kinds, options[ticket.id], approvals[ticket.id])
        _check_board(ticket, kinds, options[ticket.id])
        _check_resolution(ticket, kinds, answers[ticket.id])
        _check_promises(ticket, kinds, promises[ticket.id])


def _check_way_through_options(
    ticket: Ticket, kinds: list[str], board: list[Option], approvals: list[Approval]
) -> None:
    ref, status = ticket.reference, Status(ticket.status)
    states = {o.state for o in board}
    if status != S.NEW:
        assert "acknowledged" in kinds and ticket.acknowledged_at is not None, ref
    if status in VIA_OPTIONS:
        assert board, ref
        assert any(o.has_both_sides for o in board), ref
    if status == S.AWAITING_APPROVAL:
        assert any(a.state == "pending" for a in approvals), ref
        assert "approval_requested" in kinds, ref
    else:
        assert not any(a.state == "pending" for a in approvals), ref
    if status in AGREED_OR_LATER:
        assert "agreed" in states or "implemented" in states, ref
        assert "option_agreed" in kinds, ref
    if status == S.IN_PROGRESS:
        assert "implemented" in states and "option_implemented" in kinds, ref


def _check_board(ticket: Ticket, kinds: list[str], board: list[Option]) -> None:
    ref = ticket.reference
    for option in board:
        if option.state in ("offered", "agreed", "implemented", "declined", "withdrawn"):
            assert "options_offered" in kinds and option.offered_at is not None, ref
        if option.state not in ("draft", "offered"):
            assert option.decided_at is not None or option.state == "withdrawn", ref
        if option.state in ("offered", "agreed", "implemented") and not option.within_policy:
            # No one offers an exception to policy without someone else's yes.
            assert any(a.state == "approved" for a in option.approvals), ref


def _check_resolution(
    ticket: Ticket, kinds: list[str], answers: list[SatisfactionResponse]
) -> None:
    ref, status = ticket.reference, Status(ticket.status)
    if status in (S.RESOLVED, S.CLOSED_SATISFIED, S.CLOSED_NO_RESPONSE):
        assert "resolution_check" in kinds and ticket.customer_id is not None, ref
    if status == S.CLOSED_SATISFIED:
        solved = [a for a in answers if a.solved]
        assert len(solved) == 1 and solved[0].rating is not None, ref
        assert "customer_confirmed" in kinds, ref
    else:
        assert not any(a.solved for a in answers), ref
    reopened = [a for a in answers if not a.solved]
    assert kinds.count("customer_reopened") == len(reopened), ref
    if status == S.CLOSED_NO_RESPONSE:
        assert "no_response" in kinds, ref
    if status == S.CLOSED_UNRESOLVED:
        assert "closed_unresolved" in kinds, ref
    if status == S.AWAITING_CUSTOMER:
        assert "question" in kinds, ref


def _check_promises(ticket: Ticket, kinds: list[str], promises: list[Promise]) -> None:
    ref = ticket.reference
    for promise in promises:
        assert "promise_made" in kinds, ref
        if promise.state == "kept":
            assert "promise_kept" in kinds and promise.closed_at is not None, ref
        if promise.state == "broken":
            assert "promise_broken" in kinds and promise.reason, ref


def test_every_colleague_answer_follows_its_request(app):
    """A colleague is asked first (by name, about one option), then confirms or challenges."""
    confirmations = list(db.session.scalars(select(Confirmation)))
    assert confirmations

    for confirmation in confirmations:
        option, colleague = confirmation.option, confirmation.colleague
        ref = option.ticket.reference
        events = sorted(option.ticket.events, key=lambda e: e.id)
        asked = [
            e
            for e in events
            if e.kind == "confirmation_requested"
            and e.data["option_id"] == option.id
            and e.data["colleague"] == colleague.name
            and e.actor_id == confirmation.requested_by_id
        ]
        answers = [
            e
            for e in events
            if e.kind in ("option_confirmed", "option_challenged")
            and e.data["option_id"] == option.id
            and e.actor_id == colleague.id
        ]
        assert asked, ref
        assert colleague.is_staff and colleague.id != confirmation.requested_by_id, ref
        if confirmation.state == ConfirmationState.PENDING:
            assert confirmation.decided_at is None and not answers, ref
            continue
        kind = "option_confirmed" if confirmation.state == "confirmed" else "option_challenged"
        assert [e.kind for e in answers] == [kind], ref
        assert asked[0].id < answers[0].id and asked[0].created_at <= answers[0].created_at, ref
        assert confirmation.decided_at is not None, ref
        assert confirmation.created_at <= confirmation.decided_at, ref
        if confirmation.state == ConfirmationState.CHALLENGED:
            assert confirmation.comment.strip(), ref


def test_every_problem_record_status_is_backed_by_the_rows_its_moves_need(app):
    records = list(db.session.scalars(select(ProblemRecord)))
    assert records
    monitoring = timedelta(days=get_int("monitoring_days"))

    for problem in records:
        ref, status = problem.reference, ProblemStatus(problem.status)
        kinds = [e.kind for e in problem.events]
        assert kinds[0] == "created", ref
        _check_repeats(problem)
        _check_approvals(problem, kinds)
        chosen = problem.chosen_solution
        approved = chosen is not None and any(a.state == "approved" for a in chosen.approvals)
        if status == P.OPEN:
            assert chosen is None and "solution_chosen" not in kinds, ref
        else:
            assert chosen is not None and len(problem.solutions) >= 2, ref
            assert all(_both_sides(s) for s in problem.solutions), ref
            assert _in_order(kinds, "solution_chosen", "approval_requested"), ref
        if status == P.SOLUTION_CHOSEN:
            assert not approved and problem.solution_live_at is None, ref
        if status in (P.APPROVED, P.LIVE, P.CLOSED):
            assert approved and _in_order(kinds, "approval_requested", "solution_approved"), ref
        if status == P.APPROVED:
            assert problem.solution_live_at is None and "solution_live" not in kinds, ref
        if status in (P.LIVE, P.CLOSED):
            # Closed in the demo means the chosen solution was applied, then monitored.
            assert problem.solution_live_at is not None, ref
            assert _in_order(kinds, "solution_approved", "solution_live"), ref
        if status == P.CLOSED:
            assert problem.closed_at is not None and kinds[-1] == "closed", ref
            if not problem.close_reason:
                assert problem.closed_at - problem.solution_live_at >= monitoring, ref
        else:
            assert problem.closed_at is None and "closed" not in kinds, ref


def _both_sides(solution: CandidateSolution) -> bool:
    sides = (solution.pros_customer, solution.cons_customer, solution.pros_org, solution.cons_org)
    return all(side.strip() for side in sides)


def _in_order(kinds: list[str], first: str, then: str) -> bool:
    """``then`` happened, and only after ``first``."""
    return then in kinds and first in kinds[: kinds.index(then)]


def _check_repeats(problem: ProblemRecord) -> None:
    """Each linked ticket says so on its own timeline, after everything else it had."""
    ref = problem.reference
    assert len(problem.links) >= 2, ref
    for link in problem.links:
        events = sorted(link.ticket.events, key=lambda e: e.id)
        linked = [e for e in events if e.kind == "linked_to_problem"]
        assert [e.data["problem_id"] for e in linked] == [problem.id], ref
        # Linked after the rest of its own story, which stays in time order.
        assert events[-1].id == linked[0].id, (ref, link.ticket.reference)
        assert all(e.created_at <= linked[0].created_at for e in events), ref


def _check_approvals(problem: ProblemRecord, kinds: list[str]) -> None:
    ref = problem.reference
    approvals = [a for s in problem.solutions for a in s.approvals]
    for approval in approvals:
        if approval.state == "pending":
            assert problem.status == P.SOLUTION_CHOSEN, ref
            assert approval.solution is problem.chosen_solution, ref
            continue
        assert approval.decided_by_id not in (None, approval.requested_by_id), ref
        assert approval.decided_at is not None, ref
        if approval.state == "refused":
            assert approval.reason.strip() and "solution_refused" in kinds, ref
    assert kinds.count("approval_requested") == len(approvals), ref


def test_the_demo_shows_every_kind_of_story(app):
    options = list(db.session.scalars(select(Option)))
    approvals = list(db.session.scalars(select(Approval)))
    promises = list(db.session.scalars(select(Promise)))
    answers = list(db.session.scalars(select(SatisfactionResponse)))

    assert any(o.has_both_sides for o in options)
    assert any(a.state == "pending" for a in approvals)
    assert any(a.state == "approved" and a.decided_by is not None for a in approvals)
    assert any(p.state == "kept" for p in promises)
    assert any(p.state == "broken" for p in promises)
    assert any(a.rating is not None for a in answers)
    consented = [a for a in answers if a.testimony_consent]
    assert consented
    assert db.session.scalar(select(WitnessTestimony).limit(1)) is not None
    assert any(a.did_well and not a.testimony_consent for a in answers)
    confirmations = {c.state for c in db.session.scalars(select(Confirmation))}
    assert confirmations == {s.value for s in ConfirmationState}
    records = list(db.session.scalars(select(ProblemRecord)))
    assert {r.status for r in records} == {s.value for s in ProblemStatus}
    decisions = {a.state for a in db.session.scalars(select(ProblemApproval))}
    assert {"pending", "approved", "refused"} <= decisions


def test_resolution_rows_happen_when_their_ticket_does(app):
    """Options, approvals, promises and answers carry the demo's times, not the load's."""
    last_event = {
        t.id: max(e.created_at for e in t.events) for t in db.session.scalars(select(Ticket))
    }
    rows: list[tuple[int, object, str]] = []
    for option in db.session.scalars(select(Option)):
        rows.append((option.ticket_id, option, "created_at"))
        rows += [(option.ticket_id, a, "created_at") for a in option.approvals]
        for confirmation in option.confirmations:
            rows += [(option.ticket_id, confirmation, "created_at")]
            rows += [(option.ticket_id, confirmation, "decided_at")]
    rows += [(p.ticket_id, p, "created_at") for p in db.session.scalars(select(Promise))]
    rows += [(p.ticket_id, p, "closed_at") for p in db.session.scalars(select(Promise))]
    rows += [
        (r.ticket_id, r, "created_at") for r in db.session.scalars(select(SatisfactionResponse))
    ]
    late = [
        (type(row).__name__, ticket_id, column)
        for ticket_id, row, column in rows
        if getattr(row, column, None) is not None
        and getattr(row, column) > last_event[ticket_id] + timedelta(minutes=1)
    ]
    assert rows and late == []


def test_problem_records_happen_in_the_past_in_the_order_of_their_history(app):
    """The record, its links, solutions and approvals carry the demo's times, in order."""
    now = utcnow()
    for problem in db.session.scalars(select(ProblemRecord)):
        ref = problem.reference
        times = [e.created_at for e in problem.events]
        assert times == sorted(times) and times[-1] < now, ref
        rows = [*problem.links, *problem.solutions]
        rows += [a for s in problem.solutions for a in s.approvals]
        stamps = [getattr(row, "created_at", None) for row in rows]
        stamps += [problem.created_at, problem.updated_at]
        stamps += [problem.solution_live_at, problem.closed_at]
        stamps += [a.decided_at for s in problem.solutions for a in s.approvals]
        # A row moves as far as the event nearest it in real time, one tick either way.
        first, last = times[0] - TICKS, times[-1] + TICKS
        assert all(first <= t <= last for t in stamps if t is not None), ref
