"""Build problem records in a given state, through the real services."""

from __future__ import annotations

from typing import Any

from helpdesk.extensions import db
from helpdesk.models import (
    CandidateSolution,
    Category,
    ProblemApproval,
    ProblemRecord,
    Ticket,
    User,
)
from helpdesk.problems import monitoring, services, solutions
from helpdesk.problems.solutions import SolutionData
from helpdesk.unit_of_work import unit_of_work
from tests import factories
from tests.helpers import assert_fragment, text

SIDES = {
    "pros_customer": "Parcels arrive intact",
    "cons_customer": "Deliveries take a day longer",
    "pros_org": "Fewer replacements to send",
    "cons_org": "Dearer packaging",
}


def solution_data(**changes: Any) -> SolutionData:
    fields: dict[str, Any] = {
        "description": "Double-box fragile items",
        "cost_minor": 20_000,
        **SIDES,
    }
    return SolutionData(**(fields | changes))


@unit_of_work()  # a builder: what it made is committed, as a request would
def open_problem(actor: User, *, tickets: list[Ticket] | None = None, **kw: Any) -> ProblemRecord:
    return services.create_problem(
        actor,
        title=kw.pop("title", "Parcels crushed in transit"),
        category_id=kw.pop("category_id", None),
        root_cause=kw.pop("root_cause", "The courier stacks parcels"),
        tickets=tickets or [],
    )


@unit_of_work()
def add_solution(problem: ProblemRecord, actor: User, **changes: Any) -> CandidateSolution:
    return solutions.add_solution(problem, actor, solution_data(**changes))


@unit_of_work()
def with_two_solutions(problem: ProblemRecord, actor: User, cost_minor: int = 20_000) -> None:
    add_solution(problem, actor, cost_minor=cost_minor)
    add_solution(problem, actor, description="Change courier", cost_minor=90_000)


@unit_of_work()
def chosen(problem: ProblemRecord, actor: User, cost_minor: int = 20_000) -> CandidateSolution:
    with_two_solutions(problem, actor, cost_minor)
    solution = problem.solutions[0]
    solutions.choose_solution(problem, actor, solution)
    return solution


@unit_of_work()
def requested(problem: ProblemRecord, actor: User, cost_minor: int = 20_000) -> ProblemApproval:
    chosen(problem, actor, cost_minor)
    return solutions.request_approval(problem, actor)


@unit_of_work()
def approved(problem: ProblemRecord, requester: User, approver: User) -> ProblemApproval:
    approval = requested(problem, requester)
    solutions.decide_approval(approval, approver, approve=True, reason="Worth it")
    return approval


@unit_of_work()
def live(problem: ProblemRecord, requester: User, approver: User) -> None:
    approved(problem, requester, approver)
    monitoring.put_live(problem, requester, "Fragile items now double-boxed")


# --- for the view tests ----------------------------------------------------------------

SOLUTION_FORM = {"description": "Double-box fragile items", "cost": "200", **SIDES}


@unit_of_work()
def linked_problem(agent: User, customer: User, category: Category) -> ProblemRecord:
    """A record grouping three of the customer's tickets, in the category."""
    tickets = [factories.make_ticket(customer=customer, category=category) for _ in range(3)]
    return open_problem(agent, tickets=tickets, category_id=category.id)


def url(problem: ProblemRecord, tail: str = "") -> str:
    return f"/staff/problems/{problem.id}{tail}"


def version(problem: ProblemRecord) -> int:
    db.session.refresh(problem)
    return problem.version


def post(
    client: Any, problem: ProblemRecord, tail: str, data: dict[str, str], headers: Any = None
) -> Any:
    """Post a record form carrying the version the person saw (the latest)."""
    data = {"version": str(version(problem)), **data}
    return client.post(url(problem, tail), data=data, headers=headers or {})


def answered(response: Any, over_htmx: bool, problem: ProblemRecord) -> None:
    """A record action answers htmx with the record, a plain post with a redirect."""
    if over_htmx:
        assert response.status_code == 200, text(response)[:2000]
        assert_fragment(text(response), "record")
    else:
        assert response.status_code == 302, text(response)[:2000]
        assert response.headers["Location"].endswith(url(problem))
