"""Every route of ``app.url_map`` × every role: allowed, sent to sign in, or refused.

The expectations are a small table of rules by endpoint (first match wins). A route no
rule matches fails the test by name: a new route needs an entry here. POSTs carry a
valid CSRF token and (nearly) empty forms, so an allowed role may get a 422; a 500 is
never fine. Refused roles are probed again over htmx and must be refused there too.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any

import pytest
from flask import Flask

from helpdesk.extensions import db
from helpdesk.models import Ticket
from tests.authz_world import ROLES, build_world
from tests.conftest import SUMMARY, CSRFClient, login

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
STAFF = frozenset({"agent", "supervisor", "learner", "admin"})
NOT_STAFF_NOR_OWNER = frozenset({"other_customer", "assessor", "iqa"})


@dataclass(frozen=True)
class Rule:
    endpoint: str  # an fnmatch pattern
    methods: frozenset[str]
    allowed: frozenset[str]
    hidden_from: frozenset[str] = frozenset()  # refused with 404: existence must not leak


def rule(pattern: str, allowed: Any, methods: str = "GET POST", hidden: Any = ()) -> Rule:
    return Rule(pattern, frozenset(methods.split()), frozenset(allowed), frozenset(hidden))


RULES = [
    # Public pages, and the links mailed out.
    rule("static", EVERYONE),
    rule("main.home", EVERYONE),
    rule("main.feedback", EVERYONE),
    rule("selfservice.*", EVERYONE),
    rule("auth.login", EVERYONE),
    rule("auth.register", EVERYONE),
    rule("auth.forgot_password", EVERYONE),
    rule("auth.reset_password", EVERYONE),
    rule("auth.account_password", SIGNED_IN),
    rule("auth.login_code", EVERYONE),  # without a password step first it sends you back
    rule("auth.two_factor_*", SIGNED_IN - {"customer", "other_customer"}),
    rule("auth.logout", EVERYONE),  # signing out when signed out is harmless
    # The customer portal: the ticket's own customer; others must not learn it exists.
    rule("portal.ticket", {"customer"} | STAFF, hidden=NOT_STAFF_NOR_OWNER),
    rule("portal.agree", {"customer"}, hidden=NOT_STAFF_NOR_OWNER),
    rule("portal.decline", {"customer"}, hidden=NOT_STAFF_NOR_OWNER),
    rule("portal.confirm", {"customer"}, hidden=NOT_STAFF_NOR_OWNER),
    rule("portal.reply", {"customer"}, hidden=NOT_STAFF_NOR_OWNER),
    rule("portal.*", {"customer", "other_customer"}),
    rule("attachments.download", {"customer"} | STAFF, hidden=NOT_STAFF_NOR_OWNER),
    # Staff work.
    rule("approvals.inbox", STAFF),
    rule("approvals.confirm", {"agent"}),  # the colleague asked, no one else
    rule("approvals.decide", {"supervisor"}),  # authority over the amount, not the asker
    rule("tickets.training", STAFF - {"learner"}, "POST"),  # not on their own evidence
    rule("tickets.*", STAFF),
    rule("feed.*", STAFF),
    rule("notifications.*", STAFF),
    rule("problems.*", STAFF),
    # Assessment: pages for the learner's assessor and admins; decisions for the assessor.
    rule("assessor.*", {"assessor", "admin"}, "GET"),
    rule("assessor.knowledge", {"assessor", "admin"}, "POST"),  # the service refuses admins
    rule("assessor.observations", {"assessor", "admin"}, "POST"),  # on save (see services)
    rule("assessor.*", {"assessor"}, "POST"),
    rule("portfolio.*", {"learner", "assessor", "admin"}, "GET"),
    rule("portfolio.export_prepare", {"learner", "assessor", "admin"}, "POST"),
    rule("portfolio.*", {"learner"}, "POST"),
    rule("iqa.*", {"iqa"}),
    rule("admin.*", {"admin"}),
]


def rule_for(endpoint: str, method: str) -> Rule | None:
    for r in RULES:
        if method in r.methods and fnmatch(endpoint, r.endpoint):
            return r
    return None


def probes(app: Flask, values: dict[str, Any]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(endpoint, method, url) for every route and method; and routes with no rule."""
    found, unmatched = [], []
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        for method in ("GET", "POST"):
            if method not in (url_rule.methods or ()):
                continue
            if rule_for(url_rule.endpoint, method) is None:
                unmatched.append(f"{method} {url_rule.endpoint} ({url_rule.rule})")
                continue
            if not values:
                continue
            args = dict(values)
            if url_rule.endpoint.startswith("problems.decide"):
                args["approval_id"] = values["problem_approval_id"]
            if url_rule.endpoint == "main.feedback":
                args["token"] = values["feedback_token"]
            missing = set(url_rule.arguments) - set(args)
            assert not missing, f"{url_rule.endpoint}: no test object for {missing}"
            url = url_rule.build({k: args[k] for k in url_rule.arguments})[1]
            found.append((url_rule.endpoint, method, url))
    # Signing out ends the role's session, so it goes last.
    found.sort(key=lambda p: p[0] == "auth.logout")
    return found, unmatched


