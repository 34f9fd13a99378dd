"""Full-text search over tickets with the database's own engine, behind one interface.

SQLite uses FTS5 (``ticket_fts``), PostgreSQL a GIN-indexed tsvector. What people type
is never passed through as query syntax: it is cut into plain words, so quotes,
brackets, operators and stop-words cannot break a query.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import Integer, column, func, literal_column, select, text

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.search_schema import PG_TICKET_DOCUMENT_QUALIFIED as PG_TICKET_DOCUMENT

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
# Words too common to narrow a search; FTS5 has no stop-word list of its own.
STOP_WORDS = frozenset(
    """a an and are as at be but by for from has have i if in into is it its my no not of
    on or our so that the their them then there these they this to was we were what when
    which who will with you your""".split()
)


def terms(query: str) -> list[str]:
    """The plain words of a query, lower-cased, without stop-words, at most eight."""
    found: list[str] = []
    for word in _WORD.findall((query or "")[:1000].lower()):
        word = word.replace("_", "")
        if not word or word in STOP_WORDS or len(word) > MAX_TERM_LENGTH or word in found:
            continue
        found.append(word)
        if len(found) == MAX_TERMS:
            break
    return found


def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _fts5_query(words: list[str], *, any_word: bool = False, prefix_last: bool = True) -> str:
    # Each word is a quoted FTS5 string: nothing inside it is syntax.
    quoted = [f'"{w}"' for w in words]
    if prefix_last and quoted and not any_word:
        quoted[-1] += "*"  # live search: the word being typed may be unfinished
    return (" OR " if any_word else " AND ").join(quoted)


def ticket_text_filter(query: str) -> Any:
    """A WHERE clause for tickets whose subject or description has every word of ``query``.

    A query with no usable words (only stop-words or punctuation) filters nothing out.
    """
    words = terms(query)
    if not words:
        return literal_column("1") == 1
    if _is_sqlite():
        matches = (
            text("SELECT rowid FROM ticket_fts WHERE ticket_fts MATCH :q")
            .bindparams(q=_fts5_query(words))
            .columns(column("rowid", Integer))
        )
        return Ticket.id.in_(matches)
    parts = [_pg_word(w) for w in words]
    parts[-1] += ":*"  # live search: the word being typed may be unfinished
    tsquery = func.to_tsquery("english", " & ".join(parts))
    return literal_column(PG_TICKET_DOCUMENT).op("@@")(tsquery)


def _pg_word(word: str) -> str:
    # Words are \w+ only, so quoting them as a lexeme cannot inject tsquery syntax.
    return "'" + word.replace("'", "") + "'"


def ranked_ticket_ids(
    query: str, *, any_word: bool = True, limit: int = 50, min_id: int = 0
) -> list[tuple[int, float]]:
    """Ticket ids best matching ``query`` with a relevance score (higher is better).

    ``min_id`` limits the ranking to newer tickets: a rowid range the engines use
    directly, so the cost depends on the window, not on the whole history.
    """
    words = terms(query)
    if not words:
        return []
    if _is_sqlite():
        rows = db.session.execute(
            text(
                "SELECT rowid, -bm25(ticket_fts, 2.0, 1.0) AS score FROM ticket_fts "
                "WHERE ticket_fts MATCH :q AND rowid >= :min_id "
                "ORDER BY bm25(ticket_fts, 2.0, 1.0) LIMIT :limit"
            ),
            {
                "q": _fts5_query(words, any_word=any_word, prefix_last=False),
                "limit": limit,
                "min_id": min_id,
            },
        )
        return [(int(r[0]), float(r[1])) for r in rows]
    joiner = " | " if any_word else " & "
    tsquery = func.to_tsquery("english", joiner.join(_pg_word(w) for w in words))
    document: Any = literal_column(PG_TICKET_DOCUMENT)
    rank = func.ts_rank(document, tsquery)
    rows = db.session.execute(
        select(Ticket.id, rank)
        .where(document.op("@@")(tsquery), Ticket.id >= min_id)
        .order_by(rank.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return [(int(r[0]), float(r[1])) for r in rows]


def highlight(value: str, query: str) -> Markup:
    """Escape ``value`` and wrap the query's words (and words they start) in <mark>."""
    words = terms(query)
    safe = str(escape(value))
    if not words:
        return Markup(safe)  # noqa: S704 - already escaped above
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(str(escape(w))) for w in words) + r")\w*", re.IGNORECASE
    )
    return Markup(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", safe))  # noqa: S704
