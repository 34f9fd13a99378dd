"""Two people on one ticket, and double clicks: nothing is silently overwritten or doubled."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from helpdesk.extensions import db
from helpdesk.models import Option, Promise, TicketEvent
from helpdesk.models.types import utcnow
from tests.conftest import login
from tests.helpers import assert_fragment, count, text
from tests.resolving import acknowledged, agreed_option, local_input, mail_to, option_form


@pytest.fixture
def board(ticket, agent):
    return acknowledged(ticket, agent)


@pytest.fixture
def colleague_client(app, client, supervisor):
    """A second browser, signed in as the supervisor."""
    other = app.test_client()
    login(other, supervisor.email)
    return other


def _posts(name, ticket, agent) -> tuple[str, dict, dict, str]:
    """The URL, what each of the two people types, and the event that records it.

    What the first person types starts "Alex", what the second types starts "Sam".
    """
    base = f"/staff/tickets/{ticket.id}"
    if name == "resolve":
        first, second = {"summary": "Alex sent a new kettle"}, {"summary": "Sam refunded it"}
        return f"{base}/resolve", first, second, "resolution_check"
    if name == "implement":
        option = agreed_option(ticket, agent)
        first, second = {"note": "Alex sent it"}, {"note": "Sam sent it too"}
        return f"{base}/options/{option.id}/implement", first, second, "option_implemented"
    if name == "question":
        first = {"question": "Alex asks: which model?", "idempotency_key": uuid.uuid4().hex}
        second = {"question": "Sam asks: which colour?", "idempotency_key": uuid.uuid4().hex}
        return f"{base}/question", first, second, "question"
    assert name == "close"
    close = {"reason": "other", "tried": "Everything", "why": "Discontinued"}
    first = close | {"next_steps": "Alex says: try the maker"}
    second = close | {"next_steps": "Sam says: try a shop"}
    return f"{base}/close-unresolved", first, second, "closed_unresolved"


@pytest.mark.parametrize("name", ["resolve", "implement", "question", "close"])
@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_the_second_of_two_agents_gets_409_with_the_fresh_state(
    login_as, agent, board, colleague_client, name, over_htmx, hx
):
    url, mine, theirs, kind = _posts(name, board, agent)
    db.session.refresh(board)
    seen = str(board.version)  # both opened the workspace at this version
    assert login_as(agent).post(url, data=mine | {"version": seen}).status_code == 302
    response = colleague_client.post(
        url, data=theirs | {"version": seen}, headers=hx if over_htmx else {}
    )
    body = text(response)
    assert response.status_code == 409
    assert "changed since you opened it" in body
    first_text = next(v for v in mine.values() if v.startswith("Alex"))
    assert first_text in body  # the fresh state shows what the first person did
    db.session.refresh(board)
    assert f'name="version" type="hidden" value="{board.version}"' in body or not board.is_open
    assert count(TicketEvent, kind=kind) == 1
    [event] = [e for e in board.events if e.kind == kind]
    assert first_text in event.body
    assert all("Sam" not in e.body for e in board.events)  # nothing of theirs was written
    if over_htmx:
        assert_fragment(body, "workspace")
    if name == "question":
        assert "Sam asks: which colour?</textarea>" in body  # what they typed is kept


def test_the_second_agent_can_retry_with_the_fresh_version(
    login_as, agent, board, colleague_client
):
    url, mine, theirs, _kind = _posts("question", board, agent)
    db.session.refresh(board)
    seen = str(board.version)
    login_as(agent).post(url, data=mine | {"version": seen})
    assert colleague_client.post(url, data=theirs | {"version": seen}).status_code == 409
    db.session.refresh(board)
    retry = colleague_client.post(url, data=theirs | {"version": str(board.version)})
    assert retry.status_code == 302
    assert count(TicketEvent, kind="question") == 2


# --- double submits ------------------------------------------------------------------------


@pytest.mark.parametrize("second_over_htmx", [False, True], ids=["page", "htmx"])
def test_a_double_submitted_option_adds_one(login_as, agent, board, second_over_htmx, hx):
    client = login_as(agent)
    data = option_form(idempotency_key=uuid.uuid4().hex)
    url = f"/staff/tickets/{board.id}/options"
    assert client.post(url, data=data).status_code == 302
    again = client.post(url, data=data, headers=hx if second_over_htmx else {})
    assert again.status_code == (200 if second_over_htmx else 302)
    assert count(Option) == 1
    assert count(TicketEvent, kind="option_added") == 1


def test_a_double_submitted_promise_adds_one(login_as, agent, board, hx):
    client = login_as(agent)
    data = {
        "description": "Ring back on Friday",
        "owner_id": agent.id,
        "due_at": local_input(utcnow() + timedelta(days=2)),
        "idempotency_key": uuid.uuid4().hex,
    }
    url = f"/staff/tickets/{board.id}/promises"
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=data, headers=hx).status_code == 200
    assert count(Promise) == 1
    assert count(TicketEvent, kind="promise_made") == 1


def test_a_double_submitted_question_asks_once(login_as, agent, board, customer, hx):
    client = login_as(agent)
    db.session.refresh(board)
    data = {
        "question": "Which model is it?",
        "idempotency_key": uuid.uuid4().hex,
        "version": str(board.version),
    }
    url = f"/staff/tickets/{board.id}/question"
    assert client.post(url, data=data).status_code == 302
    # The replay carries the version from before the first submit: it is not stale, it is
    # the same question, answered with the ticket as it now stands.
    again = client.post(url, data=data, headers=hx)
    assert again.status_code == 200
    assert count(TicketEvent, kind="question") == 1
    assert [m.kind for m in mail_to(customer.email)].count("question_asked") == 1
