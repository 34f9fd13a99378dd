"""The create forms of problem records and the feed carry an idempotency key.

Each form's page carries a hidden key; posting the same key again answers exactly like
the first success (the same redirect, or the same record partial) and makes nothing new:
no second row, event, notice or email, even when the first post has since made the
version stale or the record's state would now refuse the form. A new key makes a new row.
A refused post keeps its key; a form re-rendered after a success gets a fresh one.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from sqlalchemy import update

from helpdesk.extensions import db
from helpdesk.feed import services as feed
from helpdesk.models import (
    CandidateSolution,
    EvidenceRecord,
    FeedPost,
    Notification,
    OutboxMessage,
    ProblemEvent,
    ProblemLink,
    ProblemRecord,
    TicketEvent,
)
from helpdesk.problems import monitoring, services, solutions
from helpdesk.unit_of_work import unit_of_work
from tests.helpers import assert_fragment, count, text, without_csrf
from tests.problems import (
    SOLUTION_FORM,
    answered,
    approved,
    linked_problem,
    open_problem,
    solution_data,
    url,
    version,
)

NEW = "/staff/problems/new"
KEY = re.compile(r'<input[^>]*name="idempotency_key"[^>]*value="([0-9a-f]{32})"')


@pytest.fixture
def problem(agent, customer, category):
    return linked_problem(agent, customer, category)


@pytest.fixture
def feed_post(agent, ticket):
    made, _ = feed.share(
        agent, ticket=ticket, quote="The box was crushed.", comment="Again", tag="delivery"
    )
    return made


def new_key() -> str:
    return uuid.uuid4().hex


def form_key(body: str, action: str) -> str:
    """The idempotency key inside the form that posts to ``action``."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', body, re.S)
    assert form is not None, f"no form posting to {action}"
    found = KEY.search(form.group(0))
    assert found is not None, f"the form posting to {action} carries no idempotency key"
    return found.group(1)


def made() -> tuple[int, ...]:
    """How many rows of everything a create form (or its side effects) could add."""
    models = (
        ProblemRecord,
        CandidateSolution,
        ProblemEvent,
        ProblemLink,
        FeedPost,
        Notification,
        OutboxMessage,
        EvidenceRecord,
        TicketEvent,
    )
    return tuple(count(model) for model in models)


def same_page(first: Any, again: Any) -> None:
    """Two record partials alike but for the tokens and the fresh form keys."""

    def plain(response: Any) -> str:
        return KEY.sub("", without_csrf(text(response)))

    assert plain(first) == plain(again)


def headers_for(over_htmx: bool, hx: dict[str, str]) -> dict[str, str]:
    return hx if over_htmx else {}


# --- a new problem record ------------------------------------------------------------------


def test_the_new_record_form_carries_a_fresh_key(login_as, client, agent, hx):
    page = text(login_as(agent).get(NEW))
    fragment = text(client.get(NEW, headers=hx))
    assert_fragment(fragment, "new-problem")
    assert form_key(page, NEW) != form_key(fragment, NEW)


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_a_replayed_new_record_opens_one(
    login_as, client, agent, supervisor, category, over_htmx, hx
):
    login_as(agent)
    headers = headers_for(over_htmx, hx)
    data = {
        "title": "Kettles arrive cracked",
        "category_id": str(category.id),
        "root_cause": "",
        "idempotency_key": form_key(text(client.get(NEW)), NEW),
    }
    first = client.post(NEW, data=data, headers=headers)
    after_first = made()
    again = client.post(NEW, data=data, headers=headers)
    assert made() == after_first
    problem = db.session.scalars(db.select(ProblemRecord)).one()
    assert count(Notification, user_id=supervisor.id, kind="repeat_alert") == 1
    assert count(ProblemEvent, kind="created") == 1
    for response in (first, again):
        if over_htmx:
            assert response.status_code == 204
            assert response.headers["HX-Redirect"] == url(problem)
        else:
            assert response.status_code == 302
            assert response.headers["Location"].endswith(url(problem))
    other = client.post(NEW, data={**data, "idempotency_key": new_key()}, headers=headers)
    assert other.status_code in (204, 302)
    assert count(ProblemRecord) == 2
    assert count(Notification, user_id=supervisor.id, kind="repeat_alert") == 2


def test_a_refused_new_record_keeps_its_key_and_then_goes_through(login_as, client, agent, hx):
    key = new_key()
    login_as(agent)
    refused = client.post(
        NEW, data={"title": " ", "category_id": "", "idempotency_key": key}, headers=hx
    )
    assert refused.status_code == 422
    assert form_key(text(refused), NEW) == key
    assert count(ProblemRecord) == 0
    data = {"title": "Kettles arrive cracked", "category_id": "", "idempotency_key": key}
    assert client.post(NEW, data=data).status_code == 302
    assert client.post(NEW, data=data).status_code == 302
    assert count(ProblemRecord) == 1


