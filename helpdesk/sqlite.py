"""SQLite set-up: WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE for writes.

pysqlite starts a (deferred) transaction lazily, at the first write, so a request that
reads, decides and then writes works on what it read without holding the lock: another
writer can slip in between. A request that will write (any non-GET request) therefore
takes the write lock up front with BEGIN IMMEDIATE, where the busy timeout makes it
wait its turn; reads (GET pages) still run side by side.
Code outside a request (the cron jobs) asks for the same with ``writing()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_writing: ContextVar[bool] = ContextVar("sqlite_writing", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Begin this block's transactions with BEGIN IMMEDIATE (for jobs that write)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_begin(connection: Any) -> None:
    # Otherwise pysqlite's own behaviour stands: reads outside a transaction, and a
    # deferred BEGIN just before the first write.
    will_write = _writing.get() or (has_request_context() and request.method not in SAFE_METHODS)
    if will_write:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def configure(engine: Engine) -> None:
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
