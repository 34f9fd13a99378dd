"""The approvals inbox: who sees which request, who may decide it, and colleague views."""

from __future__ import annotations

import re

import pytest

from helpdesk.extensions import db
from helpdesk.models import Approval, TicketEvent
from helpdesk.tickets import options as opts
from tests import factories
from tests.helpers import assert_fragment, count, text
from tests.resolving import acknowledged, add_option, notices_for


@pytest.fixture
def board(ticket, agent):
    return acknowledged(ticket, agent)


@pytest.fixture
def request_for(board, agent):
    """The agent (limit £50) asks to offer an option over it, or outside policy."""

    def make(cost_minor: int = 9_000, within_policy: bool = True) -> Approval:
        option = add_option(board, agent, cost_minor=cost_minor, within_policy=within_policy)
        return opts.request_approval(option, agent)

    return make


def listed(body: str) -> list[int]:
    """The approvals shown under "Waiting for your decision"."""
    return [int(n) for n in re.findall(r'<article class="card" id="approval-(\d+)">', body)]


# --- who sees what --------------------------------------------------------------------


def test_the_inbox_lists_only_requests_the_viewer_can_approve(
    login_as, client, agent, supervisor, request_for
):
    small = request_for(9_000)  # £90
    large = request_for(90_000)  # £900: over the supervisor's £500
    exception = request_for(1_000, within_policy=False)
    narrow = factories.make_user("supervisor", email="nat@example.com", limit=50_000)
    peer = factories.make_user("agent", email="pat@example.com", limit=10_000)
    expected = {
        supervisor: [small.id, exception.id],
        narrow: [small.id],  # no exceptions for Nat
        peer: [small.id],
        agent: [],  # never their own
    }
    for viewer, ids in expected.items():
        login_as(viewer)
        body = text(client.get("/staff/approvals"))
        assert listed(body) == ids, viewer.name
        assert large.id not in listed(body)
        client.post("/logout")
    body = text(login_as(agent).get("/staff/approvals"))
    assert "Nothing waits for your approval." in body
    assert "Your requests still waiting" in body
    assert body.count("Send a new kettle (£") == 3  # all three of theirs, still waiting


def test_the_inbox_over_htmx_is_the_inbox_only(login_as, supervisor, request_for, hx):
    approval = request_for()
    response = login_as(supervisor).get("/staff/approvals", headers=hx)
    assert response.status_code == 200
    assert_fragment(text(response), "inbox")
    assert listed(text(response)) == [approval.id]


# --- deciding ------------------------------------------------------------------------------


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_approving_records_tells_the_requester_and_lets_them_offer(
    login_as, client, agent, supervisor, board, request_for, over_htmx, hx
):
    approval = request_for()
    response = login_as(supervisor).post(
        f"/staff/approvals/{approval.id}",
        data={"decision": "approve", "reason": ""},
        headers=hx if over_htmx else {},
    )
    if over_htmx:
        assert response.status_code == 200
        assert_fragment(text(response), "inbox")
        assert listed(text(response)) == []
    else:
        assert response.status_code == 302
        assert response.headers["Location"] == "/staff/approvals"
    db.session.refresh(approval)
    assert (approval.state, approval.decided_by_id) == ("approved", supervisor.id)
    assert [n.kind for n in notices_for(agent, "approval_decided")] == ["approval_decided"]
    client.post("/logout")
    db.session.refresh(board)
    offered = login_as(agent).post(
        f"/staff/tickets/{board.id}/offer",
        data={"option_ids": [str(approval.option_id)], "version": str(board.version)},
    )
    assert offered.status_code == 302
    assert approval.option.state == "offered"


def test_refusing_needs_a_reason(login_as, supervisor, request_for, hx):
    approval = request_for()
    client = login_as(supervisor)
    for headers in ({}, hx):
        response = client.post(
            f"/staff/approvals/{approval.id}",
            data={"decision": "refuse", "reason": " "},
            headers=headers,
        )
        assert response.status_code == 422
        assert "Give the reason for refusing." in text(response)
    assert "Choose approve or refuse." in text(
        client.post(f"/staff/approvals/{approval.id}", data={"reason": "x"})
    )
    db.session.refresh(approval)
    assert approval.state == "pending"
    client.post(
        f"/staff/approvals/{approval.id}", data={"decision": "refuse", "reason": "Too generous"}
    )
    db.session.refresh(approval)
    assert (approval.state, approval.reason) == ("refused", "Too generous")


