"""The workspace's resolution actions over HTTP: each one as a page post and over htmx,
who may post them, and the bad input each one refuses with a message (never a 500)."""

from __future__ import annotations

import html
import uuid
from datetime import timedelta

import pytest

from helpdesk.extensions import db
from helpdesk.models import Option, Promise, TicketEvent
from helpdesk.models.types import utcnow
from helpdesk.tickets import promises
from tests import factories
from tests.helpers import assert_panels, count, text
from tests.resolving import (
    acknowledged,
    add_option,
    agreed_option,
    error_of,
    local_input,
    offered_option,
    option_form,
)

CLOSE = {
    "reason": "outside_control",
    "tried": "A replacement and a repair",
    "why": "The model is no longer made",
    "next_steps": "Ask the manufacturer about the warranty",
}


def key() -> str:
    return uuid.uuid4().hex


def _promise(ticket, agent) -> Promise:
    return promises.make_promise(
        ticket, agent, description="Ring back", owner=agent, due_at=utcnow() + timedelta(days=1)
    )


def prepare(name, ticket, agent, supervisor) -> tuple[str, dict]:
    """Set the ticket up for ``name``; return the URL and what its form posts."""
    base = f"/staff/tickets/{ticket.id}"
    if name == "question":
        url, data = f"{base}/question", {"question": "Which model is it?", "idempotency_key": key()}
    elif name == "option":
        url, data = f"{base}/options", option_form(idempotency_key=key())
    elif name == "recommend":
        url, data = f"{base}/options/{add_option(ticket, agent).id}/recommend", {}
    elif name == "approval":
        url, data = f"{base}/options/{add_option(ticket, agent, cost_minor=9_000).id}/approval", {}
    elif name == "confirmation":
        option = add_option(ticket, agent)
        url, data = f"{base}/options/{option.id}/confirmation", {"colleague_id": supervisor.id}
    elif name == "offer":
        url, data = f"{base}/offer", {"option_ids": [str(add_option(ticket, agent).id)]}
    elif name == "implement":
        option = agreed_option(ticket, agent)
        url, data = f"{base}/options/{option.id}/implement", {"note": "Kettle sent by courier"}
    elif name == "promise":
        due = local_input(utcnow() + timedelta(days=1))
        data = {"description": "Ring back", "owner_id": agent.id, "due_at": due}
        url, data = f"{base}/promises", data | {"idempotency_key": key()}
    elif name == "kept":
        url, data = f"{base}/promises/{_promise(ticket, agent).id}/kept", {}
    elif name == "broken":
        url = f"{base}/promises/{_promise(ticket, agent).id}/broken"
        data = {"reason": "The courier lost it"}
    elif name == "route":
        route = factories.make_route(kind="outside_body", title="Manufacturer warranty")
        url, data = f"{base}/route", {"route_id": route.id, "note": "They repair for free"}
    elif name == "escalate":
        url = f"{base}/escalate"
        data = {"to_user_id": supervisor.id, "to_team": "Returns", "reason": "Needs a specialist"}
    elif name == "resolve":
        url, data = f"{base}/resolve", {"summary": "A new kettle was delivered"}
    else:
        assert name == "close"
        url, data = f"{base}/close-unresolved", dict(CLOSE)
    db.session.refresh(ticket)
    return url, data | {"version": str(ticket.version)}


EVENTS = {
    "question": "question",
    "option": "option_added",
    "recommend": "option_recommended",
    "approval": "approval_requested",
    "confirmation": "confirmation_requested",
    "offer": "options_offered",
    "implement": "option_implemented",
    "promise": "promise_made",
    "kept": "promise_kept",
    "broken": "promise_broken",
    "route": "route_offered",
    "escalate": "escalated",
    "resolve": "resolution_check",
    "close": "closed_unresolved",
}


STATUS_WORDS = {
    "acknowledged": "Acknowledged",
    "awaiting_customer": "Waiting on customer",
    "options": "Weighing options",
    "awaiting_approval": "Awaiting approval",
    "in_progress": "In progress",
    "resolved": "Resolved: awaiting confirmation",
    "closed_unresolved": "Closed: not solved",
}


@pytest.fixture
def board(ticket, agent):
    return acknowledged(ticket, agent)


@pytest.mark.parametrize("name", list(EVENTS))
def test_an_action_as_a_full_page_post_redirects_back(login_as, agent, supervisor, board, name):
    url, data = prepare(name, board, agent, supervisor)
    response = login_as(agent).post(url, data=data)
    assert response.status_code == 302, text(response)[:2000]
    assert response.headers["Location"] == f"/staff/tickets/{board.id}"
    assert count(TicketEvent, kind=EVENTS[name]) == 1


