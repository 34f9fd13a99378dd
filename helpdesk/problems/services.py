"""Problem records: group repeats, alert the appropriate authority, weigh solutions,
get a decision maker's approval, put the solution live and monitor whether repeats stop.

Every function checks the move and the person's authority, writes the problem's event
(and the tickets' events), queues notifications and commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select

from helpdesk.audit import audit
from helpdesk.evidence.capture import capture_problem_event
from helpdesk.extensions import db
from helpdesk.formatting import money
from helpdesk.idempotency import commit_or_first, first_made, flush_or_first
from helpdesk.locking import commit_checked
from helpdesk.models import (
    CandidateSolution,
    Category,
    ProblemApproval,
    ProblemEvent,
    ProblemLink,
    ProblemRecord,
    Ticket,
    User,
)
from helpdesk.models.problem import category_supervisors
from helpdesk.models.types import utcnow
from helpdesk.money import MAX_AMOUNT_MINOR
from helpdesk.notifications.services import notify_staff, supervisors
from helpdesk.settings import get_int
from helpdesk.tickets import authority
from helpdesk.tickets.workflow import StaleTicketError, WorkflowError, record_event

T = TypeVar("T")
M = TypeVar("M", CandidateSolution, ProblemEvent)


class ProblemError(WorkflowError):
    """A refused move on a problem record; the message says why and what to do."""


def _text(value: str, field: str, label: str, max_len: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ProblemError(f"{label} cannot be empty.", field)
    if len(value) > max_len:
        raise ProblemError(f"{label} must be at most {max_len:,} characters.", field)
    return value


def _event(
    problem: ProblemRecord,
    actor: User | None,
    kind: str,
    body: str = "",
    *,
    idempotency_key: str | None = None,
    **data: Any,
) -> ProblemEvent:
    event = ProblemEvent(
        problem=problem,
        actor=actor,
        kind=kind,
        body=body,
        data=data,
        idempotency_key=idempotency_key,
    )
    db.session.add(event)
    problem.updated_at = utcnow()
    capture_problem_event(event)
    return event


_commit = commit_checked


def _replayed(row: T, same_form: bool) -> T:
    """The row an earlier post of this form made; a key sent with another form (another
    record's, or another person's) is refused: it is not a replay of this post."""
    if not same_form:
        raise ProblemError("This form was already sent: reload the page and try again.")
    return row


def _replay_or_check(
    model: type[M], key: str | None, problem: ProblemRecord, expected_version: int | None
) -> M | None:
    """A replay's first row; else None once the record is unchanged since read and open."""
    if (first := first_made(model, key)) is not None:
        return _replayed(first, first.problem_id == problem.id)
    check_version(problem, expected_version)
    if not problem.is_open:
        raise ProblemError("This problem record is closed.")
    return None


def authorities_for(category: Category | None) -> list[User]:
    """The supervisors of the category, or every supervisor when none is named."""
    if category is not None:
        named = list(
            db.session.scalars(
                select(User)
                .join(category_supervisors, category_supervisors.c.user_id == User.id)
                .where(category_supervisors.c.category_id == category.id, User.active.is_(True))
            )
        )
        if named:
            return named
    return supervisors()


def _alert(problem: ProblemRecord, actor: User, why: str) -> None:
    """Alert the appropriate authority with the count and the latest tickets."""
    count = len(problem.links)
    latest = sorted(problem.links, key=lambda link: link.ticket_id, reverse=True)[:5]
    lines = "\n".join(f"- {link.ticket.reference}: {link.ticket.subject}" for link in latest)
    text = f"{problem.reference} “{problem.title}”: {why} ({count} linked tickets)."
    notify_staff(
        authorities_for(problem.category),
        "repeat_alert",
        text + ("\nLatest:\n" + lines if lines else ""),
        url=f"/staff/problems/{problem.id}",
        email=True,
    )
    problem.alerted_at_count = count
    _event(problem, actor, "authority_alerted", text, count=count)


