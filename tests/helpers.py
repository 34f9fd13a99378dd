"""Small helpers shared by the view tests."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from helpdesk.domain import Status
from helpdesk.extensions import db
from helpdesk.tickets.workflow import transition

_TOKENS = (
    re.compile(r'("X-CSRFToken": ")[^"]*'),
    re.compile(r'(name="csrf_token"[^>]*value=")[^"]*'),
)


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def without_csrf(body: str) -> str:
    """The page with its CSRF token values blanked, to compare two responses."""
    for pattern in _TOKENS:
        body = pattern.sub(r"\1", body)
    return body


def count(model: Any, **where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where)) or 0


def close(ticket: Any, actor: Any, to: Status = Status.CLOSED_UNRESOLVED) -> None:
    """Close a ticket along an allowed move (never by setting its status)."""
    transition(ticket, to, actor)
    db.session.commit()


def wait_for_customer(ticket: Any, actor: Any) -> None:
    transition(ticket, Status.AWAITING_CUSTOMER, actor)
    db.session.commit()


def assert_fragment(body: str, element_id: str) -> None:
    """An htmx swap gets the one element, never a whole page."""
    assert "<html" not in body
    assert f'id="{element_id}"' in body