# The panel holding each action's form: its answer swaps that panel, not the workspace.
PANELS = {"question": "question", "promise": "promises", "kept": "promises"}
PANELS |= {"broken": "promises", "route": "closing", "escalate": "closing"}
PANELS |= {"resolve": "closing", "close": "closing"}


@pytest.mark.parametrize("name", list(EVENTS))
def test_an_action_over_htmx_returns_its_panel_and_what_it_changed(
    login_as, agent, supervisor, board, name, hx
):
    url, data = prepare(name, board, agent, supervisor)
    status_before = board.status
    response = login_as(agent).post(url, data=data, headers=hx)
    assert response.status_code == 200, text(response)[:2000]
    body = text(response)
    also = assert_panels(body, PANELS.get(name, "options"), {"timeline"})
    assert count(TicketEvent, kind=EVENTS[name]) == 1
    db.session.refresh(board)
    # The status header comes along (out of band) exactly when the action moved the status
    # or, for an escalation, who holds the ticket (the header says so too).
    assert ("header" in also) == (board.status != status_before or name == "escalate")
    if board.status != status_before:
        assert f'id="ticket-status">{html.escape(STATUS_WORDS[board.status])}<' in body
    # The fresh forms carry the new version, so the next action is not refused as stale.
    assert f'name="version" type="hidden" value="{board.version}"' in body


# --- who may post ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(EVENTS))
def test_a_customer_posting_a_resolution_url_is_forbidden(
    login_as, agent, supervisor, customer, board, name, hx
):
    url, data = prepare(name, board, agent, supervisor)
    events = count(TicketEvent)
    client = login_as(customer)
    assert client.post(url, data=data).status_code == 403
    assert client.post(url, data=data, headers=hx).status_code == 403
    assert count(TicketEvent) == events


@pytest.mark.parametrize("name", list(EVENTS))
def test_anonymous_is_sent_to_sign_in(client, agent, supervisor, board, name, hx):
    url, data = prepare(name, board, agent, supervisor)
    events = count(TicketEvent)
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert client.post(url, data=data, headers=hx).status_code == 401
    assert count(TicketEvent) == events


# --- money typed wrong -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cost", "message"),
    [
        ("-5", "The amount cannot be negative."),
        ("abc", "Give an amount in pounds, like 250 or 99.50."),
        ("99999999", "That is more than £1,000,000: check the amount."),
    ],
)
@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_a_bad_cost_is_refused_next_to_the_field_keeping_what_was_typed(
    login_as, agent, board, cost, message, over_htmx, hx
):
    data = option_form(cost=cost, description="Refund <the> kettle", idempotency_key=key())
    response = login_as(agent).post(
        f"/staff/tickets/{board.id}/options", data=data, headers=hx if over_htmx else {}
    )
    body = text(response)
    assert response.status_code == 422
    assert error_of(body, "cost") == html.escape(message)
    assert f'value="{html.escape(cost)}"' in body
    assert "Refund &lt;the&gt; kettle</textarea>" in body
    assert 'value="3 days"' in body
    assert count(Option) == 0
    if over_htmx:
        assert assert_panels(body, "options") == set()  # a refusal changed nothing else
        assert "hx-swap-oob" not in body


@pytest.mark.parametrize("cost", ["-5", "abc", "99999999"])
def test_editing_an_option_with_a_bad_cost_is_refused_and_the_option_kept(
    login_as, agent, board, cost
):
    option = add_option(board, agent)
    url = f"/staff/tickets/{board.id}/options/{option.id}/edit"
    response = login_as(agent).post(url, data=option_form(cost=cost))
    assert response.status_code == 422
    assert error_of(text(response), "cost")
    assert f'value="{html.escape(cost)}"' in text(response)
    db.session.refresh(option)
    assert option.cost_minor == 2_500