def _link(problem: ProblemRecord, actor: User, tickets: Sequence[Ticket]) -> list[Ticket]:
    linked = []
    for ticket in tickets:
        existing = db.session.scalar(select(ProblemLink).where(ProblemLink.ticket_id == ticket.id))
        if existing is not None:
            if existing.problem_id == problem.id:
                continue
            raise ProblemError(
                f"{ticket.reference} already belongs to P-{existing.problem_id:05d}.",
                "ticket_ids",
            )
        db.session.add(ProblemLink(problem=problem, ticket=ticket, linked_by_id=actor.id))
        record_event(
            ticket,
            actor,
            "linked_to_problem",
            body=f"Linked to {problem.reference}: {problem.title}",
            data={"problem_id": problem.id},
        )
        linked.append(ticket)
    return linked


def create_problem(
    actor: User,
    *,
    title: str,
    category_id: int | None,
    root_cause: str = "",
    tickets: Sequence[Ticket] = (),
    idempotency_key: str | None = None,
) -> ProblemRecord:
    """Open a problem record for repeats (linking any tickets) and alert the authority.

    A replayed idempotency key returns the record the first post opened, and does nothing.
    """
    if not actor.is_staff:
        raise ProblemError("Only staff can open problem records.")
    if (first := first_made(ProblemRecord, idempotency_key)) is not None:
        return _replayed(first, first.created_by_id == actor.id)
    title = _text(title, "title", "The title", 200)
    category = db.session.get(Category, category_id) if category_id else None
    if category_id and category is None:
        raise ProblemError("Choose one of the listed categories.", "category_id")
    if len(root_cause or "") > 4000:
        raise ProblemError("Keep the suspected root cause under 4,000 characters.", "root_cause")
    problem = ProblemRecord(
        title=title,
        category=category,
        created_by=actor,
        root_cause=(root_cause or "").strip(),
        idempotency_key=idempotency_key,
    )
    db.session.add(problem)
    if (first := flush_or_first(ProblemRecord, idempotency_key)) is not None:
        return _replayed(first, first.created_by_id == actor.id)
    _event(problem, actor, "created", title)
    _link(problem, actor, tickets)
    db.session.flush()
    _alert(problem, actor, "a new problem record was opened")
    if (first := commit_or_first(ProblemRecord, idempotency_key)) is not None:
        return _replayed(first, first.created_by_id == actor.id)
    return problem


def link_tickets(problem: ProblemRecord, actor: User, tickets: Sequence[Ticket]) -> list[Ticket]:
    """Link more tickets; reaching the admin-set threshold alerts the authority (once)."""
    if not problem.is_open:
        raise ProblemError("This problem record is closed.")
    if not tickets:
        raise ProblemError("Choose at least one ticket to link.", "ticket_ids")
    linked = _link(problem, actor, tickets)
    if linked:
        _event(
            problem,
            actor,
            "tickets_linked",
            ", ".join(t.reference for t in linked),
            ticket_ids=[t.id for t in linked],
        )
        db.session.flush()
        threshold = get_int("repeat_alert_threshold")
        if len(problem.links) >= threshold > problem.alerted_at_count:
            _alert(problem, actor, f"it has reached {threshold} repeats")
    _commit()
    return linked


def update_root_cause(problem: ProblemRecord, actor: User, root_cause: str) -> None:
    root_cause = _text(root_cause, "root_cause", "The suspected root cause", 4000)
    problem.root_cause = root_cause
    _event(problem, actor, "root_cause", root_cause)
    _commit()


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
    if problem.status not in ("open", "solution_chosen"):
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
        return _replayed(first, first.problem_id == problem.id)
    _event(problem, actor, "solution_added", description, solution_id=solution.id)
    if (first := commit_or_first(CandidateSolution, idempotency_key)) is not None:
        return _replayed(first, first.problem_id == problem.id)
    return solution


def choose_solution(problem: ProblemRecord, actor: User, solution: CandidateSolution) -> None:
    """Pick the best solution, balancing customers' expectations and the organisation."""
    if solution.problem_id != problem.id:
        raise ProblemError("That solution belongs to another problem record.")
    if problem.status not in ("open", "solution_chosen"):
        raise ProblemError("A solution was already approved for this problem record.")
    if len(problem.solutions) < 2:
        raise ProblemError("Compare at least two candidate solutions before choosing one.")
    for other in problem.solutions:
        other.chosen = other.id == solution.id
    for other in problem.solutions:
        for approval in other.approvals:
            if approval.state == "pending":
                approval.state = "void"
    problem.status = "solution_chosen"
    _event(problem, actor, "solution_chosen", solution.description, solution_id=solution.id)
    _commit()


