"""Text search over tickets, behind one function so the engine can change underneath."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_

from helpdesk.models import Ticket


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def ticket_text_filter(query: str) -> Any:
    """A WHERE clause: every word of ``query`` appears in the subject or description."""
    terms = [t for t in query.split() if t][:8]
    clauses = []
    for term in terms:
        pattern = f"%{_escape_like(term)}%"
        clauses.append(
            or_(
                Ticket.subject.ilike(pattern, escape="\\"),
                Ticket.description.ilike(pattern, escape="\\"),
            )
        )
    return and_(*clauses) if clauses else and_(True)
