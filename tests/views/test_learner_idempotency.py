"""Replayed create posts on the learner side return the first result, over real requests.

Every create form of the portfolio, the assessor and the IQA pages carries a one-time
key (a hidden field its GET fills): a reflective account, an observation, a pin, a
knowledge record and an IQA sample. Posting the same key twice answers both times as the
first success did and makes one row (no second evidence, event or notice); a new key is
a new row. A form that stays on the page after success gets a fresh key; one that fails
(422) keeps the posted key. The services do the same without HTTP, a racing replay
included (the unique index catches it and the first row is returned).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

import helpdesk.evidence.knowledge as knowledge_service
import helpdesk.evidence.observations as observation_service
import helpdesk.evidence.reflections as reflection_service
import helpdesk.idempotency as idempotency
import helpdesk.iqa.services as iqa_service
from helpdesk.evidence.assessment import (
    AssessmentError,
    confirm_observation,
    pin,
    record_observation,
)
from helpdesk.evidence.decisions import decide
from helpdesk.evidence.knowledge import record_knowledge
from helpdesk.evidence.reflections import ReflectionData, ReflectionError, add_reflection
from helpdesk.extensions import db
from helpdesk.frameworks import catalogue
from helpdesk.iqa.services import SampleRequest, draw_sample
from helpdesk.models import (
    EvidenceRecord,
    IqaSample,
    KnowledgeRecord,
    Notification,
    Observation,
    ObservationPin,
    ReflectiveAccount,
)
from helpdesk.tickets import resolution
from tests import factories
from tests.assessing import observe
from tests.conftest import CSRFClient, login
from tests.factories import make_learner
from tests.helpers import assert_fragment, count, text
from tests.portfolio import acknowledged_ticket, profile_of, records

KEY_INPUT = re.compile(r'<input[^>]*name="idempotency_key"[^>]*>')
STAR = {
    "title": "Calming a worried customer",
    "situation": "A kettle arrived cracked",
    "task": "Find a fix the same week",
    "action": "Restated the problem and offered a replacement",
    "result": "The customer was happy",
}


def keys_in(body: str) -> list[str]:
    """The idempotency keys of the forms in ``body``, in page order."""
    found = []
    for tag in KEY_INPUT.findall(body):
        assert 'type="hidden"' in tag, tag
        value = re.search(r'value="([^"]*)"', tag)
        assert value and re.fullmatch(r"[0-9a-f]{32}", value.group(1)), tag
        found.append(value.group(1))
    return found


def key_in(body: str) -> str:
    [key] = keys_in(body)
    return key


def as_user(app: Flask, user: Any) -> Any:
    """A fresh browser signed in through the real login form."""
    app.test_client_class = CSRFClient
    client = app.test_client()
    login(client, user.email)
    return client


@pytest.fixture
def worked(learner: Any, casey: Any) -> Any:
    """A ticket the learner acknowledged and asked about: evidence in the portfolio."""
    ticket = acknowledged_ticket(learner, casey, order_ref="ORD-778899")
    resolution.ask_question(ticket, learner, "Casey, is it the 1.7 litre kettle?")
    return ticket


@pytest.fixture
def observation(learner: Any, worked: Any, assessor: Any) -> Observation:
    return observe(assessor, learner, [worked], ["1.1"], confirm=False)


@pytest.fixture
def decided(learner: Any, worked: Any, assessor: Any) -> Any:
    """Two of the learner's evidence records decided by the assessor (something to sample)."""
    decide(records(learner, "acknowledged")[0], assessor, True, "Casey felt heard")
    decide(records(learner, "question")[0], assessor, False, "Ask an open question")
    return learner


# --- reflective accounts (portfolio.reflections) -----------------------------------------


def test_a_replayed_reflection_saves_one_account(app, learner, worked):
    client = as_user(app, learner)
    url = f"/portfolio/{learner.id}/reflections"
    key = key_in(text(client.get(url)))
    data = STAR | {"ticket_id": str(worked.id), "idempotency_key": key}
    first = client.post(url, data=data)
    again = client.post(url, data=data)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    account = db.session.scalars(select(ReflectiveAccount)).one()
    assert account.idempotency_key == key
    fresh = key_in(text(client.get(url)))
    assert fresh != key
    other = client.post(url, data=STAR | {"title": "A second account", "idempotency_key": fresh})
    assert other.status_code == 302
    assert count(ReflectiveAccount) == 2


