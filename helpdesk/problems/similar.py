"""Similar tickets: text similarity (the database's full-text ranking), boosted for the
same category, recent first among equals; and the "possible repeat" mark on arrival."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from helpdesk.domain import OPEN_STATUSES
from helpdesk.extensions import db
from helpdesk.models import ProblemLink, Ticket
from helpdesk.search import ranked_ticket_ids, terms
from helpdesk.settings import get_int

# Only the newest 10,000 tickets are ranked (weeks to months of a busy helpdesk, where
# repeats live), so the cost stays flat as history grows; the benchmark showed ranking
# 20,000 costs too much at 100,000 tickets (p95 38 ms against a 30 ms target).
WINDOW = 10_000
CANDIDATES = 60
CATEGORY_BOOST = 1.25
# Share of words two tickets must have in common to count as "very similar".
VERY_SIMILAR = 0.3


@dataclass(frozen=True)
class Similar:
    ticket: Ticket
    score: float
    overlap: float
    problem_id: int | None


def _query_words(subject: str, description: str) -> list[str]:
    # Subject words first (they name the problem), then the longest description words.
    head = terms(subject)
    rest = sorted(terms(description[:2000]), key=len, reverse=True)
    ordered = head + [w for w in rest if w not in head]
    return ordered[:10]


def word_set(subject: str, description: str) -> set[str]:
    return set(terms(subject)) | set(terms(description[:2000]))


def overlap(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two word sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def find_similar(
    subject: str,
    description: str,
    *,
    category_id: int | None,
    exclude_id: int | None = None,
    limit: int = 8,
    open_only: bool = False,
) -> list[Similar]:
    words = _query_words(subject, description)
    if not words:
        return []
    newest = db.session.scalar(select(func.max(Ticket.id))) or 0
    ranked = ranked_ticket_ids(
        " ".join(words), any_word=True, limit=CANDIDATES, min_id=max(0, newest - WINDOW)
    )
    ids = [tid for tid, _ in ranked if tid != exclude_id]
    if not ids:
        return []
    stmt = select(Ticket).where(Ticket.id.in_(ids))
    if open_only:
        stmt = stmt.where(Ticket.status.in_(sorted(OPEN_STATUSES)))
    tickets = {t.id: t for t in db.session.scalars(stmt)}
    problems = dict(
        db.session.execute(
            select(ProblemLink.ticket_id, ProblemLink.problem_id).where(
                ProblemLink.ticket_id.in_(list(tickets))
            )
        ).all()
    )
    mine = word_set(subject, description)
    found = []
    for tid, score in ranked:
        ticket = tickets.get(tid)
        if ticket is None:
            continue
        boosted = score * (
            CATEGORY_BOOST if category_id and ticket.category_id == category_id else 1
        )
        found.append(
            Similar(
                ticket=ticket,
                score=boosted,
                overlap=overlap(mine, word_set(ticket.subject, ticket.description)),
                problem_id=problems.get(tid),
            )
        )
    found.sort(key=lambda s: (-round(s.score, 6), -s.ticket.id))
    return found[:limit]


def similar_to(ticket: Ticket, limit: int = 8) -> list[Similar]:
    """The tickets most like this one, for the workspace's side panel."""
    return find_similar(
        ticket.subject,
        ticket.description,
        category_id=ticket.category_id,
        exclude_id=ticket.id,
        limit=limit,
    )


def is_possible_repeat(subject: str, description: str, category_id: int | None) -> bool:
    """Very like at least N open tickets (N admin-set): worth linking to a problem record."""
    needed = get_int("possible_repeat_min")
    close = [
        s
        for s in find_similar(
            subject, description, category_id=category_id, limit=CANDIDATES, open_only=True
        )
        if s.overlap >= VERY_SIMILAR
    ]
    return len(close) >= needed