def form_for(endpoint: str, values: dict[str, Any]) -> dict[str, Any]:
    """Just enough for the decision routes to reach their permission check."""
    if endpoint == "assessor.decide_one":
        return {"decision": "accept"}
    if endpoint == "assessor.decide_bulk":
        return {"decision": "accept", "ids": [str(values["evidence_id"])]}
    if endpoint == "assessor.add_pin":
        return {"event_id": str(values["event_id"]), "comment": "Good restating"}
    return {}


def outcome(response: Any, role: str, r: Rule, over_htmx: bool) -> str | None:
    """What is wrong with the response, or None."""
    status, location = response.status_code, response.headers.get("Location", "")
    if status >= 500:
        return f"server error {status}"
    # Signing out, and the code step with no password step before it, end at the
    # sign-in page by design: that is their answer, not a refusal.
    by_design = r.endpoint in ("auth.logout", "auth.login_code")
    to_login = status in (302, 303) and "/login" in location and not by_design
    refused = status in (401, 403, 404) or to_login
    if role in r.allowed:
        return f"refused ({status} {location})" if refused else None
    if role == "anonymous":
        wanted = status == 401 if over_htmx else status == 302 and "/login" in location
        return None if wanted else f"anonymous got {status} {location}, not sign-in"
    if role in r.hidden_from:
        return None if status == 404 else f"got {status}, not 404 (leaks existence)"
    return None if status in (403, 404) else f"got {status} {location}, not 403/404"


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    made = build_world()
    ticket = db.session.get(Ticket, made["values"]["ticket_id"])
    assert ticket is not None
    made["values"]["event_id"] = ticket.events[0].id
    return made


def test_every_route_has_a_rule(app: Flask) -> None:
    _, unmatched = probes(app, {})
    assert not unmatched, "routes without an authorisation rule:\n" + "\n".join(unmatched)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_rules_say(
    app: Flask, world: dict[str, Any], role: str, record_property: Any
) -> None:
    values = world["values"]
    routes, unmatched = probes(app, values)
    assert not unmatched, "routes without an authorisation rule:\n" + "\n".join(unmatched)
    app.test_client_class = CSRFClient
    client = app.test_client()
    if role != "anonymous":
        login(client, world["users"][role].email)
    wrong, sent = [], 0
    for endpoint, method, url in routes:
        r = rule_for(endpoint, method)
        assert r is not None
        modes = [False] if role in r.allowed else [False, True]
        for over_htmx in modes:
            headers = {"HX-Request": "true"} if over_htmx else {}
            data = form_for(endpoint, values) if method == "POST" else None
            response = client.open(url, method=method, data=data, headers=headers)
            response.close()
            sent += 1
            problem = outcome(response, role, r, over_htmx)
            if problem:
                mode = "htmx" if over_htmx else "page"
                wrong.append(f"{method} {url} [{endpoint}] as {role} ({mode}): {problem}")
    record_property("probes", sent)
    SUMMARY["authorisation matrix: routes (endpoint x method)"] = len(routes)
    SUMMARY["authorisation matrix: probes (routes x roles x {page, htmx})"] += sent
    print(f"\n{role}: {len(routes)} routes, {sent} probes")
    assert not wrong, "\n".join(wrong)
