"""The problem record's decision panels: approval on the page and in the approvals
inbox, actions taken, going live, monitoring and closing; full page and htmx."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from helpdesk.models import ProblemEvent
from helpdesk.models.types import utcnow
from helpdesk.problems import services, solutions
from helpdesk.settings import set_int
from tests import factories
from tests.helpers import assert_fragment, count, text
from tests.problems import (
    answered,
    approved,
    chosen,
    linked_problem,
    live,
    open_problem,
    post,
    requested,
    url,
)


@pytest.fixture
def problem(agent, customer, category):
    return linked_problem(agent, customer, category)


# --- approval ----------------------------------------------------------------------------


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_asking_and_deciding_on_the_page(
    login_as, client, agent, supervisor, problem, over_htmx, hx
):
    chosen(problem, agent)
    headers = hx if over_htmx else None
    login_as(agent)
    answered(post(client, problem, "/approval", {}, headers), over_htmx, problem)
    body = text(client.get(url(problem)))
    assert "Waiting for a decision maker: asked by Alex Agent" in body
    assert "Record decision" not in body  # never their own
    client.post("/logout")
    login_as(supervisor)
    body = text(client.get(url(problem)))
    assert "Record decision" in body and "You can approve up to £500.00" in body
    approval = solutions.latest_approval(problem)
    assert approval is not None
    tail = f"/approvals/{approval.id}"
    answered(
        post(client, problem, tail, {"decision": "approve", "reason": "Worth it"}, headers),
        over_htmx,
        problem,
    )
    body = text(client.get(url(problem)))
    assert "Decided by Sam Supervisor" in body and "“Worth it”" in body
    assert "Put the solution live</button>" in body
    assert problem.status == "approved"


def test_refusing_needs_a_reason_next_to_the_field(
    login_as, client, agent, supervisor, problem, hx
):
    approval = requested(problem, agent)
    login_as(supervisor)
    tail = f"/approvals/{approval.id}"
    response = post(client, problem, tail, {"decision": "refuse", "reason": ""}, hx)
    assert response.status_code == 422
    assert 'id="record-reason-error">Give the reason for refusing.' in text(response)
    nothing = post(client, problem, tail, {"reason": "hmm"}, hx)
    assert nothing.status_code == 422
    assert "Choose approve or refuse." in text(nothing) and "hmm</textarea>" in text(nothing)
    post(client, problem, tail, {"decision": "refuse", "reason": "Too dear"}, hx)
    body = text(client.get(url(problem)))
    assert "Refused" in body and "Decided by Sam Supervisor" in body
    assert "Ask for approval again" in body


def test_self_approval_is_refused_with_the_message(login_as, client, problem):
    boss = factories.make_user("supervisor", email="bo@example.com", limit=10_000_000)
    approval = requested(problem, boss)
    login_as(boss)
    response = post(client, problem, f"/approvals/{approval.id}", {"decision": "approve"})
    assert response.status_code == 422
    assert "You cannot approve your own request." in text(response)
    inbox = client.post(f"/staff/problem-approvals/{approval.id}", data={"decision": "approve"})
    assert inbox.status_code == 403
    assert approval.state == "pending"


def test_too_little_authority_is_refused_with_the_message(login_as, client, agent, problem):
    approval = requested(problem, factories.make_user("agent", limit=0))
    login_as(agent)  # £50 for a £200 solution
    body = text(client.get(url(problem)))
    assert "It needs authority for £200.00; yours is £50.00." in body
    response = post(client, problem, f"/approvals/{approval.id}", {"decision": "approve"})
    assert response.status_code == 422
    assert "This needs authority for £200.00; yours is £50.00." in text(response)


# --- the approvals inbox -----------------------------------------------------------------


def listed(body: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="problem-approval-(\d+)"', body)]


def test_the_inbox_lists_problem_approvals_only_for_those_who_can_decide(
    login_as, client, agent, supervisor, problem
):
    approval = requested(problem, agent)  # £200
    poor = factories.make_user("supervisor", email="pat@example.com", limit=19_999)
    rich = factories.make_user("agent", email="ria@example.com", limit=20_000)
    for viewer, ids in {
        supervisor: [approval.id],
        rich: [approval.id],
        poor: [],
        agent: [],
    }.items():
        body = text(login_as(viewer).get("/staff/approvals"))
        assert listed(body) == ids, viewer.name
        if not ids:
            assert "No problem solution waits for your approval." in body
        client.post("/logout")
    body = text(login_as(supervisor).get("/staff/approvals"))
    assert "Waiting for your decision" in body and "Your requests still waiting" in body
    assert "Double-box fragile items" in body and "+ Parcels arrive intact" in body


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_deciding_from_the_inbox(login_as, client, agent, supervisor, problem, over_htmx, hx):
    approval = requested(problem, agent)
    login_as(supervisor)
    path = f"/staff/problem-approvals/{approval.id}"
    bad = client.post(path, data={"decision": "refuse"}, headers=hx if over_htmx else {})
    assert bad.status_code == 422
    assert "Give the reason for refusing." in text(bad)
    if over_htmx:
        assert_fragment(text(bad), "inbox")
    response = client.post(path, data={"decision": "approve"}, headers=hx if over_htmx else {})
    if over_htmx:
        assert response.status_code == 200
        assert_fragment(text(response), "inbox")
        assert listed(text(response)) == []
    else:
        assert response.status_code == 302 and response.headers["Location"].endswith("/approvals")
    assert (approval.state, approval.decided_by_id) == ("approved", supervisor.id)
    again = client.post(path, data={"decision": "approve"})
    assert again.status_code == 302  # already decided: back to the inbox with a message
    assert client.post("/staff/problem-approvals/999", data={}).status_code == 404


# --- actions, going live, monitoring, closing --------------------------------------------


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_recording_an_action(login_as, client, agent, problem, over_htmx, hx):
    login_as(agent)
    response = post(
        client, problem, "/actions", {"text": "Rang the courier"}, hx if over_htmx else None
    )
    answered(response, over_htmx, problem)
    body = text(client.get(url(problem)))
    action = re.search(r'<li id="action-\d+">(.*?)</li>', body, re.S)
    assert action is not None
    assert "Alex Agent" in action.group(1) and "Rang the courier" in action.group(1)
    empty = post(client, problem, "/actions", {"text": ""}, hx)
    assert empty.status_code == 422 and 'id="text-error">Say what was done.' in text(empty)


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_putting_the_solution_live(login_as, client, agent, supervisor, problem, over_htmx, hx):
    login_as(agent)
    early = post(client, problem, "/live", {"note": "Done"}, hx)
    assert early.status_code == 422
    assert "Only an approved solution can go live." in text(early)
    approved(problem, agent, supervisor)
    response = post(
        client, problem, "/live", {"note": "Double-boxing from today"}, hx if over_htmx else None
    )
    answered(response, over_htmx, problem)
    body = text(client.get(url(problem)))
    assert "Live since" in body and "Too early to say" in body
    assert "Monitored for 0 days of 28." in body
    assert problem.status == "live"


def test_the_monitoring_panel_says_whether_repeats_stopped(
    login_as, client, agent, supervisor, customer
):
    past = utcnow() - timedelta(weeks=6)
    with time_machine.travel(past, tick=False):
        tickets = [factories.make_ticket(customer=customer) for _ in range(4)]
        problem = open_problem(agent, tickets=tickets)
    with time_machine.travel(past + timedelta(weeks=3), tick=False):
        live(problem, agent, supervisor)
    body = text(login_as(agent).get(url(problem)))
    assert "Repeats stopped" in body
    assert re.search(r"Monitored for 2[01] days of 28\.", body)
    assert '<th scope="row">Before</th><td>4</td><td>4</td><td>1.0</td>' in body
    with time_machine.travel(past + timedelta(weeks=4), tick=False):
        services.link_tickets(
            problem, agent, [factories.make_ticket(customer=customer) for _ in range(3)]
        )
    assert "Repeats continue" in text(client.get(url(problem)))


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_closing_early_needs_a_reason(login_as, client, agent, supervisor, problem, over_htmx, hx):
    live(problem, agent, supervisor)
    login_as(agent)
    headers = hx if over_htmx else None
    refused = post(client, problem, "/close", {"reason": ""}, headers)
    assert refused.status_code == 422
    assert (
        'id="close-reason-error">A problem record closes after its solution has been monitored'
        in text(refused)
    )
    answered(
        post(client, problem, "/close", {"reason": "Courier replaced"}, headers), over_htmx, problem
    )
    body = text(client.get(url(problem)))
    assert "Closed on" in body and "“Courier replaced”" in body
    assert "Record action" not in body
    assert problem.status == "closed"
    for tail, data in [("/root-cause", {"root_cause": "Late"}), ("/actions", {"text": "Late"})]:
        late = post(client, problem, tail, data, headers)
        assert late.status_code == 422
        assert "This problem record is closed." in text(late)
    assert problem.root_cause == "The courier stacks parcels"


def test_closing_after_the_period_needs_no_reason(login_as, client, agent, supervisor, problem):
    set_int("monitoring_days", 3)
    with time_machine.travel(utcnow() - timedelta(days=4), tick=False):
        live(problem, agent, supervisor)
    login_as(agent)
    assert "the record can close" in text(client.get(url(problem)))
    response = post(client, problem, "/close", {"reason": ""})
    assert response.status_code == 302
    assert problem.status == "closed"
    assert problem.events[-1].kind == "closed"


def test_the_timeline_lists_every_event(login_as, client, agent, supervisor, problem):
    live(problem, agent, supervisor)
    body = text(login_as(agent).get(url(problem)))
    timeline = body[body.index('id="problem-timeline"') :]
    assert timeline.count('<li id="event-') == count(ProblemEvent, problem_id=problem.id)
    for label in (
        "opened the problem record",
        "chose the solution",
        "approved the solution",
        "put the solution live",
    ):
        assert label in timeline