def test_an_old_form_without_a_key_still_opens_records(login_as, client, agent):
    data = {"title": "Kettles arrive cracked", "category_id": ""}
    assert login_as(agent).post(NEW, data=data).status_code == 302
    assert client.post(NEW, data=data).status_code == 302
    assert count(ProblemRecord) == 2  # not deduplicated, as before
    refused = client.post(NEW, data={"title": " ", "category_id": ""})
    assert refused.status_code == 422
    assert KEY.search(text(refused))  # the form shown again has a key to send next time


# --- a candidate solution ------------------------------------------------------------------


def test_the_record_page_gives_each_create_form_its_own_key(login_as, client, agent, problem, hx):
    page = text(login_as(agent).get(url(problem)))
    solution = form_key(page, url(problem, "/solutions"))
    action = form_key(page, url(problem, "/actions"))
    assert solution != action
    fragment = text(client.get(url(problem), headers=hx))
    assert form_key(fragment, url(problem, "/solutions")) not in (solution, action)
    # Only the create forms carry one; the one-button and edit forms do not need it.
    assert len(KEY.findall(page)) == 2


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_a_replayed_solution_is_added_once(login_as, client, agent, problem, over_htmx, hx):
    login_as(agent)
    headers = headers_for(over_htmx, hx)
    target = url(problem, "/solutions")
    key = form_key(text(client.get(url(problem))), target)
    data = {**SOLUTION_FORM, "version": str(version(problem)), "idempotency_key": key}
    first = client.post(target, data=data, headers=headers)
    answered(first, over_htmx, problem)
    after_first = made()
    # The first post moved the version on: the replay's version is stale, yet it is
    # answered as the success it replays, not refused with a 409.
    again = client.post(target, data=data, headers=headers)
    answered(again, over_htmx, problem)
    assert made() == after_first
    assert count(CandidateSolution) == 1
    assert count(ProblemEvent, kind="solution_added") == 1
    solution = db.session.scalars(db.select(CandidateSolution)).one()
    assert solution.idempotency_key == key
    if over_htmx:
        assert f'<tr id="solution-{solution.id}"' in text(again)
        same_page(first, again)
        fresh = form_key(text(again), target)  # the emptied form is ready for the next
    else:
        assert first.headers["Location"] == again.headers["Location"]
        fresh = form_key(text(client.get(url(problem))), target)
    assert fresh != key
    other = {**data, "description": "Change courier", "version": str(version(problem))}
    response = client.post(target, data=other | {"idempotency_key": fresh}, headers=headers)
    answered(response, over_htmx, problem)
    assert count(CandidateSolution) == 2


def test_a_solution_replayed_after_approval_gets_the_first_answer(
    login_as, client, agent, supervisor, problem
):
    login_as(agent)
    target = url(problem, "/solutions")
    data = {**SOLUTION_FORM, "version": str(version(problem)), "idempotency_key": new_key()}
    first = client.post(target, data=data)
    assert first.status_code == 302
    approved(problem, agent, supervisor)  # adds two more, chooses one and approves it
    solutions_before = count(CandidateSolution)
    refused = client.post(
        target,
        data={**SOLUTION_FORM, "version": str(version(problem)), "idempotency_key": new_key()},
    )
    assert refused.status_code == 422
    assert "already approved" in text(refused)
    again = client.post(target, data=data)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(CandidateSolution) == solutions_before


def test_a_refused_solution_keeps_its_key(login_as, client, agent, problem, hx):
    key = new_key()
    target = url(problem, "/solutions")
    data = {**SOLUTION_FORM, "pros_org": "", "version": str(version(problem))}
    refused = login_as(agent).post(target, data=data | {"idempotency_key": key}, headers=hx)
    assert refused.status_code == 422
    assert form_key(text(refused), target) == key
    assert form_key(text(refused), url(problem, "/actions")) != key


