"""Hostile text through every text field a role can post: never a 500, always escaped.

Each payload goes into one field at a time, the rest of the form filled sensibly (a
fresh ``version`` and idempotency key per post). NUL bytes are refused with 400. The
pages that show the text back (ticket page, workspace, queue, search, feed, records)
must hold it escaped: no live tag, event handler or ``javascript:`` URL anywhere.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask

from helpdesk.extensions import db
from helpdesk.models import ProblemRecord, Ticket
from tests.authz_world import build_world
from tests.conftest import SUMMARY, CSRFClient, login

CORPUS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">click</a> [md](javascript:alert(1))',
    '<svg onload=alert(1)><use href="data:image/svg+xml,<svg/onload=alert(1)>"/></svg>',
    "' \" ; -- ( ) * ^ NEAR AND OR NOT",
    "Robert'); DROP TABLE tickets;--",
    '"parcel" NEAR(kettle, 2) OR title:* ^ -',
    "x" * 20_000,
    "\u202egnp.exe\u202c right-to-left override",
    "Kettle \U0001f525\U0001f4a5 broke \U0001f468\u200d\U0001f469\u200d\U0001f467",
    "Z\u0361\u0334\u0358a\u0337\u0322l\u0335g\u0338o combining",
]
NUL = "kettle\x00broken"


class LiveMarkup(HTMLParser):
    """Real tags (as a browser parses them) that would run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            url = re.sub(r"\s", "", value or "").lower()
            if name.startswith("on") or (name in URL_ATTRS and url.startswith("javascript:")):
                self.found.append(f"<{tag} {name}={value!r:.40}>")

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.found.append(f"<script>{data[:40]}")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data"}


def key() -> str:
    return uuid.uuid4().hex


class Target:
    def __init__(self, role: str, url: str, fields: list[str], base: Callable[[], dict]) -> None:
        self.role, self.url, self.fields, self.base = role, url, fields, base


def targets(w: dict[str, Any]) -> list[Target]:
    v = w["values"]
    t, p = v["ticket_id"], v["problem_id"]
    users = w["users"]

    def version() -> str:
        db.session.expire_all()
        return str(db.session.get(Ticket, t).version)

    def pversion() -> str:
        db.session.expire_all()
        return str(db.session.get(ProblemRecord, p).version)

    staff = f"/staff/tickets/{t}"
    return [
        Target(
            "customer",
            "/my/raise",
            ["subject", "description", "order_ref"],
            lambda: {"subject": "Kettle", "description": "Broken kettle", "idempotency_key": key()},
        ),
        Target(
            "customer",
            f"/my/tickets/{t}/reply",
            ["body"],
            lambda: {"body": "More", "idempotency_key": key()},
        ),
        Target(
            "customer",
            f"/my/tickets/{t}/options/{v['option_id']}/decline",
            ["comment"],
            lambda: {"comment": "No"},
        ),
        Target(
            "agent",
            f"{staff}/reply",
            ["body"],
            lambda: {
                "body": "Hi",
                "update_kind": "volunteered",
                "version": version(),
                "idempotency_key": key(),
            },
        ),
        Target(
            "agent",
            f"{staff}/note",
            ["body"],
            lambda: {"body": "Note", "version": version(), "idempotency_key": key()},
        ),
        Target(
            "agent",
            f"{staff}/question",
            ["question"],
            lambda: {"question": "Which?", "version": version(), "idempotency_key": key()},
        ),
        Target(
            "learner",
            f"{staff}/acknowledge",
            ["need", "impact", "feeling"],
            lambda: {"need": "N", "impact": "I", "feeling": "F", "version": version()},
        ),
        Target(
            "learner",
            f"{staff}/options",
            ["description", "duration", "pros_customer", "cons_customer", "pros_org", "cons_org"],
            lambda: {
                "description": "Refund",
                "remedy_type": "refund",
                "cost": "5",
                "duration": "1 day",
                "within_policy": "yes",
                "pros_customer": "a",
                "cons_customer": "b",
                "pros_org": "c",
                "cons_org": "d",
                "version": version(),
                "idempotency_key": key(),
            },
        ),
        Target(
            "learner",
            f"{staff}/promises",
            ["description"],
            lambda: {
                "description": "Call",
                "owner_id": str(users["learner"].id),
                "due_at": "2031-01-01T10:00",
                "version": version(),
                "idempotency_key": key(),
            },
        ),
        Target(
            "learner",
            f"{staff}/route",
            ["note"],
            lambda: {"route_id": str(v["route_id"]), "note": "See", "version": version()},
        ),
        Target(
            "learner",
            f"{staff}/escalate",
            ["to_team", "reason"],
            lambda: {"to_team": "Warehouse", "reason": "Stock", "version": version()},
        ),
        Target(
            "learner",
            f"{staff}/resolve",
            ["summary"],
            lambda: {"summary": "Sent", "version": version()},
        ),
        Target(
            "agent",
            f"{staff}/close-unresolved",
            ["tried", "why", "next_steps"],
            lambda: {
                "reason": "other",
                "tried": "t",
                "why": "w",
                "next_steps": "n",
                "version": version(),
            },
        ),
        Target(
            "agent",
            "/staff/tickets/new",
            ["customer_name", "subject", "description", "order_ref"],
            lambda: {
                "customer_name": "Pat",
                "subject": "S",
                "description": "D",
                "idempotency_key": key(),
            },
        ),
        Target(
            "agent",
            "/staff/proactive/new",
            ["what", "where", "risk"],
            lambda: {"what": "W", "where": "Here", "risk": "R", "idempotency_key": key()},
        ),
        Target(
            "agent",
            f"/staff/feed/new?ticket={t}",
            ["quote", "comment"],
            lambda: {"quote": "Q", "comment": "C", "tag": "delivery", "idempotency_key": key()},
        ),
        Target(
            "agent",
            "/staff/problems/new",
            ["title", "root_cause"],
            lambda: {"title": "T", "root_cause": "R", "idempotency_key": key()},
        ),
        Target(
            "agent",
            f"/staff/problems/{p}/root-cause",
            ["root_cause"],
            lambda: {"root_cause": "R", "version": pversion()},
        ),
        Target(
            "agent",
            f"/staff/problems/{p}/solutions",
            ["description", "pros_customer", "cons_customer", "pros_org", "cons_org"],
            lambda: {
                "description": "D",
                "cost": "2",
                "pros_customer": "a",
                "cons_customer": "b",
                "pros_org": "c",
                "cons_org": "d",
                "version": pversion(),
                "idempotency_key": key(),
            },
        ),
        Target(
            "agent",
            f"/staff/problems/{p}/actions",
            ["text"],
            lambda: {"text": "Did", "version": pversion(), "idempotency_key": key()},
        ),
        Target(
            "learner",
            f"/portfolio/{v['learner_id']}/reflections",
            ["title", "situation", "task", "action", "result"],
            lambda: {
                "title": "T",
                "situation": "S",
                "task": "T",
                "action": "A",
                "result": "R",
                "idempotency_key": key(),
            },
        ),
        Target(
            "learner",
            f"/portfolio/{v['learner_id']}/knowledge",
            ["answer", "answers"],
            lambda: {"record_id": str(v["record_id"]), "answer": "A"},
        ),
        Target(
            "admin",
            "/admin/categories/new",
            ["name", "description"],
            lambda: {
                "name": f"Cat {key()[:6]}",
                "description": "D",
                "active": "y",
                "idempotency_key": key(),
            },
        ),
        Target(
            "admin",
            "/admin/routes/new",
            ["title", "summary", "body", "contact", "keywords"],
            lambda: {
                "kind": "article",
                "title": f"R {key()[:6]}",
                "summary": "S",
                "body": "B",
                "active": "y",
                "idempotency_key": key(),
            },
        ),
        Target("supervisor", "/account/two-factor", ["code"], dict),
        Target("supervisor", "/account/two-factor/off", ["password", "code"], dict),
        Target(
            "admin",
            f"/admin/users/{v['user_id']}",
            ["name"],
            lambda: {"name": "Vic", "roles": "customer", "active": "y"},
        ),
    ]