def can_decide(user: Any, approval: ProblemApproval) -> bool:
    """A decision maker: someone else, whose limit of authority covers the cost."""
    return (
        bool(getattr(user, "is_staff", False))
        and approval.state == "pending"
        and user.id != approval.requested_by_id
        and authority.authority_covers(user, approval.cost_minor, True)
    )


def request_approval(problem: ProblemRecord, actor: User) -> ProblemApproval:
    """Ask a decision maker to approve the chosen solution."""
    solution = problem.chosen_solution
    if solution is None or problem.status != "solution_chosen":
        raise ProblemError("Choose a solution before asking for approval.")
    pending = next((a for a in solution.approvals if a.state == "pending"), None)
    if pending is not None:
        return pending
    approval = ProblemApproval(
        solution=solution, requested_by_id=actor.id, cost_minor=solution.cost_minor
    )
    db.session.add(approval)
    db.session.flush()
    _event(problem, actor, "approval_requested", solution.description, approval_id=approval.id)
    approvers = [u for u in supervisors() if can_decide(u, approval)]
    notify_staff(
        approvers,
        "problem_approval_requested",
        f"{actor.name} asks you to approve a solution for {problem.reference} "
        f"({money(solution.cost_minor)}).",
        url=f"/staff/problems/{problem.id}",
        email=True,
    )
    _commit()
    return approval


def decide_approval(approval: ProblemApproval, actor: User, *, approve: bool, reason: str) -> None:
    """The decision maker approves or refuses the chosen solution."""
    if not can_decide(actor, approval):
        if actor.id == approval.requested_by_id:
            raise ProblemError("You cannot approve your own request.")
        if approval.state != "pending":
            raise ProblemError("This request has already been decided.")
        raise ProblemError(
            f"This needs authority for {money(approval.cost_minor)}; "
            f"yours is {money(actor.authority_limit_minor)}."
        )
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ProblemError("Give the reason for refusing.", "reason")
    approval.state = "approved" if approve else "refused"
    approval.reason = reason[:2000]
    approval.decided_by_id = actor.id
    approval.decided_at = utcnow()
    problem = approval.solution.problem
    if approve:
        problem.status = "approved"
    _event(
        problem,
        actor,
        "solution_approved" if approve else "solution_refused",
        reason,
        approval_id=approval.id,
    )
    notify_staff(
        [db.session.get(User, approval.requested_by_id)],
        "problem_approval_decided",
        f"{actor.name} {'approved' if approve else 'refused'} the solution for "
        f"{problem.reference}.",
        url=f"/staff/problems/{problem.id}",
    )
    audit(
        "problem_approval_decided", actor, approval, decision=approval.state, problem_id=problem.id
    )
    _commit()


