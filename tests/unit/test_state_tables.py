"""Each state table refuses a move it does not list and records the move it allows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk.domain import ProblemStatus, PromiseState
from helpdesk.extensions import db
from helpdesk.models import ProblemEvent
from helpdesk.models.types import utcnow
from helpdesk.problems.services import PROBLEM_TRANSITIONS, ProblemError, move_problem
from helpdesk.tickets.promises import keep_promise, make_promise, move_promise
from helpdesk.tickets.workflow import WorkflowError
from tests.problems import open_problem


def test_every_problem_status_has_a_row() -> None:
    assert set(PROBLEM_TRANSITIONS) == set(ProblemStatus)


def test_an_open_problem_cannot_go_live(agent) -> None:
    problem = open_problem(agent)
    with pytest.raises(ProblemError):
        move_problem(problem, ProblemStatus.LIVE, agent, "solution_live")
    assert problem.status == ProblemStatus.OPEN


def test_closing_an_open_problem_writes_its_event(agent) -> None:
    problem = open_problem(agent)
    event = move_problem(problem, ProblemStatus.CLOSED, agent, "closed", "duplicate")
    db.session.commit()
    assert problem.is_closed
    assert db.session.get(ProblemEvent, event.id).kind == "closed"


def test_a_kept_promise_cannot_be_broken(agent, ticket) -> None:
    due = utcnow() + timedelta(days=1)
    promise = make_promise(ticket, agent, description="Call back", owner=agent, due_at=due)
    keep_promise(promise, agent)
    with pytest.raises(WorkflowError):
        move_promise(promise, PromiseState.BROKEN, agent, "promise_broken", body="", data={})
    assert promise.state == PromiseState.KEPT
