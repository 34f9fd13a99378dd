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


_PANEL = re.compile(r'<div id="panel-([a-z]+)" class="panel"[^>]*>')


def assert_panels(body: str, target: str, oob: Any = ()) -> set[str]:
    """An htmx action's answer: the panel that posted first, swapped where it stands, then
    the panels it changed, out of band (at least ``oob``); never the whole workspace.

    Returns the names of the out-of-band panels.
    """
    assert "<html" not in body
    assert 'id="workspace"' not in body
    found = [(m.group(1), "hx-swap-oob" in m.group(0)) for m in _PANEL.finditer(body)]
    assert found, body[:500]
    assert found[0] == (target, False), found
    assert all(is_oob for _, is_oob in found[1:]), found
    also = {name for name, _ in found[1:]}
    assert set(oob) <= also, (sorted(also), sorted(oob))
    return also
