"""Shared fixtures: one app per test session on SQLite or PostgreSQL, emptied per test.

``TEST_DATABASE_URL`` picks PostgreSQL (``make test`` sets it inside a throwaway
cluster made by tests/pgcluster.py); without it the tests use a temporary SQLite file.
Under pytest-xdist (``-n 2``) each worker has its own database: its own SQLite file in
its own temporary folder, or its own ``helpdesk_test_gw<n>`` database in the cluster.
"""

from __future__ import annotations

import contextvars
import hashlib
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from helpdesk import create_app
from helpdesk.config import TestConfig
from helpdesk.extensions import db, limiter
from helpdesk.search_schema import create_search_indexes, drop_search_indexes
from tests import factories


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {'PostgreSQL' if os.environ.get('TEST_DATABASE_URL') else 'SQLite'}"


# Counts the proof tests add up (probes sent, payloads posted), shown after the run.
SUMMARY: Counter[str] = Counter()


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker hands its counts to the controller
        workeroutput["summary"] = dict(SUMMARY)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    SUMMARY.update(getattr(node, "workeroutput", {}).get("summary", {}))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for label, n in sorted(SUMMARY.items()):
        terminalreporter.write_line(f"{label}: {n}")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url:
        # tmp_path_factory already gives each xdist worker its own folder.
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    elif not worker:
        yield url
    else:
        yield from _worker_database(url, f"helpdesk_test_{worker}")


def _worker_database(url: str, name: str) -> Iterator[str]:
    """A database of the worker's own beside the one ``url`` names, dropped afterwards."""
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


@pytest.fixture(scope="session")
def _session_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        UPLOAD_FOLDER=str(tmp_path_factory.mktemp("uploads")),
        EXPORT_FOLDER=str(tmp_path_factory.mktemp("exports")),
    )
    with app.app_context():
        with db.engine.begin() as conn:
            drop_search_indexes(conn)
        db.drop_all()
        db.create_all()
        with db.engine.begin() as conn:
            create_search_indexes(conn)
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            drop_search_indexes(conn)
        db.drop_all()
        db.engine.dispose()


def empty_tables(app: Flask) -> None:
    """Delete every row, children first, so each test starts from nothing."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
            if conn.dialect.name == "postgresql":
                names = ", ".join(t.name for t in db.metadata.sorted_tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(_session_app: Flask) -> Iterator[Flask]:
    empty_tables(_session_app)
    with _session_app.app_context():
        limiter.reset()  # limits stay on, but each test starts with none used
        yield _session_app
        db.session.remove()


class CSRFClient(FlaskClient):
    """A test client whose requests live as production's do, and that sends a valid CSRF
    token with every unsafe request, the way base.html does for htmx (``csrf=False`` sends
    none).

    The ``app`` fixture keeps one app context open for the test. Flask would reuse it (its
    ``g`` and its database session) for every request, so each request runs in a fresh
    one instead: the test's unit of work is committed first (as if it came before the
    request), and the test's objects are expired afterwards so it reads what the request
    committed.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        send_token = kwargs.pop("csrf", True)
        method = (kwargs.get("method") or "GET").upper()
        if send_token and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def run_wsgi_app(self, environ: Any, buffered: bool = False) -> Any:
        outer = db.session() if has_app_context() else None
        if outer is not None and (outer.in_transaction() or outer.new or outer.deleted):
            # Also ends a read: on SQLite an open transaction would block the request's
            # write lock or pin an old snapshot.
            outer.commit()
        try:
            # An empty contextvars context has no app context, so Flask pushes a new one
            # (with its own ``g`` and scoped session) and pops it when the request ends.
            return contextvars.Context().run(super().run_wsgi_app, environ, buffered)
        finally:
            if outer is not None:
                outer.expire_all()

    def csrf_token(self) -> str:
        with self.session_transaction() as sess:
            if "csrf_token" not in sess:
                sess["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324
            raw = sess["csrf_token"]
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CSRFClient
    return app.test_client()


@pytest.fixture
def hx() -> dict[str, str]:
    """Headers that make a request look like an htmx swap."""
    return {"HX-Request": "true"}


def login(client: FlaskClient, email: str, password: str = factories.PASSWORD) -> Any:
    """Sign in through the real login form."""
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login_as(client: FlaskClient) -> Any:
    def _login(user: Any) -> FlaskClient:
        login(client, user.email)
        return client

    return _login


@pytest.fixture
def category(app: Flask) -> Any:
    return factories.make_category("Deliveries")


@pytest.fixture
def customer(app: Flask) -> Any:
    return factories.make_user("customer", email="casey@example.com", name="Casey Jones")


@pytest.fixture
def other_customer(app: Flask) -> Any:
    return factories.make_user("customer", email="olive@example.com", name="Olive Other")


@pytest.fixture
def agent(app: Flask) -> Any:
    return factories.make_user("agent", email="alex@example.com", name="Alex Agent", limit=5_000)


@pytest.fixture
def supervisor(app: Flask) -> Any:
    return factories.make_user(
        "supervisor", email="sam@example.com", name="Sam Supervisor", limit=50_000, exceptions=True
    )


@pytest.fixture
def admin(app: Flask) -> Any:
    return factories.make_user("admin", email="ada@example.com", name="Ada Admin")


@pytest.fixture
def assessor(app: Flask) -> Any:
    return factories.make_user("assessor", email="ari@example.com", name="Ari Assessor")


@pytest.fixture
def other_assessor(app: Flask) -> Any:
    return factories.make_user("assessor", email="oz@example.com", name="Oz Other")


@pytest.fixture
def iqa(app: Flask) -> Any:
    return factories.make_user("iqa", email="ira@example.com", name="Ira Quality")


@pytest.fixture
def casey(customer: Any) -> Any:
    """The customer, by name, for the learner tests' stories."""
    return customer


@pytest.fixture
def learner(app: Flask, assessor: Any, request: pytest.FixtureRequest) -> Any:
    """Lee, an agent in learner mode on framework A, assessed by ``assessor``.

    A module or test changes that with ``@pytest.mark.learner(framework="C")`` (any
    argument of ``factories.make_learner``).
    """
    marker = request.node.get_closest_marker("learner")
    options: dict[str, Any] = {
        "framework": "A",
        "assessors": (assessor,),
        "email": "lee@example.com",
        "name": "Lee Learner",
    }
    return factories.make_learner(**(options | (marker.kwargs if marker else {})))


@pytest.fixture
def ticket(app: Flask, customer: Any, category: Any) -> Any:
    return factories.make_ticket(customer=customer, category=category)


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