def test_htmx_replays_the_saved_panel_and_offers_a_fresh_key(app, learner, worked, hx):
    client = as_user(app, learner)
    url = f"/portfolio/{learner.id}/reflections"
    key = key_in(text(client.get(url)))
    answers = [client.post(url, data=STAR | {"idempotency_key": key}, headers=hx) for _ in "ab"]
    for response in answers:
        assert response.status_code == 200
        assert_fragment(text(response), "reflections-panel")
        assert "Your reflective account is saved." in text(response)
    assert count(ReflectiveAccount) == 1
    fresh = key_in(text(answers[0]))
    assert fresh != key  # the empty form after success is a new post, not a replay
    # The very same account again, but from a new form: the key decides, so it is kept.
    assert client.post(url, data=STAR | {"idempotency_key": fresh}, headers=hx).status_code == 200
    assert count(ReflectiveAccount) == 2


def test_a_refused_reflection_keeps_its_key(app, learner, worked, hx):
    client = as_user(app, learner)
    url = f"/portfolio/{learner.id}/reflections"
    key = key_in(text(client.get(url)))
    response = client.post(url, data=STAR | {"result": "", "idempotency_key": key}, headers=hx)
    assert response.status_code == 422 and key_in(text(response)) == key
    assert count(ReflectiveAccount) == 0
    assert client.post(url, data=STAR | {"idempotency_key": key}, headers=hx).status_code == 200
    assert count(ReflectiveAccount) == 1


def test_a_reflection_without_a_key_still_saves(app, learner, worked):
    client = as_user(app, learner)
    response = client.post(f"/portfolio/{learner.id}/reflections", data=STAR)
    assert response.status_code == 302
    assert db.session.scalars(select(ReflectiveAccount)).one().idempotency_key is None


# --- observations (assessor.observations) ------------------------------------------------


def observation_data(ticket: Any, key: str) -> dict[str, Any]:
    return {
        "observed_on": date.today().isoformat(),
        "place": "Phone line",
        "tickets": [str(ticket.id)],
        "activity": "Took Customer A's call about a cracked kettle.",
        "codes": ["1.1", "1.2"],
        "judgement": "met",
        "idempotency_key": key,
    }


def test_a_replayed_observation_records_one(app, learner, worked, assessor):
    client = as_user(app, assessor)
    url = f"/assess/{learner.id}/observations"
    key = key_in(text(client.get(url)))
    first = client.post(url, data=observation_data(worked, key))
    again = client.post(url, data=observation_data(worked, key))
    assert first.status_code == again.status_code == 302
    found = db.session.scalars(select(Observation)).one()
    assert first.headers["Location"] == again.headers["Location"]
    assert first.headers["Location"].endswith(f"/assess/observations/{found.id}")
    assert found.idempotency_key == key
    fresh = key_in(text(client.get(url)))
    assert fresh != key
    assert client.post(url, data=observation_data(worked, fresh)).status_code == 302
    assert count(Observation) == 2


def test_a_refused_observation_keeps_its_key(app, learner, worked, assessor):
    client = as_user(app, assessor)
    url = f"/assess/{learner.id}/observations"
    key = key_in(text(client.get(url)))
    response = client.post(url, data=observation_data(worked, key) | {"judgement": "not_met"})
    assert response.status_code == 422 and key_in(text(response)) == key
    assert count(Observation) == 0


# --- pins (assessor.add_pin) -------------------------------------------------------------


def test_every_pin_form_on_the_watch_page_has_its_own_key(app, worked, assessor, observation):
    client = as_user(app, assessor)
    page = text(client.get(f"/assess/observations/{observation.id}/watch/{worked.id}"))
    keys = keys_in(page)
    assert len(keys) == len(worked.events) > 1
    assert len(set(keys)) == len(keys)


def test_a_replayed_pin_pins_once_and_the_next_form_gets_a_fresh_key(
    app, worked, assessor, observation, hx
):
    client = as_user(app, assessor)
    page = text(client.get(f"/assess/observations/{observation.id}/watch/{worked.id}"))
    event = worked.events[-1]
    key = keys_in(page)[-1]
    url = f"/assess/observations/{observation.id}/pins"
    data = {"event_id": str(event.id), "comment": "Good open question.", "idempotency_key": key}
    answers = [client.post(url, data=data, headers=hx) for _ in "ab"]
    for response in answers:
        assert response.status_code == 200
        assert_fragment(text(response), f"pins-{event.id}")
        assert text(response).count("Good open question.") == 1
    assert count(ObservationPin) == 1
    fresh = key_in(text(answers[1]))
    assert fresh != key
    second = data | {"comment": "Calm tone.", "idempotency_key": fresh}
    assert client.post(url, data=second, headers=hx).status_code == 200
    assert count(ObservationPin) == 2
    # Once confirmed the observation takes no new pins, but a replay still succeeds.
    confirm_observation(observation, assessor)
    late = data | {"comment": "New", "idempotency_key": "cd" * 16}
    assert client.post(url, data=late, headers=hx).status_code == 409
    replay = client.post(url, data=data, headers=hx)
    assert replay.status_code == 200 and "Good open question." in text(replay)
    plain = client.post(url, data=data)
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"#event-{event.id}")
    assert count(ObservationPin) == 2