def test_approving_ones_own_request_is_forbidden(login_as, agent, request_for, hx):
    approval = request_for()
    agent.authority_limit_minor = 1_000_000  # even with authority to cover it
    agent.can_approve_exceptions = True
    db.session.commit()
    client = login_as(agent)
    for headers in ({}, hx):
        response = client.post(
            f"/staff/approvals/{approval.id}", data={"decision": "approve"}, headers=headers
        )
        assert response.status_code == 403
    db.session.refresh(approval)
    assert approval.state == "pending"
    assert count(TicketEvent, kind="approval_granted") == 0


@pytest.mark.parametrize("within_policy", [True, False], ids=["over-limit", "exception"])
def test_a_supervisor_without_enough_authority_is_forbidden(login_as, request_for, within_policy):
    approval = request_for(90_000 if within_policy else 1_000, within_policy=within_policy)
    narrow = factories.make_user("supervisor", limit=50_000, exceptions=False)
    response = login_as(narrow).post(
        f"/staff/approvals/{approval.id}", data={"decision": "approve"}
    )
    assert response.status_code == 403
    db.session.refresh(approval)
    assert approval.state == "pending"


def test_a_request_already_decided_is_not_decided_again(login_as, supervisor, request_for):
    approval = request_for()
    boss = factories.make_user("supervisor", limit=50_000, exceptions=True)
    opts.decide_approval(approval, boss, approve=False, reason="No")
    client = login_as(supervisor)
    response = client.post(f"/staff/approvals/{approval.id}", data={"decision": "approve"})
    assert response.status_code == 302
    assert "already decided or voided" in text(client.get("/staff/approvals"))
    db.session.refresh(approval)
    assert approval.state == "refused"


def test_an_unknown_request_is_not_found(login_as, supervisor):
    response = login_as(supervisor).post("/staff/approvals/99999", data={"decision": "approve"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url", ["/staff/approvals", "/staff/approvals/1", "/staff/confirmations/1"]
)
def test_customers_are_forbidden_and_anonymous_sent_to_sign_in(client, login_as, customer, url):
    method = client.get if url == "/staff/approvals" else client.post
    response = method(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login_as(customer)
    assert method(url).status_code == 403


# --- colleague confirmations -------------------------------------------------------------


@pytest.fixture
def asked(board, agent, supervisor):
    return opts.request_confirmation(add_option(board, agent), agent, supervisor)


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_a_colleague_confirms_from_the_inbox(login_as, supervisor, agent, asked, over_htmx, hx):
    client = login_as(supervisor)
    assert f'id="confirmation-{asked.id}"' in text(client.get("/staff/approvals"))
    response = client.post(
        f"/staff/confirmations/{asked.id}",
        data={"decision": "confirm", "comment": "Looks fair"},
        headers=hx if over_htmx else {},
    )
    if over_htmx:
        assert response.status_code == 200
        assert_fragment(text(response), "inbox")
        assert "No colleague is waiting for your view." in text(response)
    else:
        assert response.status_code == 302
    db.session.refresh(asked)
    assert (asked.state, asked.comment) == ("confirmed", "Looks fair")
    assert len(notices_for(agent, "confirmation_decided")) == 1


def test_a_challenge_without_a_comment_is_refused(login_as, supervisor, asked, hx):
    client = login_as(supervisor)
    for headers in ({}, hx):
        response = client.post(
            f"/staff/confirmations/{asked.id}", data={"decision": "challenge"}, headers=headers
        )
        assert response.status_code == 422
        assert "Say why you challenge it." in text(response)
    db.session.refresh(asked)
    assert asked.state == "pending"


def test_only_the_colleague_asked_can_answer(login_as, agent, asked):
    response = login_as(agent).post(
        f"/staff/confirmations/{asked.id}", data={"decision": "confirm"}
    )
    assert response.status_code == 404
    db.session.refresh(asked)
    assert asked.state == "pending"


def test_asking_a_colleague_from_the_workspace(login_as, agent, supervisor, board, hx):
    option = add_option(board, agent)
    client = login_as(agent)
    url = f"/staff/tickets/{board.id}/options/{option.id}/confirmation"
    refused = client.post(url, data={"colleague_id": str(agent.id)}, headers=hx)  # not listed
    assert refused.status_code == 422
    assert "Choose one of the listed options." in text(refused)
    assert client.post(url, data={"colleague_id": str(supervisor.id)}).status_code == 302
    assert [c.colleague_id for c in option.confirmations] == [supervisor.id]
