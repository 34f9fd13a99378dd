"""Problem records: open one for repeats, link tickets, alert the appropriate authority,
record the root cause and the actions taken. Solutions and approval are in solutions.py;
going live, monitoring and closing in monitoring.py.

Every function checks the move and the person's authority, writes the problem's event
(and the tickets' events), queues notifications and flushes; the caller's unit of work
commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import func, select

from helpdesk.domain import (
    ListFilter,
    NotificationKind,
    ProblemEventKind,
    ProblemStatus,
    TicketEventKind,
)
from helpdesk.evidence.capture import capture_problem_event
from helpdesk.extensions import db
from helpdesk.idempotency import first_made, flush_or_first, replayed
from helpdesk.locking import flush_checked
from helpdesk.models import (
    CandidateSolution,
    Category,
    ProblemEvent,
    ProblemLink,
    ProblemRecord,
    Ticket,
    User,
)
from helpdesk.models.problem import category_supervisors
from helpdesk.models.types import utcnow
from helpdesk.notifications.services import notify_staff, supervisors
from helpdesk.settings import get_int
from helpdesk.tickets.workflow import StaleTicketError, WorkflowError, record_event
from helpdesk.validation import required_text

T = TypeVar("T")
M = TypeVar("M", CandidateSolution, ProblemEvent)


class ProblemError(WorkflowError):
    """A refused move on a problem record; the message says why and what to do."""


def _text(value: str, field: str, label: str, max_len: int) -> str:
    return required_text(value, field, label, max_len, ProblemError)


P = ProblemStatus

# Which status may follow which; closing is allowed from any open status, and choosing
# again before approval keeps the record at SOLUTION_CHOSEN.
PROBLEM_TRANSITIONS: dict[ProblemStatus, frozenset[ProblemStatus]] = {
    P.OPEN: frozenset({P.SOLUTION_CHOSEN, P.CLOSED}),
    P.SOLUTION_CHOSEN: frozenset({P.SOLUTION_CHOSEN, P.APPROVED, P.CLOSED}),
    P.APPROVED: frozenset({P.APPROVED, P.LIVE, P.CLOSED}),
    P.LIVE: frozenset({P.CLOSED}),
    P.CLOSED: frozenset(),
}


def move_problem(
    problem: ProblemRecord,
    to: ProblemStatus,
    actor: User | None,
    kind: ProblemEventKind,
    body: str = "",
    **data: Any,
) -> ProblemEvent:
    """Move the record to ``to`` if the table allows it, writing its event.

    :raise ProblemError: when the table does not allow the move.
    """
    if to not in PROBLEM_TRANSITIONS[ProblemStatus(problem.status)]:
        raise ProblemError(f"A problem record that is '{problem.status}' cannot move to '{to}'.")
    problem.status = to
    return _event(problem, actor, kind, body, **data)


def _event(
    problem: ProblemRecord,
    actor: User | None,
    kind: ProblemEventKind,
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


_flush = flush_checked


def _replay_or_check(
    model: type[M], key: str | None, problem: ProblemRecord, expected_version: int | None
) -> M | None:
    """A replay's first row; else None once the record is unchanged since read and open."""
    if (first := first_made(model, key)) is not None:
        return replayed(first, first.problem_id == problem.id, ProblemError)
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
        NotificationKind.REPEAT_ALERT,
        text + ("\nLatest:\n" + lines if lines else ""),
        url=f"/staff/problems/{problem.id}",
        email=True,
        about=[link.ticket for link in latest],
    )
    problem.alerted_at_count = count
    _event(problem, actor, ProblemEventKind.AUTHORITY_ALERTED, text, count=count)


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
            TicketEventKind.LINKED_TO_PROBLEM,
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
        return replayed(first, first.created_by_id == actor.id, ProblemError)
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
        return replayed(first, first.created_by_id == actor.id, ProblemError)
    _event(problem, actor, ProblemEventKind.CREATED, title)
    _link(problem, actor, tickets)
    db.session.flush()
    _alert(problem, actor, "a new problem record was opened")
    if (first := flush_or_first(ProblemRecord, idempotency_key)) is not None:
        return replayed(first, first.created_by_id == actor.id, ProblemError)
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
            ProblemEventKind.TICKETS_LINKED,
            ", ".join(t.reference for t in linked),
            ticket_ids=[t.id for t in linked],
        )
        db.session.flush()
        threshold = get_int("repeat_alert_threshold")
        if len(problem.links) >= threshold > problem.alerted_at_count:
            _alert(problem, actor, f"it has reached {threshold} repeats")
    _flush()
    return linked


def update_root_cause(problem: ProblemRecord, actor: User, root_cause: str) -> None:
    root_cause = _text(root_cause, "root_cause", "The suspected root cause", 4000)
    problem.root_cause = root_cause
    _event(problem, actor, ProblemEventKind.ROOT_CAUSE, root_cause)
    _flush()


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
        event = _event(
            problem, actor, ProblemEventKind.ACTION, text, idempotency_key=idempotency_key
        )
    if (first := flush_or_first(ProblemEvent, idempotency_key)) is not None:
        return replayed(first, first.problem_id == problem.id, ProblemError)
    return event


def problems_page(
    status: str = ListFilter.OPEN, before: int | None = None, size: int = 25
) -> list[ProblemRecord]:
    stmt = select(ProblemRecord)
    if status == ListFilter.OPEN:
        stmt = stmt.where(ProblemRecord.status != ProblemStatus.CLOSED)
    elif status == ListFilter.CLOSED:
        stmt = stmt.where(ProblemRecord.status == ProblemStatus.CLOSED)
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