def test_the_edit_page_shows_the_option_and_saves_it(login_as, agent, board):
    option = add_option(board, agent, cost_minor=2_550)
    client = login_as(agent)
    url = f"/staff/tickets/{board.id}/options/{option.id}/edit"
    page = text(client.get(url))
    assert 'value="25.50"' in page and "Send a new kettle</textarea>" in page
    response = client.post(url, data=option_form(description="Refund in full", cost="30"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/tickets/{board.id}"
    db.session.refresh(option)
    assert (option.description, option.cost_minor) == ("Refund in full", 3_000)


def test_an_offered_option_cannot_be_edited(login_as, agent, board):
    option = offered_option(board, agent)
    url = f"/staff/tickets/{board.id}/options/{option.id}/edit"
    response = login_as(agent).post(url, data=option_form(description="Sneaky change"))
    assert response.status_code == 422
    assert "Only options not yet offered can be edited." in text(response)
    db.session.refresh(option)
    assert option.description == "Send a new kettle"


# --- authority, agreement and closing ----------------------------------------------------


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_offering_beyond_ones_authority_by_a_crafted_post_says_ask_for_approval(
    login_as, agent, board, over_htmx, hx
):
    option = add_option(board, agent, cost_minor=9_000)  # the agent may offer up to £50
    db.session.refresh(board)
    response = login_as(agent).post(
        f"/staff/tickets/{board.id}/offer",
        data={"option_ids": [str(option.id)], "version": str(board.version)},
        headers=hx if over_htmx else {},
    )
    body = text(response)
    assert response.status_code == 422
    assert "Ask for approval" in body
    assert "you can offer up to £50.00" in body
    db.session.refresh(option)
    assert option.state == "draft"
    assert count(TicketEvent, kind="options_offered") == 0


@pytest.mark.parametrize("state", ["draft", "offered"])
def test_implementing_an_option_not_agreed_is_refused(login_as, agent, board, state, hx):
    option = add_option(board, agent) if state == "draft" else offered_option(board, agent)
    db.session.refresh(board)
    url = f"/staff/tickets/{board.id}/options/{option.id}/implement"
    data = {"note": "Done", "version": str(board.version)}
    for headers in ({}, hx):
        response = login_as(agent).post(url, data=data, headers=headers)
        assert response.status_code == 422
        assert "Only the option the customer agreed can be implemented." in text(response)
    db.session.refresh(option)
    assert option.state == state


def test_closing_unresolved_needs_a_reason_and_each_explanation(login_as, agent, board, hx):
    db.session.refresh(board)
    empty = {"reason": "", "tried": "", "why": " ", "next_steps": "", "version": board.version}
    url = f"/staff/tickets/{board.id}/close-unresolved"
    for headers in ({}, hx):
        response = login_as(agent).post(url, data=empty, headers=headers)
        body = text(response)
        assert response.status_code == 422
        assert error_of(body, "reason") == "Choose the reason it could not be solved."
        assert error_of(body, "tried") == "Say what was tried."
        assert error_of(body, "why") == "Say why it could not be solved."
        assert error_of(body, "next_steps") == "Say what the customer can do next."
    partial = CLOSE | {"why": "", "version": board.version}
    body = text(login_as(agent).post(url, data=partial))
    assert error_of(body, "why") and not error_of(body, "tried")
    assert "A replacement and a repair</textarea>" in body  # what was typed is kept
    db.session.refresh(board)
    assert board.is_open


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_a_promise_due_in_the_past_is_refused_next_to_due_at(login_as, agent, board, over_htmx, hx):
    data = {
        "description": "Ring back",
        "owner_id": agent.id,
        "due_at": local_input(utcnow() - timedelta(hours=2)),
        "idempotency_key": key(),
    }
    response = login_as(agent).post(
        f"/staff/tickets/{board.id}/promises", data=data, headers=hx if over_htmx else {}
    )
    body = text(response)
    assert response.status_code == 422
    assert error_of(body, "due_at") == "The due time must be in the future."
    assert 'value="Ring back"' in body
    assert count(Promise) == 0


@pytest.mark.parametrize(
    ("field", "value"), [("due_at", "not a date"), ("owner_id", "99999"), ("description", "")]
)
def test_a_promise_with_bad_fields_is_refused_not_a_500(login_as, agent, board, field, value):
    data = {
        "description": "Ring back",
        "owner_id": agent.id,
        "due_at": local_input(utcnow() + timedelta(days=1)),
    } | {field: value}
    response = login_as(agent).post(f"/staff/tickets/{board.id}/promises", data=data)
    assert response.status_code == 422
    assert error_of(text(response), field)
    assert count(Promise) == 0


def test_breaking_a_promise_without_a_reason_is_refused(login_as, agent, board):
    made = _promise(board, agent)
    url = f"/staff/tickets/{board.id}/promises/{made.id}/broken"
    response = login_as(agent).post(url, data={"reason": ""})
    assert response.status_code == 422
    assert "Give the reason." in text(response)
    db.session.refresh(made)
    assert made.state == "open"


# --- what the workspace shows afterwards ----------------------------------------------


def test_a_route_and_an_escalation_appear_on_the_timeline(login_as, agent, supervisor, board):
    client = login_as(agent)
    for name in ("route", "escalate"):
        url, data = prepare(name, board, agent, supervisor)
        assert client.post(url, data=data).status_code == 302
    body = text(client.get(f"/staff/tickets/{board.id}"))
    assert "offered another route" in body
    assert "Manufacturer warranty" in body and "They repair for free" in body
    assert "escalated it to Sam Supervisor (Returns)" in body
    assert "Needs a specialist" in body
    assert "Held by Sam Supervisor (Returns)" in body
    db.session.refresh(board)
    assert board.assignee_id == supervisor.id
