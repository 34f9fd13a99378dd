"""The problem record pages: the list, a new record, the record page, its cause and
candidate solutions, each as a full page and as an htmx swap; bad input, stale versions,
and who may reach any of it (never a customer, htmx partials included)."""

from __future__ import annotations

import re

import pytest

from helpdesk.extensions import db
from helpdesk.models import CandidateSolution, ProblemEvent, ProblemRecord
from helpdesk.problems import monitoring, services, solutions
from tests.helpers import assert_fragment, count, text
from tests.problems import (
    SIDES,
    answered,
    chosen,
    linked_problem,
    open_problem,
    post,
    requested,
    url,
    version,
)
from tests.problems import SOLUTION_FORM as SOLUTION


@pytest.fixture
def problem(agent, customer, category):
    return linked_problem(agent, customer, category)


# --- the list ------------------------------------------------------------------------


def test_the_list_is_empty_at_first(login_as, agent):
    body = text(login_as(agent).get("/staff/problems"))
    assert "No problem records yet." in body
    assert 'href="/staff/problems/new"' in body


def test_the_list_shows_count_status_category_and_filters(login_as, client, agent, problem):
    closed = open_problem(agent, title="Late refunds")
    monitoring.close(closed, agent, "Solved elsewhere")
    body = text(login_as(agent).get("/staff/problems"))
    row = re.search(rf'<tr id="problem-{problem.id}">(.*?)</tr>', body, re.S)
    assert row is not None
    cells = row.group(1)
    assert "Parcels crushed in transit" in cells and "Deliveries" in cells
    assert "<td>3</td>" in cells and ">Open<" in cells
    assert f"problem-{closed.id}" not in body
    closed_only = text(client.get("/staff/problems?status=closed"))
    assert f"problem-{closed.id}" in closed_only and f"problem-{problem.id}" not in closed_only
    both = text(client.get("/staff/problems?status=all"))
    assert f"problem-{closed.id}" in both and f"problem-{problem.id}" in both


def test_the_list_pages_by_id(login_as, client, agent, hx):
    made = [open_problem(agent, title=f"Problem {n}") for n in range(27)]
    login_as(agent)
    first = text(client.get("/staff/problems"))
    ids = [int(n) for n in re.findall(r'<tr id="problem-(\d+)">', first)]
    assert ids == [p.id for p in reversed(made)][:25]
    more = re.search(r'href="/staff/problems\?status=open&amp;before=(\d+)"', first)
    assert more is not None and int(more.group(1)) == ids[-1]
    response = client.get(f"/staff/problems?status=open&before={ids[-1]}", headers=hx)
    assert_fragment(text(response), "problem-list")
    rest = [int(n) for n in re.findall(r'<tr id="problem-(\d+)">', text(response))]
    assert rest == [made[1].id, made[0].id]
    assert "Next page" not in text(response)


@pytest.mark.parametrize(
    "query", ["status=nonsense", "before=abc", "before=-5", "before=99999999999999999999999"]
)
def test_odd_list_queries_are_ignored_not_500(login_as, agent, problem, query):
    response = login_as(agent).get(f"/staff/problems?{query}")
    assert response.status_code == 200
    assert f"problem-{problem.id}" in text(response)


# --- a new record --------------------------------------------------------------------


def test_the_new_record_page_and_its_fragment(login_as, client, agent, category, hx):
    body = text(login_as(agent).get("/staff/problems/new"))
    assert '<label for="title">Title</label>' in body and "Deliveries" in body
    assert 'name="csrf_token"' in body
    assert_fragment(text(client.get("/staff/problems/new", headers=hx)), "new-problem")


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_opening_a_record(login_as, client, agent, category, over_htmx, hx):
    data = {"title": "Kettles arrive cracked", "category_id": str(category.id), "root_cause": "?"}
    response = login_as(agent).post(
        "/staff/problems/new", data=data, headers=hx if over_htmx else {}
    )
    problem = db.session.scalars(db.select(ProblemRecord)).one()
    if over_htmx:
        assert response.status_code == 204
        assert response.headers["HX-Redirect"] == url(problem)
    else:
        assert response.status_code == 302 and response.headers["Location"].endswith(url(problem))
    assert (problem.title, problem.category_id) == ("Kettles arrive cracked", category.id)


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_a_new_record_without_a_title_keeps_what_was_typed(
    login_as, client, agent, category, over_htmx, hx
):
    data = {"title": " ", "category_id": "", "root_cause": "Courier <b>stacks</b> them"}
    response = login_as(agent).post(
        "/staff/problems/new", data=data, headers=hx if over_htmx else {}
    )
    assert response.status_code == 422
    body = text(response)
    assert 'id="title-error">Give the problem a title.' in body
    assert "Courier &lt;b&gt;stacks&lt;/b&gt; them" in body
    assert count(ProblemRecord) == 0
    bad = client.post("/staff/problems/new", data={"title": "X", "category_id": "999"})
    assert bad.status_code == 422
    assert "Choose one of the listed options." in text(bad)