# --- an action taken -----------------------------------------------------------------------


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_a_replayed_action_is_recorded_once(login_as, client, agent, problem, over_htmx, hx):
    login_as(agent)
    headers = headers_for(over_htmx, hx)
    target = url(problem, "/actions")
    key = form_key(text(client.get(url(problem))), target)
    data = {"text": "Rang the courier", "version": str(version(problem)), "idempotency_key": key}
    first = client.post(target, data=data, headers=headers)
    answered(first, over_htmx, problem)
    after_first = made()
    again = client.post(target, data=data, headers=headers)  # its version is stale now
    answered(again, over_htmx, problem)
    assert made() == after_first
    event = db.session.scalars(db.select(ProblemEvent).where(ProblemEvent.kind == "action")).one()
    assert event.idempotency_key == key
    if over_htmx:
        assert text(again).count('<li id="action-') == 1
        same_page(first, again)
        fresh = form_key(text(again), target)
    else:
        assert first.headers["Location"] == again.headers["Location"]
        fresh = form_key(text(client.get(url(problem))), target)
    assert fresh != key
    next_one = {"text": "Rang again", "version": str(version(problem)), "idempotency_key": fresh}
    answered(client.post(target, data=next_one, headers=headers), over_htmx, problem)
    assert count(ProblemEvent, kind="action") == 2


def test_an_action_replayed_after_closing_gets_the_first_answer(login_as, client, agent, problem):
    login_as(agent)
    target = url(problem, "/actions")
    data = {"text": "Rang the courier", "version": str(version(problem)), "idempotency_key": "k1"}
    first = client.post(target, data=data)
    assert first.status_code == 302
    monitoring.close(problem, agent, "Solved by the new courier")
    late = {"text": "Too late", "version": str(version(problem)), "idempotency_key": new_key()}
    refused = client.post(target, data=late)
    assert refused.status_code == 422 and "This problem record is closed." in text(refused)
    again = client.post(target, data=data)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(ProblemEvent, kind="action") == 1


def test_a_key_sent_with_another_records_form_is_refused(login_as, client, agent, problem):
    other = open_problem(agent, title="Late refunds")
    login_as(agent)
    data = {"text": "Rang the courier", "idempotency_key": new_key()}
    first = client.post(url(problem, "/actions"), data=data | {"version": str(version(problem))})
    assert first.status_code == 302
    elsewhere = client.post(url(other, "/actions"), data=data | {"version": str(version(other))})
    assert elsewhere.status_code == 422
    assert "already sent" in text(elsewhere)
    assert count(ProblemEvent, kind="action") == 1


# --- a feed post turned into a problem record ----------------------------------------------


def turn_url(post: FeedPost) -> str:
    return f"/staff/feed/{post.id}/problem"


def test_the_turn_form_carries_a_key(login_as, client, agent, feed_post):
    login_as(agent)
    first = form_key(text(client.get(turn_url(feed_post))), turn_url(feed_post))
    assert first != form_key(text(client.get(turn_url(feed_post))), turn_url(feed_post))


def test_a_replayed_turn_opens_one_record(login_as, client, agent, supervisor, ticket, feed_post):
    login_as(agent)
    target = turn_url(feed_post)
    key = form_key(text(client.get(target)), target)
    data = {"title": "Crushed boxes", "category_id": "", "root_cause": "", "idempotency_key": key}
    first = client.post(target, data=data)
    after_first = made()
    # The post is turned now, which refuses any other post, but not a replay of this one.
    again = client.post(target, data=data)
    assert made() == after_first
    problem = db.session.scalars(db.select(ProblemRecord)).one()
    assert problem.idempotency_key == key
    for response in (first, again):
        assert response.status_code == 302
        assert response.headers["Location"] == f"/staff/problems/{problem.id}"
    assert count(Notification, user_id=supervisor.id, kind="repeat_alert") == 1
    refused = client.post(target, data={**data, "idempotency_key": new_key()})
    assert refused.status_code == 409
    assert f"already turned into the problem record {problem.reference}" in text(refused)
    assert 'name="idempotency_key"' not in text(refused)  # no form to send again
    without_key = client.post(target, data={"title": "Crushed boxes", "category_id": ""})
    assert without_key.status_code == 409
    assert made() == after_first
    other_post, _ = feed.share(agent, ticket=ticket, quote="Lid cracked.", comment="", tag="other")
    other = turn_url(other_post)
    other_key = form_key(text(client.get(other)), other)
    assert other_key != key
    made_too = client.post(
        other, data={**data, "title": "Cracked lids", "idempotency_key": other_key}
    )
    assert made_too.status_code == 302
    assert count(ProblemRecord) == 2


def test_a_refused_turn_keeps_its_key(login_as, agent, feed_post):
    key = new_key()
    response = login_as(agent).post(
        turn_url(feed_post), data={"title": " ", "category_id": "", "idempotency_key": key}
    )
    assert response.status_code == 422
    assert form_key(text(response), turn_url(feed_post)) == key
    assert count(ProblemRecord) == 0


# --- the services, without HTTP -----------------------------------------------------------