def record_action(
    problem: ProblemRecord,
    actor: User,
    text: str,
    *,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> ProblemEvent:
    """Note an action taken on the problem (who did what).

    A replayed idempotency key returns the event the first post recorded, before the
    version and state checks that would now refuse it.
    """
    if first := _replay_or_check(ProblemEvent, idempotency_key, problem, expected_version):
        return first
    text = _text(text, "text", "The action", 2000)
    with db.session.no_autoflush:  # a racing replay's key shows at the commit, not midway
        event = _event(problem, actor, "action", text, idempotency_key=idempotency_key)
    if (first := commit_or_first(ProblemEvent, idempotency_key)) is not None:
        return _replayed(first, first.problem_id == problem.id)
    return event


def put_live(problem: ProblemRecord, actor: User, note: str) -> None:
    """The approved solution is in place: monitoring starts now."""
    if problem.status != "approved":
        raise ProblemError("Only an approved solution can go live.")
    note = _text(note, "note", "What was done", 2000)
    problem.status = "live"
    problem.solution_live_at = utcnow()
    _event(problem, actor, "solution_live", note)
    _commit()


@dataclass(frozen=True)
class Monitoring:
    weeks_before: int
    weeks_after: int
    before: int
    after: int
    monitored_days: int
    needed_days: int

    @property
    def rate_before(self) -> float:
        return self.before / self.weeks_before if self.weeks_before else 0.0

    @property
    def rate_after(self) -> float:
        return self.after / self.weeks_after if self.weeks_after else 0.0

    @property
    def repeats_stopped(self) -> bool | None:
        """None until a full week has passed since the solution went live."""
        if self.weeks_after == 0:
            return None
        return self.rate_after <= self.rate_before / 2

    @property
    def period_done(self) -> bool:
        return self.monitored_days >= self.needed_days


def monitoring(problem: ProblemRecord, now: datetime | None = None) -> Monitoring | None:
    """Repeats per week before and after the solution went live."""
    if problem.solution_live_at is None:
        return None
    now = now or utcnow()
    live = problem.solution_live_at
    created = [link.ticket.created_at for link in problem.links]
    first = min(created, default=live)
    weeks_before = max(1, (live - first).days // 7 + 1)
    weeks_after = (now - live).days // 7
    return Monitoring(
        weeks_before=weeks_before,
        weeks_after=weeks_after,
        before=sum(1 for c in created if c < live),
        after=sum(1 for c in created if c >= live),
        monitored_days=(now - live).days,
        needed_days=get_int("monitoring_days"),
    )


def weekly_counts(
    problem: ProblemRecord, weeks: int = 12, now: datetime | None = None
) -> list[int]:
    """Linked tickets per week, oldest first, for the record's small chart."""
    now = now or utcnow()
    start = now - timedelta(weeks=weeks)
    counts = [0] * weeks
    for link in problem.links:
        created = link.ticket.created_at
        if created >= start:
            index = min(weeks - 1, int((created - start).days // 7))
            counts[index] += 1
    return counts


def close(problem: ProblemRecord, actor: User, reason: str = "") -> None:
    """Close once monitored for the admin-set period, or sooner with a written reason."""
    if not problem.is_open:
        raise ProblemError("This problem record is already closed.")
    watch = monitoring(problem)
    reason = (reason or "").strip()
    if (watch is None or not watch.period_done) and not reason:
        needed = get_int("monitoring_days")
        raise ProblemError(
            f"A problem record closes after its solution has been monitored for {needed} days; "
            "to close it sooner, give the reason.",
            "reason",
        )
    if len(reason) > 2000:
        raise ProblemError("Keep the reason under 2,000 characters.", "reason")
    problem.status = "closed"
    problem.closed_at = utcnow()
    problem.close_reason = reason
    _event(problem, actor, "closed", reason)
    _commit()


def problems_page(
    status: str = "open", before: int | None = None, size: int = 25
) -> list[ProblemRecord]:
    stmt = select(ProblemRecord)
    if status == "open":
        stmt = stmt.where(ProblemRecord.status != "closed")
    elif status == "closed":
        stmt = stmt.where(ProblemRecord.status == "closed")
    if before:
        stmt = stmt.where(ProblemRecord.id < before)
    return list(db.session.scalars(stmt.order_by(ProblemRecord.id.desc()).limit(size + 1)))


def check_version(problem: ProblemRecord, expected_version: int | None) -> None:
    """Refuse a write made from an out-of-date view of the record."""
    if expected_version is not None and expected_version != problem.version:
        raise StaleTicketError()


def linked_counts(problem_ids: Sequence[int]) -> dict[int, int]:
    """How many tickets each problem record groups, in one query."""
    if not problem_ids:
        return {}
    rows = db.session.execute(
        select(ProblemLink.problem_id, func.count())
        .where(ProblemLink.problem_id.in_(problem_ids))
        .group_by(ProblemLink.problem_id)
    )
    return {problem_id: int(count) for problem_id, count in rows}


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
            ProblemApproval.state == "pending",
            ProblemApproval.requested_by_id != user.id,
            ProblemApproval.cost_minor <= user.authority_limit_minor,
        )
        .order_by(ProblemApproval.id)
    )
    return [a for a in pending if can_decide(user, a)]
