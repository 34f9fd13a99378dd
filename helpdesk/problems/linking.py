"""Linking tickets to problem records from a ticket's similar-tickets panel or the queue.

The rules (who is refused, who is alerted) stay in ``services``; these functions pick
the tickets and the record, then call ``create_problem`` or ``link_tickets``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import case, select

from helpdesk.domain import ProblemStatus
from helpdesk.extensions import db
from helpdesk.models import ProblemLink, ProblemRecord, Ticket, User
from helpdesk.problems.services import ProblemError, create_problem, link_tickets
from helpdesk.problems.similar import CANDIDATES, VERY_SIMILAR, Similar, find_similar

# More ticks than a person makes in one go: a forged post, refused before any query.
MAX_TICKED = 100


def problem_ids_for(ticket_ids: Collection[int]) -> dict[int, int]:
    """Which of these tickets already belong to a problem record (one IN query)."""
    if not ticket_ids:
        return {}
    rows = db.session.execute(
        select(ProblemLink.ticket_id, ProblemLink.problem_id).where(
            ProblemLink.ticket_id.in_(sorted(ticket_ids))
        )
    )
    return {int(ticket_id): int(problem_id) for ticket_id, problem_id in rows}


def open_problems(category_id: int | None, limit: int = 100) -> list[ProblemRecord]:
    """Open problem records to link to: the ticket's category first, newest first."""
    stmt = select(ProblemRecord).where(ProblemRecord.status != ProblemStatus.CLOSED)
    if category_id is not None:
        same_first = case((ProblemRecord.category_id == category_id, 0), else_=1)
        stmt = stmt.order_by(same_first, ProblemRecord.id.desc())
    else:
        stmt = stmt.order_by(ProblemRecord.id.desc())
    return list(db.session.scalars(stmt.limit(limit)))


def suggested_problem(similar: Iterable[Similar]) -> ProblemRecord | None:
    """The newest open record that already holds one of these tickets."""
    held = {s.problem_id for s in similar if s.problem_id is not None}
    if not held:
        return None
    return db.session.scalar(
        select(ProblemRecord)
        .where(ProblemRecord.id.in_(sorted(held)), ProblemRecord.status != ProblemStatus.CLOSED)
        .order_by(ProblemRecord.id.desc())
        .limit(1)
    )


def _chosen_tickets(ids: Iterable[int], exclude_id: int) -> list[Ticket]:
    wanted = sorted({i for i in ids if i != exclude_id})
    if len(wanted) > MAX_TICKED:
        raise ProblemError(f"Tick at most {MAX_TICKED} tickets at a time.", "ticket_ids")
    if not wanted:
        return []
    found = list(db.session.scalars(select(Ticket).where(Ticket.id.in_(wanted))))
    if len(found) != len(wanted):
        raise ProblemError("Tick only the tickets listed here.", "ticket_ids")
    return sorted(found, key=lambda t: t.id)


def link_with_chosen(
    actor: User,
    ticket: Ticket,
    other_ids: Iterable[int],
    *,
    new: bool,
    title: str = "",
    problem_id: int | None = None,
) -> tuple[ProblemRecord, list[Ticket]]:
    """Link a ticket and the ticked similar ones to a new or an existing problem record.

    A new record takes the ticket's category. Linking alerts the authority as
    ``create_problem`` and ``link_tickets`` say.

    :raise ProblemError: a ticket already in another record, an empty title, no record
        chosen, or nothing left to link.
    """
    chosen = [ticket, *_chosen_tickets(other_ids, ticket.id)]
    if new:
        problem = create_problem(actor, title=title, category_id=ticket.category_id, tickets=chosen)
        return problem, chosen
    existing = db.session.get(ProblemRecord, problem_id) if problem_id else None
    if existing is None:
        raise ProblemError("Choose one of the open problem records.", "problem_id")
    linked = link_tickets(existing, actor, chosen)
    if not linked:
        raise ProblemError(
            f"Nothing to link: these tickets are already in {existing.reference}. "
            "Tick others, or choose another record.",
            "ticket_ids",
        )
    return existing, linked


def very_similar_open(ticket: Ticket) -> list[Similar]:
    """Open tickets sharing enough words with this one to be the same problem."""
    found = find_similar(
        ticket.subject,
        ticket.description,
        category_id=ticket.category_id,
        exclude_id=ticket.id,
        limit=CANDIDATES,
        open_only=True,
    )
    return [s for s in found if s.overlap >= VERY_SIMILAR]


def link_similar(actor: User, ticket: Ticket) -> tuple[ProblemRecord, list[Ticket]]:
    """One click from the queue: link the ticket and its very similar open tickets.

    They go to the record the ticket is already in, else the newest open record that
    holds one of them, else a new record titled from the ticket's subject. Very similar
    tickets already in some record stay where they are.

    :raise ProblemError: the ticket's own record is closed, or nothing is left to link.
    """
    very = very_similar_open(ticket)
    own = problem_ids_for([ticket.id]).get(ticket.id)
    target = db.session.get(ProblemRecord, own) if own else suggested_problem(very)
    to_link = [ticket, *(s.ticket for s in very if s.problem_id is None)]
    if target is None:
        problem = create_problem(
            actor, title=ticket.subject[:200], category_id=ticket.category_id, tickets=to_link
        )
        return problem, to_link
    linked = link_tickets(target, actor, to_link)
    if not linked:
        raise ProblemError(
            f"{ticket.reference} and its very similar tickets are already in {target.reference}."
        )
    return target, linked