# --- the record page -------------------------------------------------------------------


def test_the_record_page_shows_its_panels(login_as, client, agent, problem, hx):
    response = login_as(agent).get(url(problem))
    assert response.status_code == 200
    body = text(response)
    assert "P-%05d" % problem.id in body and "Parcels crushed in transit" in body
    for panel in (
        "linked-panel",
        "cause-panel",
        "solutions-panel",
        "approval-panel",
        "actions-panel",
        "live-panel",
        "monitoring-panel",
        "close-panel",
        "problem-timeline",
    ):
        assert f'id="{panel}"' in body, panel
    assert body.count('<tr id="linked-') == 3
    svg = re.search(r'<svg role="img" aria-label="([^"]*)"', body)
    assert svg is not None
    assert svg.group(1).endswith(": 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3; 3 in all.")
    assert "<caption>Linked tickets per week, oldest first</caption>" in body
    assert "Monitoring starts when the approved solution goes live" in body
    assert "opened the problem record" in body
    fragment = text(client.get(url(problem), headers=hx))
    assert_fragment(fragment, "record")
    assert "Back to problem records" not in fragment


def test_a_missing_record_is_404(login_as, agent, hx, client):
    assert login_as(agent).get("/staff/problems/999").status_code == 404
    assert client.post("/staff/problems/999/actions", data={"text": "x"}).status_code == 404
    assert client.get("/staff/problems/999", headers=hx).status_code == 404


def test_user_text_is_escaped(login_as, agent):
    problem = open_problem(agent, title="<script>alert(1)</script>", root_cause="<i>x</i>")
    body = text(login_as(agent).get(url(problem)))
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    assert "&lt;i&gt;x&lt;/i&gt;" in body


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_updating_the_root_cause(login_as, client, agent, problem, over_htmx, hx):
    login_as(agent)
    response = post(
        client,
        problem,
        "/root-cause",
        {"root_cause": "The van is too small"},
        hx if over_htmx else None,
    )
    answered(response, over_htmx, problem)
    assert problem.root_cause == "The van is too small"
    assert "The van is too small" in text(client.get(url(problem)))
    empty = post(client, problem, "/root-cause", {"root_cause": ""}, hx if over_htmx else None)
    assert empty.status_code == 422
    assert 'id="root_cause-error">Say what you think causes it.' in text(empty)


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_a_stale_form_gets_409_with_the_fresh_state(
    login_as, client, agent, supervisor, problem, over_htmx, hx
):
    login_as(agent)
    seen = version(problem)
    services.update_root_cause(problem, supervisor, "Sam's newer idea")
    response = client.post(
        url(problem, "/root-cause"),
        data={"version": str(seen), "root_cause": "Alex's idea"},
        headers=hx if over_htmx else {},
    )
    assert response.status_code == 409
    body = text(response)
    assert "changed since you opened it" in body
    assert "Sam&#39;s newer idea" in body  # the fresh state
    assert "Alex&#39;s idea" in body  # what was typed, kept
    assert f'name="version" type="hidden" value="{version(problem)}"' in body
    assert problem.root_cause == "Sam's newer idea"


def test_a_garbled_version_is_treated_as_stale(login_as, client, agent, problem):
    response = login_as(agent).post(
        url(problem, "/actions"), data={"version": "abc", "text": "Rang the courier"}
    )
    assert response.status_code == 409
    assert "changed since you opened it" in text(response)
    assert "Rang the courier</textarea>" in text(response)


def test_a_double_click_adds_one_solution(login_as, client, agent, problem):
    login_as(agent)
    seen = version(problem)
    data = {"version": str(seen), **SOLUTION}
    assert client.post(url(problem, "/solutions"), data=data).status_code == 302
    assert client.post(url(problem, "/solutions"), data=data).status_code == 409
    assert count(CandidateSolution) == 1


