"""Real threads against a running server on the session database (SQLite or PostgreSQL).

Each person is a separate cookie jar signing in through the real /login form; posts
carry the CSRF token read from the page. Every wait is bounded.
"""

from __future__ import annotations

import http.cookiejar
import logging
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask, got_request_exception
from sqlalchemy import func, select
from werkzeug.serving import make_server

from helpdesk.extensions import db
from helpdesk.models import FeedPost, Option, ProblemRecord, Promise, Ticket, TicketEvent
from tests import factories
from tests.resolving import acknowledged

# Real threads race with bounded waits (and SQLite's 5 s busy timeout): beside another
# xdist worker on a 2-core machine they could starve, so they run on their own.
pytestmark = pytest.mark.serial

TIMEOUT = 15  # seconds, for every request, barrier and join
TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect comes back as the answer, as a browser would see it


class Person:
    """One browser: its own cookies, signing in through the real form."""

    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect
        )

    def open(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - loopback
        try:
            with self.opener.open(req, timeout=TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read().decode()

    def token(self, path: str) -> str:
        status, page = self.open(path)
        assert status == 200, (path, status)
        found = TOKEN.search(page)
        assert found, f"no CSRF token on {path}"
        return found.group(1) or found.group(2)

    def sign_in(self, email: str) -> Person:
        form = {"csrf_token": self.token("/login"), "email": email}
        status, _ = self.open("/login", form | {"password": factories.PASSWORD})
        assert status == 302, f"sign-in of {email} answered {status}"
        return self


class Live:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.errors: list[BaseException] = []
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        got_request_exception.connect(self._error, app)
        self.thread.start()

    def _error(self, sender: Flask, exception: BaseException, **_: Any) -> None:
        self.errors.append(exception)

    def stop(self) -> None:
        got_request_exception.disconnect(self._error, self.app)
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=TIMEOUT)


@pytest.fixture
def live(app: Flask) -> Iterator[Live]:
    log = logging.getLogger("werkzeug")
    level = log.level
    log.setLevel(logging.WARNING)
    server = Live(app)
    yield server
    server.stop()
    log.setLevel(level)
    assert not server.errors, f"the live server raised: {server.errors!r}"


def at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released together by a barrier; their results, in order."""
    barrier = threading.Barrier(len(jobs), timeout=TIMEOUT)
    results: list[Any] = [None] * len(jobs)

    def run(n: int) -> None:
        barrier.wait()
        try:
            results[n] = jobs[n]()
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    assert not any(t.is_alive() for t in threads), "a request thread did not finish"
    return results


def fresh() -> None:
    db.session.commit()
    db.session.remove()  # no transaction of the test's own holds a lock


def test_two_agents_replying_with_the_same_version_one_wins(app, live, customer, category):
    ticket = acknowledged(
        factories.make_ticket(customer=customer, category=category),
        factories.make_user("agent", email="alex@example.com"),
    )
    factories.make_user("supervisor", email="sam@example.com")
    ticket_id, version = ticket.id, ticket.version
    fresh()
    people = [Person(live.url).sign_in(e) for e in ("alex@example.com", "sam@example.com")]
    tokens = [p.token(f"/staff/tickets/{ticket_id}") for p in people]
    before = db.session.scalar(
        select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    )
    fresh()

    def reply(n: int) -> Callable[[], tuple[int, str]]:
        form = {
            "csrf_token": tokens[n],
            "version": str(version),
            "body": f"Reply {n}",
            "update_kind": "volunteered",
            "idempotency_key": uuid.uuid4().hex,
        }
        return lambda: people[n].open(f"/staff/tickets/{ticket_id}/reply", form)

    results = at_once([reply(0), reply(1)])
    statuses = sorted(r[0] for r in results)
    assert statuses == [302, 409], results
    [(_, refused)] = [r for r in results if r[0] == 409]
    assert "changed since you opened it" in refused
    events = db.session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    ).all()
    assert len(events) == before + 1
    assert events[-1].kind == "reply" and events[-1].body.startswith("Reply ")


def test_ten_customers_raising_at_once_make_ten_tickets(app, live, category):
    emails = [f"c{n}@example.com" for n in range(10)]
    for email in emails:
        factories.make_user("customer", email=email)
    category_id = category.id
    fresh()
    people = [Person(live.url).sign_in(e) for e in emails]
    tokens = [p.token("/my/raise") for p in people]

    def raise_(n: int) -> Callable[[], tuple[int, str]]:
        form = {
            "csrf_token": tokens[n],
            "subject": f"Kettle {n} broke",
            "description": f"Customer {n}'s kettle cracked.",
            "category_id": str(category_id),
            "idempotency_key": uuid.uuid4().hex,
        }
        return lambda: people[n].open("/my/raise", form)

    results = at_once([raise_(n) for n in range(10)])
    assert [r[0] for r in results] == [302] * 10, [(r[0], r[1][:200]) for r in results]
    assert not any("database is locked" in r[1] for r in results)
    subjects = db.session.scalars(select(Ticket.subject)).all()
    assert sorted(subjects) == sorted(f"Kettle {n} broke" for n in range(10))


def test_the_same_raise_replayed_at_once_makes_one_ticket(app, live, customer, category):
    email, category_id = customer.email, category.id
    fresh()
    person = Person(live.url).sign_in(email)
    form = {
        "csrf_token": person.token("/my/raise"),
        "subject": "Lid snapped",
        "description": "The lid snapped off.",
        "category_id": str(category_id),
        "idempotency_key": uuid.uuid4().hex,
    }
    results = at_once([lambda: person.open("/my/raise", form)] * 2)
    assert [r[0] for r in results] == [302, 302], [(r[0], r[1][:200]) for r in results]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1


# Create forms whose id is needed before the commit (a flush), where two posts with one
# key meet at the unique index rather than at the first look-up on PostgreSQL.
CREATE_FORMS = {
    "feed post": (
        "/staff/feed/new",
        {"quote": "Box arrived crushed", "comment": "Again", "tag": "delivery"},
        FeedPost,
    ),
    "problem record": (
        "/staff/problems/new",
        {"title": "Crushed boxes", "root_cause": ""},
        ProblemRecord,
    ),
    "proactive report": (
        "/staff/proactive/new",
        {
            "what": "Label printer jams",
            "where": "Dispatch",
            "risk": "Late parcels",
            "priority": "2",
        },
        Ticket,
    ),
}


@pytest.mark.parametrize("form_name", CREATE_FORMS)
def test_one_create_form_posted_four_times_at_once_makes_one_row(
    app, live, agent, category, form_name
):
    path, fields, model = CREATE_FORMS[form_name]
    email, fields = agent.email, fields | {"category_id": str(category.id)}
    fresh()
    person = Person(live.url).sign_in(email)
    form = {"csrf_token": person.token(path), "idempotency_key": uuid.uuid4().hex, **fields}
    results = at_once([lambda: person.open(path, form)] * 4)
    statuses = [r[0] for r in results]
    assert len(set(statuses)) == 1 and statuses[0] in (302, 303), statuses
    assert db.session.scalar(select(func.count()).select_from(model)) == 1


WORKSPACE_CREATES = {
    "option": (
        "options",
        {
            "description": "Refund the postage",
            "remedy_type": "refund",
            "cost": "5",
            "duration": "1 day",
            "within_policy": "yes",
            "pros_customer": "Money back",
            "cons_customer": "None",
            "pros_org": "Quick",
            "cons_org": "Cost",
        },
        Option,
    ),
    "promise": (
        "promises",
        {
            "description": "Call back with tracking",
            "due_at": f"{datetime.now() + timedelta(days=30):%Y-%m-%dT10:00}",
        },
        Promise,
    ),
}


@pytest.mark.parametrize("form_name", WORKSPACE_CREATES)
def test_one_workspace_form_posted_four_times_at_once_makes_one_row(
    app, live, customer, category, form_name
):
    action, fields, model = WORKSPACE_CREATES[form_name]
    agent = factories.make_user("agent", email="alex@example.com", limit=5_000)
    ticket = acknowledged(factories.make_ticket(customer=customer, category=category), agent)
    ticket_id, version, agent_id = ticket.id, ticket.version, agent.id
    fresh()
    person = Person(live.url).sign_in("alex@example.com")
    form = {
        "csrf_token": person.token(f"/staff/tickets/{ticket_id}"),
        "version": str(version),
        "owner_id": str(agent_id),
        "idempotency_key": uuid.uuid4().hex,
        **fields,
    }
    results = at_once([lambda: person.open(f"/staff/tickets/{ticket_id}/{action}", form)] * 4)
    errors = [re.findall(r"field-error[^>]*>([^<]*)", r[1]) for r in results]
    assert [r[0] for r in results] == [302] * 4, errors
    assert db.session.scalar(select(func.count()).select_from(model)) == 1
