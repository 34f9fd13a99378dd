"""Each state table refuses a move it does not list and records the move it allows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from helpdesk.domain import (
    ApprovalState,
    OptionState,
    ProblemEventKind,
    ProblemStatus,
    PromiseState,
    TicketEventKind,
)
from helpdesk.extensions import db
from helpdesk.models import (
    Approval,
    Option,
    ProblemApproval,
    ProblemEvent,
    ProblemRecord,
    Ticket,
    TicketEvent,
    User,
)
from helpdesk.models.types import utcnow
from helpdesk.problems.services import PROBLEM_TRANSITIONS, ProblemError, move_problem
from helpdesk.problems.solutions import PROBLEM_APPROVAL_TRANSITIONS, move_problem_approval
from helpdesk.tickets.options import (
    APPROVAL_TRANSITIONS,
    OPTION_TRANSITIONS,
    move_approval,
    move_options,
)
from helpdesk.tickets.promises import (
    PROMISE_TRANSITIONS,
    keep_promise,
    make_promise,
    move_promise,
)
from helpdesk.tickets.workflow import WorkflowError
from tests.problems import add_solution, open_problem
from tests.resolving import acknowledged, add_option


def test_every_problem_status_has_a_row() -> None:
    assert set(PROBLEM_TRANSITIONS) == set(ProblemStatus)


def test_an_open_problem_cannot_go_live(agent) -> None:
    problem = open_problem(agent)
    with pytest.raises(ProblemError):
        move_problem(problem, ProblemStatus.LIVE, agent, ProblemEventKind.SOLUTION_LIVE)
    assert problem.status == ProblemStatus.OPEN


def test_closing_an_open_problem_writes_its_event(agent) -> None:
    problem = open_problem(agent)
    event = move_problem(problem, ProblemStatus.CLOSED, agent, ProblemEventKind.CLOSED, "duplicate")
    db.session.commit()
    assert problem.is_closed
    assert db.session.get(ProblemEvent, event.id).kind == "closed"


def test_a_kept_promise_cannot_be_broken(agent, ticket) -> None:
    due = utcnow() + timedelta(days=1)
    promise = make_promise(ticket, agent, description="Call back", owner=agent, due_at=due)
    keep_promise(promise, agent)
    with pytest.raises(WorkflowError):
        move_promise(
            promise, PromiseState.BROKEN, agent, TicketEventKind.PROMISE_BROKEN, body="", data={}
        )
    assert promise.state == PromiseState.KEPT


# Every table, every pair of states: the moves it lists pass, the rest are refused.


def _pairs(table: dict[Any, frozenset[Any]]) -> tuple[list[tuple[Any, Any]], list[tuple[Any, Any]]]:
    allowed = [(a, b) for a in table for b in table if b in table[a]]
    refused = [(a, b) for a in table for b in table if b not in table[a]]
    return allowed, refused


def _option(ticket: Ticket, agent: User, state: OptionState) -> Option:
    option = add_option(ticket, agent)
    option.state = state  # set up the starting state without its own rules
    db.session.flush()
    return option


def _approval(ticket: Ticket, agent: User, state: ApprovalState) -> Approval:
    option = add_option(ticket, agent)
    approval = Approval(
        option=option, requested_by=agent, cost_minor=option.cost_minor, within_policy=True
    )
    db.session.add(approval)
    approval.state = state
    db.session.flush()
    return approval


def _problem_approval(problem: ProblemRecord, agent: User, state: ApprovalState) -> ProblemApproval:
    solution = add_solution(problem, agent)
    approval = ProblemApproval(solution=solution, requested_by_id=agent.id, cost_minor=100)
    db.session.add(approval)
    approval.state = state
    db.session.flush()
    return approval


def test_every_table_has_a_row_for_every_state() -> None:
    assert set(OPTION_TRANSITIONS) == set(OptionState)
    assert set(APPROVAL_TRANSITIONS) == set(ApprovalState)
    assert set(PROBLEM_APPROVAL_TRANSITIONS) == set(ApprovalState)
    assert set(PROMISE_TRANSITIONS) == set(PromiseState)


def test_option_moves_follow_the_table(agent, ticket) -> None:
    acknowledged(ticket, agent)
    allowed, refused = _pairs(OPTION_TRANSITIONS)
    assert allowed and refused
    for start, to in allowed:
        option = _option(ticket, agent, start)
        move_options([option], to, agent, None)
        assert option.state == to, (start, to)
    for start, to in refused:
        option = _option(ticket, agent, start)
        with pytest.raises(WorkflowError):
            move_options([option], to, agent, None)
        assert option.state == start, (start, to)


def test_one_refused_option_moves_none_of_them(agent, ticket) -> None:
    acknowledged(ticket, agent)
    draft = _option(ticket, agent, OptionState.DRAFT)
    agreed = _option(ticket, agent, OptionState.AGREED)
    with pytest.raises(WorkflowError):
        move_options([draft, agreed], OptionState.OFFERED, agent, TicketEventKind.OPTIONS_OFFERED)
    assert (draft.state, agreed.state) == (OptionState.DRAFT, OptionState.AGREED)


def test_an_option_move_writes_its_ticket_event(agent, ticket) -> None:
    acknowledged(ticket, agent)
    options = [_option(ticket, agent, OptionState.DRAFT) for _ in range(2)]
    event = move_options(
        options,
        OptionState.OFFERED,
        agent,
        TicketEventKind.OPTIONS_OFFERED,
        body="Two ways",
        public=True,
        data={"option_ids": [o.id for o in options]},
    )
    db.session.commit()
    assert event is not None
    stored = db.session.get(TicketEvent, event.id)
    assert stored is not None
    assert (stored.kind, stored.ticket_id, stored.is_public) == ("options_offered", ticket.id, True)
    assert stored.data == {"option_ids": [o.id for o in options]}
    assert all(db.session.get(Option, o.id).is_offered for o in options)


def test_approval_moves_follow_the_table(agent, ticket) -> None:
    acknowledged(ticket, agent)
    allowed, refused = _pairs(APPROVAL_TRANSITIONS)
    for start, to in allowed:
        approval = _approval(ticket, agent, start)
        move_approval(approval, to, agent, None)
        assert approval.state == to, (start, to)
    for start, to in refused:
        approval = _approval(ticket, agent, start)
        with pytest.raises(WorkflowError):
            move_approval(approval, to, agent, None)
        assert approval.state == start, (start, to)


def test_an_approval_move_writes_its_ticket_event(agent, supervisor, ticket) -> None:
    acknowledged(ticket, agent)
    approval = _approval(ticket, agent, ApprovalState.PENDING)
    event = move_approval(
        approval,
        ApprovalState.REFUSED,
        supervisor,
        TicketEventKind.APPROVAL_REFUSED,
        body="Too dear",
        data={"approval_id": approval.id},
    )
    db.session.commit()
    assert event is not None
    stored = db.session.get(TicketEvent, event.id)
    assert stored is not None
    assert (stored.kind, stored.body, stored.actor_id) == (
        "approval_refused",
        "Too dear",
        supervisor.id,
    )
    assert db.session.get(Approval, approval.id).state == "refused"


def test_a_decided_approval_cannot_be_decided_again(agent, supervisor, ticket) -> None:
    acknowledged(ticket, agent)
    approval = _approval(ticket, agent, ApprovalState.REFUSED)
    with pytest.raises(WorkflowError):
        move_approval(
            approval, ApprovalState.APPROVED, supervisor, TicketEventKind.APPROVAL_GRANTED
        )
    assert not [e for e in ticket.events if e.kind == TicketEventKind.APPROVAL_GRANTED]


def test_problem_approval_moves_follow_the_table(agent) -> None:
    problem = open_problem(agent)
    allowed, refused = _pairs(PROBLEM_APPROVAL_TRANSITIONS)
    for start, to in allowed:
        approval = _problem_approval(problem, agent, start)
        move_problem_approval(approval, to, agent, None)
        assert approval.state == to, (start, to)
    for start, to in refused:
        approval = _problem_approval(problem, agent, start)
        with pytest.raises(ProblemError):
            move_problem_approval(approval, to, agent, None)
        assert approval.state == start, (start, to)


def test_a_problem_approval_move_writes_the_records_event(agent, supervisor) -> None:
    problem = open_problem(agent)
    approval = _problem_approval(problem, agent, ApprovalState.PENDING)
    event = move_problem_approval(
        approval,
        ApprovalState.REFUSED,
        supervisor,
        ProblemEventKind.SOLUTION_REFUSED,
        "Not this year",
        approval_id=approval.id,
    )
    db.session.commit()
    assert event is not None
    stored = db.session.get(ProblemEvent, event.id)
    assert stored is not None
    assert (stored.kind, stored.problem_id, stored.body) == (
        "solution_refused",
        problem.id,
        "Not this year",
    )
    assert stored.data == {"approval_id": approval.id}


def test_problem_moves_follow_the_table(agent) -> None:
    allowed, refused = _pairs(PROBLEM_TRANSITIONS)
    for start, to in allowed:
        problem = open_problem(agent)
        problem.status = start
        move_problem(problem, to, agent, ProblemEventKind.ACTION)
        assert problem.status == to, (start, to)
    for start, to in refused:
        problem = open_problem(agent)
        problem.status = start
        with pytest.raises(ProblemError):
            move_problem(problem, to, agent, ProblemEventKind.ACTION)
        assert problem.status == start, (start, to)


def test_promise_moves_follow_the_table(agent, ticket) -> None:
    allowed, refused = _pairs(PROMISE_TRANSITIONS)
    due = utcnow() + timedelta(days=1)
    for start, to in allowed + refused:
        promise = make_promise(ticket, agent, description="Call back", owner=agent, due_at=due)
        promise.state = start
        kind = TicketEventKind.PROMISE_KEPT
        if (start, to) in allowed:
            event = move_promise(promise, to, agent, kind, body="", data={})
            assert (promise.state, event.kind) == (to, kind)
        else:
            with pytest.raises(WorkflowError):
                move_promise(promise, to, agent, kind, body="", data={})
            assert promise.state == start