def test_the_services_return_the_first_row_for_a_replayed_key(agent, supervisor, problem):
    opened = services.create_problem(agent, title="Lids", category_id=None, idempotency_key="p")
    solution = solutions.add_solution(problem, agent, solution_data(), idempotency_key="s")
    action = services.record_action(problem, agent, "Rang the courier", idempotency_key="a")
    before = made()
    stale = version(problem) - 1  # replays come before the version check
    reopened = services.create_problem(agent, title="Else", category_id=None, idempotency_key="p")
    readded = solutions.add_solution(
        problem,
        agent,
        solution_data(description="Else"),
        expected_version=stale,
        idempotency_key="s",
    )
    rerecorded = services.record_action(
        problem, agent, "Else", expected_version=stale, idempotency_key="a"
    )
    assert (reopened, readded, rerecorded) == (opened, solution, action)
    assert made() == before
    assert (opened.title, solution.description, action.body) == (
        "Lids",
        "Double-box fragile items",
        "Rang the courier",
    )


def test_the_feed_service_returns_the_first_record_for_a_replayed_key(agent, ticket, feed_post):
    with unit_of_work():  # the first post, committed
        first = feed.turn_into_problem(
            feed_post, agent, title="Crushed", category_id=None, root_cause="", idempotency_key="t"
        )
    before = made()
    again = feed.turn_into_problem(
        feed_post, agent, title="Other", category_id=None, root_cause="", idempotency_key="t"
    )
    assert again == first and made() == before
    with pytest.raises(feed.FeedError, match="already turned"):
        feed.turn_into_problem(feed_post, agent, title="Other", category_id=None, root_cause="")
    db.session.rollback()
    other, _ = feed.share(agent, ticket=ticket, quote="Lid cracked.", comment="", tag="other")
    with pytest.raises(feed.FeedError, match="already sent"):  # not a replay of this post
        feed.turn_into_problem(
            other, agent, title="Lids", category_id=None, root_cause="", idempotency_key="t"
        )
    assert other.problem_id is None and count(ProblemRecord) == 1


def test_a_key_from_another_person_or_record_is_refused(agent, supervisor, problem):
    services.create_problem(agent, title="Lids", category_id=None, idempotency_key="p")
    with pytest.raises(services.ProblemError, match="already sent"):
        services.create_problem(supervisor, title="Lids", category_id=None, idempotency_key="p")
    db.session.rollback()
    other = open_problem(agent, title="Late refunds")
    solutions.add_solution(problem, agent, solution_data(), idempotency_key="s")
    with pytest.raises(services.ProblemError, match="already sent"):
        solutions.add_solution(other, agent, solution_data(), idempotency_key="s")
    assert count(CandidateSolution) == 1


def _create(problem: ProblemRecord, actor: Any, key: str) -> object:
    return services.create_problem(actor, title="Lids", category_id=None, idempotency_key=key)


def _solution(problem: ProblemRecord, actor: Any, key: str) -> object:
    return solutions.add_solution(problem, actor, solution_data(), idempotency_key=key)


def _action(problem: ProblemRecord, actor: Any, key: str) -> object:
    return services.record_action(problem, actor, "Rang the courier", idempotency_key=key)


@pytest.fixture
def racing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's first look-up misses, as for two posts with one key at once; the
    look-ups after a failed write are the real ones."""
    real = services.first_made
    looked: list[object] = []

    def missed_once(model: Any, key: str | None) -> Any:
        looked.append(model)
        return None if len(looked) == 1 else real(model, key)

    monkeypatch.setattr(services, "first_made", missed_once)


@pytest.mark.parametrize(
    "make", [_create, _solution, _action], ids=["problem", "solution", "action"]
)
def test_a_racing_replay_gets_the_row_the_first_post_committed(
    request, agent, supervisor, problem, make
):
    """Both posts miss the look-up; the unique index refuses the second's row, and the
    second answers with the first post's row instead of an error."""
    first = make(problem, agent, "race")
    db.session.commit()  # the first post, committed before the replay races it
    before = made()
    request.getfixturevalue("racing")
    assert make(problem, agent, "race") == first
    assert made() == before


def test_a_racing_action_that_finds_the_version_moved_on_gets_the_first(request, agent, problem):
    """The racing post's record version is stale by the time it writes: still the first."""
    first = services.record_action(problem, agent, "Rang the courier", idempotency_key="race")
    db.session.commit()  # the first post, committed
    seen = problem.version  # the copy in hand, as the racing post read it
    with db.engine.begin() as other:  # the first post's change, committed elsewhere
        other.execute(
            update(ProblemRecord)
            .where(ProblemRecord.id == problem.id)
            .values(version=ProblemRecord.version + 1)
        )
    assert problem.version == seen
    request.getfixturevalue("racing")
    assert services.record_action(problem, agent, "Again", idempotency_key="race") == first
    assert count(ProblemEvent, kind="action") == 1
