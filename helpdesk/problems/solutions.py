"""Candidate solutions to a problem record, choosing one, and the decision maker's approval."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from helpdesk.audit import audit
from helpdesk.domain import (
    ApprovalState,
    AuditAction,
    NotificationKind,
    ProblemEventKind,
    ProblemStatus,
)
from helpdesk.extensions import db
from helpdesk.formatting import money
from helpdesk.idempotency import flush_or_first, replayed
from helpdesk.models import (
    CandidateSolution,
    ProblemApproval,
    ProblemEvent,
    ProblemRecord,
    User,
)
from helpdesk.models.types import utcnow
from helpdesk.money import MAX_AMOUNT_MINOR
from helpdesk.notifications.services import notify_staff, supervisors
from helpdesk.problems.services import (
    ProblemError,
    _event,
    _flush,
    _replay_or_check,
    _text,
    move_problem,
)
from helpdesk.tickets import authority

A = ApprovalState
K = ProblemEventKind

# A request is decided once; choosing another solution voids a pending one.
PROBLEM_APPROVAL_TRANSITIONS: dict[ApprovalState, frozenset[ApprovalState]] = {
    A.PENDING: frozenset({A.APPROVED, A.REFUSED, A.VOID}),
    A.APPROVED: frozenset(),
    A.REFUSED: frozenset(),
    A.VOID: frozenset(),
}


def move_problem_approval(
    approval: ProblemApproval,
    to: ApprovalState,
    actor: User | None,
    kind: ProblemEventKind | None,
    body: str = "",
    **data: Any,
) -> ProblemEvent | None:
    """Move the approval to ``to`` if the table allows it, writing the record's event.

    ``kind`` None moves it without an event of its own: a voided request is told by
    the new choice, an approval by the record's own move to approved.

    :raise ProblemError: when the table does not allow the move.
    """
    if to not in PROBLEM_APPROVAL_TRANSITIONS[ApprovalState(approval.state)]:
        raise ProblemError(f"An approval that is '{approval.state}' cannot move to '{to}'.")
    approval.state = to
    if kind is None:
        return None
    return _event(approval.solution.problem, actor, kind, body, **data)


@dataclass(frozen=True)
class SolutionData:
    description: str
    cost_minor: int
    pros_customer: str
    cons_customer: str
    pros_org: str
    cons_org: str


def add_solution(
    problem: ProblemRecord,
    actor: User,
    data: SolutionData,
    *,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> CandidateSolution:
    """A candidate solution, with its advantages and disadvantages for both sides.

    A replayed idempotency key returns the solution the first post added, before the
    version and state checks that would now refuse it.
    """
    if first := _replay_or_check(CandidateSolution, idempotency_key, problem, expected_version):
        return first
    if not problem.is_editable:
        raise ProblemError("The solution is already approved; close or monitor it instead.")
    description = _text(data.description, "description", "The solution", 2000)
    if data.cost_minor < 0:
        raise ProblemError("The cost cannot be negative.", "cost")
    if data.cost_minor > MAX_AMOUNT_MINOR:
        raise ProblemError(f"The cost must be at most {money(MAX_AMOUNT_MINOR)}.", "cost")
    sides = {
        "pros_customer": data.pros_customer,
        "cons_customer": data.cons_customer,
        "pros_org": data.pros_org,
        "cons_org": data.cons_org,
    }
    labels = {
        "pros_customer": "Advantages for customers",
        "cons_customer": "Disadvantages for customers",
        "pros_org": "Advantages for the organisation",
        "cons_org": "Disadvantages for the organisation",
    }
    clean = {k: _text(v, k, labels[k], 2000) for k, v in sides.items()}
    solution = CandidateSolution(
        problem=problem,
        created_by_id=actor.id,
        description=description,
        cost_minor=data.cost_minor,
        idempotency_key=idempotency_key,
        **clean,
    )
    db.session.add(solution)
    if (first := flush_or_first(CandidateSolution, idempotency_key)) is not None:
        return replayed(first, first.problem_id == problem.id, ProblemError)
    _event(problem, actor, K.SOLUTION_ADDED, description, solution_id=solution.id)
    if (first := flush_or_first(CandidateSolution, idempotency_key)) is not None:
        return replayed(first, first.problem_id == problem.id, ProblemError)
    return solution


def choose_solution(problem: ProblemRecord, actor: User, solution: CandidateSolution) -> None:
    """Pick the best solution, balancing customers' expectations and the organisation."""
    if solution.problem_id != problem.id:
        raise ProblemError("That solution belongs to another problem record.")
    if not problem.is_editable:
        raise ProblemError("A solution was already approved for this problem record.")
    if len(problem.solutions) < 2:
        raise ProblemError("Compare at least two candidate solutions before choosing one.")
    for other in problem.solutions:
        other.chosen = other.id == solution.id
    for other in problem.solutions:
        for approval in other.approvals:
            if approval.is_pending:
                move_problem_approval(approval, A.VOID, actor, None)
    move_problem(
        problem,
        ProblemStatus.SOLUTION_CHOSEN,
        actor,
        K.SOLUTION_CHOSEN,
        solution.description,
        solution_id=solution.id,
    )
    _flush()


