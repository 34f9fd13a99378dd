"""The default demo, loaded once per test session and copied into each test that needs it.

Loading 200 simulated tickets through the services takes seconds; copying the rows it
made back into a test's emptied database takes a fraction of that. Each test still gets
its own rows (the ``app`` fixture empties every table first), so one test's writes
never reach another.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Table, func, select, text

from helpdesk.demo import load_demo
from helpdesk.extensions import db

# One copy per database URL: a session runs on one database, but keying keeps it honest.
_SNAPSHOTS: dict[str, dict[str, list[dict[str, Any]]]] = {}


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    rows = {}
    for table in db.metadata.sorted_tables:
        rows[table.name] = [dict(row) for row in db.session.execute(select(table)).mappings()]
    return rows


def _restore(rows: dict[str, list[dict[str, Any]]]) -> None:
    # Parents first, so every foreign key finds its row.
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
        if conn.dialect.name == "postgresql":
            for table in db.metadata.sorted_tables:
                _restart_sequence(conn, table)


def _restart_sequence(conn: Any, table: Table) -> None:
    """Carry on numbering after the copied ids, as if the rows had been inserted here."""
    column = table.autoincrement_column
    if column is None:
        return
    top = conn.scalar(select(func.max(column)))
    if top is None:
        return
    conn.execute(
        text("SELECT setval(pg_get_serial_sequence(:table, :column), :top)"),
        {"table": table.name, "column": column.name, "top": top},
    )


@pytest.fixture
def demo(app: Flask) -> None:
    """The default ``flask demo load`` (200 tickets, seed 7) in this test's database."""
    # Its own app context (and so its own session): the test's session starts clean.
    with app.app_context():
        url = str(db.engine.url)
        if url not in _SNAPSHOTS:
            assert load_demo() is True
            db.session.commit()
            _SNAPSHOTS[url] = _snapshot()
        else:
            _restore(_SNAPSHOTS[url])
        db.session.remove()