def test_a_refused_pin_keeps_its_key(app, worked, assessor, observation, hx):
    client = as_user(app, assessor)
    event = worked.events[-1]
    url = f"/assess/observations/{observation.id}/pins"
    data = {"event_id": str(event.id), "comment": " ", "idempotency_key": "ab" * 16}
    response = client.post(url, data=data, headers=hx)
    assert response.status_code == 422 and key_in(text(response)) == "ab" * 16
    assert count(ObservationPin) == 0


# --- knowledge (assessor.knowledge) ------------------------------------------------------


def test_a_replayed_knowledge_record_makes_one_record_evidence_and_notice(app, learner, assessor):
    client = as_user(app, assessor)
    url = f"/assess/{learner.id}/knowledge"
    key = key_in(text(client.get(url)))
    data = {
        "method": "PD",
        "codes": ["4.1", "4.3"],
        "questions": "Talk me through our procedure.",
        "answers": "We log, triage and agree next steps.",
        "outcome": "met",
        "idempotency_key": key,
    }
    first = client.post(url, data=data)
    again = client.post(url, data=data)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalars(select(KnowledgeRecord)).one().idempotency_key == key
    assert count(EvidenceRecord, action="knowledge_discussion") == 1
    assert count(Notification, kind="knowledge") == 1
    fresh = key_in(text(client.get(url)))
    assert fresh != key
    assert client.post(url, data=data | {"idempotency_key": fresh}).status_code == 302
    assert count(KnowledgeRecord) == 2
    assert count(EvidenceRecord, action="knowledge_discussion") == 2
    assert count(Notification, kind="knowledge") == 2


def test_a_refused_knowledge_record_keeps_its_key(app, learner, assessor):
    client = as_user(app, assessor)
    url = f"/assess/{learner.id}/knowledge"
    key = key_in(text(client.get(url)))
    data = {"method": "Q", "codes": ["4.1"], "questions": "Why?", "answers": "Because."}
    response = client.post(url, data=data | {"outcome": "not_met", "idempotency_key": key})
    assert response.status_code == 422 and key_in(text(response)) == key
    assert count(KnowledgeRecord) == 0


# --- IQA samples (iqa.new_sample) --------------------------------------------------------


def test_a_replayed_sample_draws_one(app, iqa, assessor, decided, hx):
    client = as_user(app, iqa)
    page = text(client.get(f"/iqa/samples/new?assessor={assessor.id}"))
    key = key_in(page)
    data = {"assessor_id": str(assessor.id), "size": "2", "idempotency_key": key}
    first = client.post("/iqa/samples/new", data=data)
    again = client.post("/iqa/samples/new", data=data)
    assert first.status_code == again.status_code == 302
    sample = db.session.scalars(select(IqaSample)).one()
    assert first.headers["Location"] == again.headers["Location"] == f"/iqa/samples/{sample.id}"
    assert sample.idempotency_key == key
    # A new form asking the same: a second sample (htmx redirects the page to it, twice).
    fresh = key_in(text(client.get(f"/iqa/samples/new?assessor={assessor.id}")))
    assert fresh != key
    answers = [
        client.post("/iqa/samples/new", data=data | {"idempotency_key": fresh}, headers=hx)
        for _ in "ab"
    ]
    assert [r.status_code for r in answers] == [204, 204]
    assert answers[0].headers["HX-Redirect"] == answers[1].headers["HX-Redirect"]
    assert answers[0].headers["HX-Redirect"] != first.headers["Location"]
    assert count(IqaSample) == 2


def test_a_refused_sample_keeps_its_key(app, iqa, assessor, decided, hx):
    client = as_user(app, iqa)
    key = key_in(text(client.get(f"/iqa/samples/new?assessor={assessor.id}")))
    data = {"assessor_id": str(assessor.id), "size": "0", "idempotency_key": key}
    response = client.post("/iqa/samples/new", data=data, headers=hx)
    assert response.status_code == 422
    assert_fragment(text(response), "sample-form")
    assert key_in(text(response)) == key
    assert count(IqaSample) == 0


# --- the services, without HTTP ----------------------------------------------------------