def can_decide(user: Any, approval: ProblemApproval) -> bool:
    """A decision maker: someone else, whose limit of authority covers the cost."""
    return (
        bool(getattr(user, "is_staff", False))
        and approval.is_pending
        and user.id != approval.requested_by_id
        and authority.authority_covers(user, approval.cost_minor, True)
    )


def request_approval(problem: ProblemRecord, actor: User) -> ProblemApproval:
    """Ask a decision maker to approve the chosen solution."""
    solution = problem.chosen_solution
    if solution is None or not problem.is_solution_chosen:
        raise ProblemError("Choose a solution before asking for approval.")
    pending = next((a for a in solution.approvals if a.is_pending), None)
    if pending is not None:
        return pending
    approval = ProblemApproval(
        solution=solution, requested_by_id=actor.id, cost_minor=solution.cost_minor
    )
    db.session.add(approval)
    db.session.flush()
    _event(problem, actor, K.APPROVAL_REQUESTED, solution.description, approval_id=approval.id)
    approvers = [u for u in supervisors() if can_decide(u, approval)]
    notify_staff(
        approvers,
        NotificationKind.PROBLEM_APPROVAL_REQUESTED,
        f"{actor.name} asks you to approve a solution for {problem.reference} "
        f"({money(solution.cost_minor)}).",
        url=f"/staff/problems/{problem.id}",
        email=True,
    )
    _flush()
    return approval


def decide_approval(approval: ProblemApproval, actor: User, *, approve: bool, reason: str) -> None:
    """The decision maker approves or refuses the chosen solution."""
    if not can_decide(actor, approval):
        if actor.id == approval.requested_by_id:
            raise ProblemError("You cannot approve your own request.")
        if not approval.is_pending:
            raise ProblemError("This request has already been decided.")
        raise ProblemError(
            f"This needs authority for {money(approval.cost_minor)}; "
            f"yours is {money(actor.authority_limit_minor)}."
        )
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ProblemError("Give the reason for refusing.", "reason")
    approval.reason = reason[:2000]
    approval.decided_by_id = actor.id
    approval.decided_at = utcnow()
    problem = approval.solution.problem
    if approve:
        move_problem_approval(approval, A.APPROVED, actor, None)
        move_problem(
            problem,
            ProblemStatus.APPROVED,
            actor,
            K.SOLUTION_APPROVED,
            reason,
            approval_id=approval.id,
        )
    else:
        move_problem_approval(
            approval, A.REFUSED, actor, K.SOLUTION_REFUSED, reason, approval_id=approval.id
        )
    notify_staff(
        [db.session.get(User, approval.requested_by_id)],
        NotificationKind.PROBLEM_APPROVAL_DECIDED,
        f"{actor.name} {'approved' if approve else 'refused'} the solution for "
        f"{problem.reference}.",
        url=f"/staff/problems/{problem.id}",
    )
    audit(
        AuditAction.PROBLEM_APPROVAL_DECIDED,
        actor,
        approval,
        decision=approval.state,
        problem_id=problem.id,
    )
    _flush()


def latest_approval(problem: ProblemRecord) -> ProblemApproval | None:
    """The chosen solution's most recent approval request, whatever its state."""
    solution = problem.chosen_solution
    if solution is None or not solution.approvals:
        return None
    return solution.approvals[-1]


def approvals_for(user: Any) -> list[ProblemApproval]:
    """Pending problem approvals this person may decide, oldest first."""
    if not getattr(user, "is_staff", False):
        return []
    pending = db.session.scalars(
        select(ProblemApproval)
        .where(
            ProblemApproval.state == ApprovalState.PENDING,
            ProblemApproval.requested_by_id != user.id,
            ProblemApproval.cost_minor <= user.authority_limit_minor,
        )
        .order_by(ProblemApproval.id)
    )
    return [a for a in pending if can_decide(user, a)]
