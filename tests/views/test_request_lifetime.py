"""Each test-client request lives as a production request does: its own app context (so its
own ``g`` and its own database session), after the test's pending work is committed, and
the test reads afterwards what the request committed."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, g, request_started

from helpdesk.extensions import db
from helpdesk.models import Category, Ticket
from tests import factories
from tests.helpers import text


def assignee_names(body: str) -> list[str]:
    select = re.search(r'<select[^>]*name="assignee_id".*?</select>', body, re.S)
    assert select, "no assignee list on the page"
    return re.findall(r"<option[^>]*>([^<]+)</option>", select.group(0))


def test_an_agent_created_between_two_pages_is_on_the_next_page(
    login_as, client, supervisor, ticket
):
    login_as(supervisor)
    assert "Nia New" not in assignee_names(text(client.get(f"/staff/tickets/{ticket.id}")))
    factories.make_user("agent", email="nia@example.com", name="Nia New")
    assert "Nia New" in assignee_names(text(client.get(f"/staff/tickets/{ticket.id}")))


def test_nothing_a_request_puts_on_g_reaches_the_next_request(app: Flask, client: Any) -> None:
    seen: list[bool] = []

    def probe(sender: Flask, **_: Any) -> None:
        seen.append("probe" in g)
        g.probe = True

    request_started.connect(probe, app)
    try:
        client.get("/login")
        client.get("/login")
    finally:
        request_started.disconnect(probe, app)
    assert seen == [False, False]
    assert "probe" not in g  # nor does it reach the test's own context


def test_a_request_sees_what_the_test_only_flushed(login_as, client, admin) -> None:
    login_as(admin)
    db.session.add(Category(name="Flushed only", description=""))
    db.session.flush()
    assert "Flushed only" in text(client.get("/admin/categories"))


def test_the_test_reads_what_the_request_committed(login_as, client, agent, ticket, hx) -> None:
    assert ticket.assignee_id is None
    login_as(agent)
    data = {"version": str(ticket.version)}
    response = client.post(f"/staff/tickets/{ticket.id}/take", data=data, headers=hx)
    assert response.status_code == 200, text(response)[:500]
    # No refresh: the test's copy of the ticket was expired after the request.
    assert ticket.assignee_id == agent.id
    assert db.session.get(Ticket, ticket.id).assignee_id == agent.id


def test_each_request_signs_in_from_its_own_cookie(client, customer, agent) -> None:
    """Signing out and in as someone else shows the new person at once (no cached user)."""
    for user, home in ((customer, "/my/tickets"), (agent, "/staff/"), (customer, "/my/tickets")):
        client.post("/logout")
        client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        response = client.get("/")
        assert response.status_code == 302 and response.location.startswith(home)