def test_a_replay_returns_the_first_record_before_any_check(learner, worked, assessor):
    """The same key again: no second record, evidence or notice; and a pin replayed after
    confirmation is the first pin, not a 409."""
    args = (assessor, learner, "Q", ["4.1"], "Why restate?", "To check I heard it.", "met")
    first = record_knowledge(*args, idempotency_key="k" * 32)
    again = record_knowledge(*args, idempotency_key="k" * 32)
    assert again.id == first.id
    assert (count(KnowledgeRecord), count(EvidenceRecord, action="knowledge_questioning")) == (1, 1)
    assert count(Notification, kind="knowledge") == 1
    observation = observe(assessor, learner, [worked], ["1.1"], confirm=False)
    event = worked.events[-1]
    made = pin(observation, event, "Good open question.", by=assessor, idempotency_key="p" * 32)
    confirm_observation(observation, assessor)
    with pytest.raises(AssessmentError):
        pin(observation, event, "Too late", by=assessor, idempotency_key="q" * 32)
    assert pin(observation, event, "Too late", by=assessor, idempotency_key="p" * 32) is made
    assert count(ObservationPin) == 1


def test_a_key_another_post_used_is_refused_not_returned(learner, worked, assessor):
    other = factories.make_user("assessor", email="oz@example.com", name="Oz Other")
    profile = profile_of(learner)
    profile.assessors.append(other)
    db.session.commit()
    observation = observe(assessor, learner, [worked], ["1.1"], confirm=False)
    first, second = worked.events[-2], worked.events[-1]
    pin(observation, first, "On the first event.", by=assessor, idempotency_key="p" * 32)
    with pytest.raises(AssessmentError) as refused:
        pin(observation, second, "On the second.", by=assessor, idempotency_key="p" * 32)
    assert refused.value.status == 409
    args = (learner, "Q", ["4.1"], "Why restate?", "To check I heard it.", "met")
    record_knowledge(assessor, *args, idempotency_key="k" * 32)
    with pytest.raises(AssessmentError) as refused:
        record_knowledge(other, *args, idempotency_key="k" * 32)
    assert refused.value.status == 409
    assert (count(ObservationPin), count(KnowledgeRecord)) == (1, 1)


def test_a_key_from_another_portfolio_is_refused(learner, worked, assessor):
    framework = catalogue().frameworks["A"]
    data = ReflectionData(**STAR)
    add_reflection(learner, profile_of(learner), framework, data, idempotency_key="r" * 32)
    mo = make_learner("A", assessors=(assessor,), email="mo@example.com", name="Mo Learner")
    with pytest.raises(ReflectionError):
        add_reflection(mo, profile_of(mo), framework, data, idempotency_key="r" * 32)
    assert count(ReflectiveAccount) == 1


def too_early() -> Any:
    """``first_made`` as a replay sees it before the first post commits: nothing, once."""
    looked: set[type] = set()

    def first_made(model: type, key: str | None) -> Any:
        if model not in looked:
            looked.add(model)
            return None
        return idempotency.first_made(model, key)

    return first_made


def test_a_racing_replay_gets_the_first_row_from_the_unique_key(
    monkeypatch, learner, worked, assessor, iqa, decided
):
    """The replay looked before the first post committed (it found nothing), so its insert
    meets the unique index: it rolls back and returns what the first post made."""
    args = (assessor, learner, "Q", ["4.1"], "Why restate?", "To check I heard it.", "met")
    request = SampleRequest(assessor.id, size=2)
    seen = {
        "observed_on": datetime.now(UTC),
        "place": "Phone line",
        "activity": "Handled the call from first ring to agreed fix.",
        "tickets": [worked],
        "codes": ["1.1"],
        "judgement": "met",
        "idempotency_key": "o" * 32,
    }
    account = (learner, profile_of(learner), catalogue().frameworks["A"], ReflectionData(**STAR))
    observation = record_observation(assessor, learner, **seen)
    event = worked.events[-1]
    first = {
        "reflection": add_reflection(*account, idempotency_key="r" * 32).id,
        "observation": observation.id,
        "pin": pin(observation, event, "Open question.", idempotency_key="p" * 32).id,
        "knowledge": record_knowledge(*args, idempotency_key="k" * 32).id,
        "sample": draw_sample(iqa, request, idempotency_key="s" * 32).id,
    }
    db.session.commit()  # the first posts, committed before the replays race them
    for module in (reflection_service, observation_service, knowledge_service, iqa_service):
        monkeypatch.setattr(module, "first_made", too_early())
    assert add_reflection(*account, idempotency_key="r" * 32).id == first["reflection"]
    assert record_observation(assessor, learner, **seen).id == first["observation"]
    assert pin(observation, event, "Open question.", idempotency_key="p" * 32).id == first["pin"]
    assert record_knowledge(*args, idempotency_key="k" * 32).id == first["knowledge"]
    assert draw_sample(iqa, request, idempotency_key="s" * 32).id == first["sample"]
    assert count(KnowledgeRecord) == 1
    assert count(EvidenceRecord, action="knowledge_questioning") == 1
    assert count(Notification, kind="knowledge") == 1
    assert (count(ReflectiveAccount), count(Observation), count(ObservationPin)) == (1, 1, 1)
    assert count(IqaSample) == 1
