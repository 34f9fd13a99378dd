"""Staff search over tickets, problem records and team feed posts, grouped by kind.

Tickets use the database's full-text index (helpdesk.search); the two small tables use
ILIKE per word. Whatever is typed is cut into plain words first (``terms``), so quotes,
brackets, operators, very long input and stop-words never reach SQL as syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, and_, func, or_, select

from helpdesk.domain import SearchKind
from helpdesk.extensions import db
from helpdesk.models import FeedPost, ProblemRecord, Ticket
from helpdesk.search import highlight, ranked_ticket_ids, terms, ticket_text_filter

QUERY_MAX = 200
GROUP_CAP = 20
ONE_KIND_CAP = 100
KINDS: dict[str, str] = {
    SearchKind.TICKETS: "Tickets",
    SearchKind.PROBLEMS: "Problem records",
    SearchKind.POSTS: "Team feed posts",
}


def clean_query(raw: str | None) -> str:
    """What was typed, without NULs (PostgreSQL text cannot hold one), cut to a sane size."""
    return (raw or "").replace("\x00", "").strip()[:QUERY_MAX]


@dataclass
class Group:
    kind: str
    label: str
    items: list[Any] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> bool:
        return self.total > len(self.items)


@dataclass
class StaffResults:
    query: str
    words: list[str]
    groups: list[Group]

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _every_word(words: list[str], *columns: Any) -> ColumnElement[bool]:
    """Each word appears in at least one of the columns."""
    return and_(*(or_(*(c.ilike(_like(w), escape="\\") for c in columns)) for w in words))


def _count(stmt: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def _tickets(query: str, cap: int) -> Group:
    group = Group(SearchKind.TICKETS, KINDS[SearchKind.TICKETS])
    matching = ticket_text_filter(query)
    # Best matches on whole words first, then newer tickets that match as typed so far.
    ranked = [tid for tid, _score in ranked_ticket_ids(query, any_word=False, limit=cap)]
    found = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ranked)))}
    items = [found[tid] for tid in ranked if tid in found]
    if len(items) < cap:
        rest = select(Ticket).where(matching).order_by(Ticket.id.desc()).limit(cap)
        for ticket in db.session.scalars(rest):
            if ticket.id not in found and len(items) < cap:
                items.append(ticket)
    group.items = items
    group.total = max(_count(select(Ticket.id).where(matching)), len(items))
    return group


def _problems(words: list[str], cap: int) -> Group:
    where = _every_word(words, ProblemRecord.title, ProblemRecord.root_cause)
    stmt = select(ProblemRecord).where(where).order_by(ProblemRecord.id.desc())
    return Group(
        SearchKind.PROBLEMS,
        KINDS[SearchKind.PROBLEMS],
        list(db.session.scalars(stmt.limit(cap))),
        _count(select(ProblemRecord.id).where(where)),
    )


def _posts(words: list[str], cap: int) -> Group:
    where = _every_word(words, FeedPost.quote, FeedPost.comment, FeedPost.tag)
    stmt = select(FeedPost).where(where).order_by(FeedPost.id.desc())
    return Group(
        SearchKind.POSTS,
        KINDS[SearchKind.POSTS],
        list(db.session.scalars(stmt.limit(cap))),
        _count(select(FeedPost.id).where(where)),
    )


def staff_search(query: str, *, only: str = "") -> StaffResults:
    """Matches of every word of ``query`` in each kind, each group capped, with totals.

    ``only`` names one kind to list at length (the group's "more" link).
    """
    query = clean_query(query)
    words = terms(query)
    if not words:
        return StaffResults(query, [], [])
    cap = ONE_KIND_CAP if only in KINDS else GROUP_CAP
    groups = []
    if only in ("", SearchKind.TICKETS):
        groups.append(_tickets(query, cap))
    if only in ("", SearchKind.PROBLEMS):
        groups.append(_problems(words, cap))
    if only in ("", SearchKind.POSTS):
        groups.append(_posts(words, cap))
    return StaffResults(query, words, groups)


def snippet(text: str, query: str, width: int = 240) -> Markup:
    """A window of ``text`` around the first matched word, escaped, words marked."""
    flat = " ".join((text or "").split())
    words = terms(query)
    start = 0
    if words:
        pattern = r"\b(?:" + "|".join(map(re.escape, words)) + ")"
        found = re.search(pattern, flat, re.IGNORECASE)
        if found and found.start() > width // 3:
            start = found.start() - width // 3
            space = flat.find(" ", start)
            start = space + 1 if 0 <= space < found.start() else start
    piece = flat[start : start + width]
    before = "… " if start > 0 else ""
    after = " …" if start + width < len(flat) else ""
    return escape(before) + highlight(piece, query) + escape(after)