SEARCHES = [
    ("agent", "/staff/search", "q"),
    ("agent", "/staff/tickets", "q"),
    ("agent", "/staff/feed", "tag"),
    ("customer", "/help/suggest", "q"),
    ("anonymous", "/help/", "q"),
]


def client_for(app: Flask, w: dict[str, Any], role: str) -> Any:
    app.test_client_class = CSRFClient
    client = app.test_client()
    if role != "anonymous":
        login(client, w["users"][role].email)
    return client


def live_markup(body: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(body)
    parser.close()
    return parser.found


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    return build_world()


def test_every_text_field_takes_hostile_text_without_a_500(app: Flask, world: dict) -> None:
    clients: dict[str, Any] = {}
    errors, sent = [], 0
    for target in targets(world):
        client = clients.get(target.role) or client_for(app, world, target.role)
        clients[target.role] = client
        for field in target.fields:
            for payload in [*CORPUS, NUL]:
                data = target.base() | {field: payload}
                response = client.post(target.url, data=data)
                response.close()
                sent += 1
                status = response.status_code
                if payload == NUL and status != 400:
                    errors.append(f"{target.url} {field}: NUL got {status}, not 400")
                elif status >= 500:
                    errors.append(f"{target.url} {field}: {status} for {payload[:40]!r}")
    SUMMARY["hostile input: payloads x fields posted"] += sent
    print(f"\nhostile input: {sent} posts")
    assert not errors, "\n".join(errors)

    # Where the text is shown back, it is escaped (and sanitised where Markdown).
    v = world["values"]
    pages = [
        ("customer", f"/my/tickets/{v['ticket_id']}"),
        ("customer", "/my/tickets"),
        ("agent", f"/staff/tickets/{v['ticket_id']}"),
        ("agent", "/staff/tickets"),
        ("agent", "/staff/feed"),
        ("agent", "/staff/problems"),
        ("agent", f"/staff/problems/{v['problem_id']}"),
        ("agent", "/staff/search?q=alert"),
        ("agent", "/staff/search?q=script"),
        ("learner", f"/portfolio/{v['learner_id']}/reflections"),
        ("admin", "/admin/categories"),
        ("admin", "/admin/routes"),
        ("anonymous", "/help/"),
    ]
    escaped_somewhere = False
    for role, url in pages:
        client = clients.get(role) or client_for(app, world, role)
        clients[role] = client
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert not live_markup(body), f"{url}: live markup {live_markup(body)}"
        escaped_somewhere |= "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert escaped_somewhere, "no page showed the script payload back (escaped)"


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_search_boxes_take_hostile_text(app: Flask, world: dict, over_htmx: bool) -> None:
    headers = {"HX-Request": "true"} if over_htmx else {}
    sent, errors = 0, []
    for role, url, param in SEARCHES:
        client = client_for(app, world, role)
        for payload in [*CORPUS, NUL]:
            response = client.get(url, query_string={param: payload}, headers=headers)
            body = response.get_data(as_text=True)
            sent += 1
            if response.status_code >= 500:
                errors.append(f"{url}?{param}: {response.status_code} for {payload[:40]!r}")
            elif found := live_markup(body):
                errors.append(f"{url}?{param}: live markup {found}")
    SUMMARY["hostile input: payloads x search boxes (GET)"] += sent
    assert not errors, "\n".join(errors)