# --- solutions ---------------------------------------------------------------------------


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_adding_solutions_and_comparing_them(login_as, client, agent, problem, over_htmx, hx):
    login_as(agent)
    headers = hx if over_htmx else None
    answered(post(client, problem, "/solutions", SOLUTION, headers), over_htmx, problem)
    body = text(client.get(url(problem)))
    assert "Add at least two solutions to compare before choosing one." in body
    assert "/choose" not in body
    other = {**SOLUTION, "description": "Change courier", "cost": "1,250.50"}
    answered(post(client, problem, "/solutions", other, headers), over_htmx, problem)
    body = text(client.get(url(problem)))
    assert "<caption>Candidate solutions compared side by side</caption>" in body
    assert "£200.00" in body and "£1,250.50" in body
    assert body.count("+ Parcels arrive intact") == 2
    assert body.count("− Dearer packaging") == 2
    assert len(re.findall(r'hx-post="[^"]*/choose"', body)) == 2


@pytest.mark.parametrize("side", list(SIDES))
def test_a_solution_without_one_side_is_422_with_the_message(
    login_as, client, agent, problem, side, hx
):
    login_as(agent)
    response = post(client, problem, "/solutions", {**SOLUTION, side: ""}, hx)
    assert response.status_code == 422
    body = text(response)
    assert f'id="{side}-error">Write the' in body
    assert 'aria-invalid="true"' in body
    assert "Double-box fragile items</textarea>" in body  # typed values kept
    assert count(CandidateSolution) == 0


@pytest.mark.parametrize(
    ("cost", "message"),
    [("abc", "Give an amount in pounds"), ("-5", "cannot be negative"), ("2000000", "more than")],
)
def test_a_bad_cost_is_422(login_as, client, agent, problem, cost, message):
    response = post(login_as(agent), problem, "/solutions", {**SOLUTION, "cost": cost})
    assert response.status_code == 422
    assert message in text(response)
    assert f'value="{cost}"' in text(response)


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_choosing_a_solution(login_as, client, agent, problem, over_htmx, hx):
    solutions.add_solution(problem, agent, solutions.SolutionData("A", 0, "a", "b", "c", "d"))
    login_as(agent)
    first = problem.solutions[0]
    refused = post(client, problem, f"/solutions/{first.id}/choose", {}, hx)
    assert refused.status_code == 422
    assert "Compare at least two candidate solutions" in text(refused)
    solutions.add_solution(problem, agent, solutions.SolutionData("B", 0, "a", "b", "c", "d"))
    response = post(client, problem, f"/solutions/{first.id}/choose", {}, hx if over_htmx else None)
    answered(response, over_htmx, problem)
    assert problem.chosen_solution == first and problem.status == "solution_chosen"
    assert "Ask a decision maker to approve" in text(client.get(url(problem)))


def test_a_solution_of_another_record_is_404(login_as, client, agent, problem):
    other = open_problem(agent, title="Other")
    chosen(other, agent)
    response = post(login_as(agent), problem, f"/solutions/{other.solutions[0].id}/choose", {})
    assert response.status_code == 404


# --- who may reach it --------------------------------------------------------------------


@pytest.fixture
def every_url(problem, agent):
    approval = requested(problem, agent)
    sid = problem.solutions[0].id
    gets = ["/staff/problems", "/staff/problems/new", url(problem)]
    posts = [
        "/staff/problems/new",
        url(problem, "/root-cause"),
        url(problem, "/solutions"),
        url(problem, f"/solutions/{sid}/choose"),
        url(problem, "/approval"),
        url(problem, f"/approvals/{approval.id}"),
        f"/staff/problem-approvals/{approval.id}",
        url(problem, "/actions"),
        url(problem, "/live"),
        url(problem, "/close"),
    ]
    return gets, posts


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_customers_get_403_everywhere(login_as, client, customer, every_url, over_htmx, hx):
    gets, posts = every_url
    login_as(customer)
    headers = hx if over_htmx else {}
    for path in gets:
        response = client.get(path, headers=headers)
        assert response.status_code == 403, path
        assert "Parcels crushed" not in text(response)
    for path in posts:
        response = client.post(path, data={"reason": "x", "decision": "approve"}, headers=headers)
        assert response.status_code == 403, path
    assert count(ProblemEvent, kind="solution_approved") == 0


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_anonymous_visitors_are_sent_to_sign_in(client, every_url, over_htmx, hx):
    gets, posts = every_url
    for path in gets + posts:
        method = client.get if path in gets else client.post
        response = method(path, headers=hx if over_htmx else {})
        if over_htmx:
            assert response.status_code == 401, path
        else:
            assert response.status_code == 302, path
            assert "/login?next=" in response.headers["Location"], path
