"""The assessor's pages over HTTP: their learners with progress, review one by one and in
bulk (htmx swaps), observations with a live, polled, redacted ticket view and pins, the
knowledge pages of both sides, sign-off with both declarations, and a 403 for everyone
else on every /assess URL (htmx included)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from helpdesk.evidence.assessment import confirm_observation, write_answer
from helpdesk.extensions import db
from helpdesk.models import (
    EvidenceRecord,
    KnowledgeRecord,
    Notification,
    Observation,
    ObservationPin,
    SignOff,
)
from helpdesk.tickets import resolution, services
from tests import factories
from tests.assessing import T0, everything, observe
from tests.conftest import CSRFClient, login
from tests.factories import make_learner
from tests.helpers import assert_fragment, count, text
from tests.portfolio import acknowledged_ticket, records

DESCRIPTION = "Hi, Casey Jones here. The kettle from order ORD-778899 is cracked."


@pytest.fixture
def worked(learner, casey):
    """A ticket the learner acknowledged and asked about: 1.1 and 1.2 evidence, pending."""
    ticket = acknowledged_ticket(learner, casey, order_ref="ORD-778899", description=DESCRIPTION)
    resolution.ask_question(ticket, learner, "Casey, is it the 1.7 litre kettle?")
    return ticket


def as_user(app, user):
    """A fresh browser signed in through the real login form."""
    app.test_client_class = CSRFClient
    client = app.test_client()
    login(client, user.email)
    return client


def pending(learner) -> list[EvidenceRecord]:
    return [r for r in records(learner) if r.status == "pending"]


def cell(body: str, learner, name: str) -> str:
    row = re.search(rf'<tr id="learner-{learner.id}">(.*?)</tr>', body, re.S)
    assert row, "no row for the learner"
    found = re.search(rf'data-cell="{name}">(.*?)</td>', row.group(1), re.S)
    assert found, name
    return re.sub(r"<[^>]+>", "", found.group(1)).split()[0:3]


# --- my learners --------------------------------------------------------------------------


def test_my_learners_shows_progress_and_what_needs_review(app, learner, worked, assessor, casey):
    stranger = make_learner("B", email="sol@example.com", name="Sol Stranger")
    write_answer(learner, "4.2", "I stay calm and restate the problem.")
    body = text(as_user(app, assessor).get("/assess"))
    assert "Lee Learner" in body and "Sol Stranger" not in body
    assert cell(body, learner, "pcs") == ["0", "/", "16"]
    assert cell(body, learner, "knowledge") == ["0", "/", "5"]
    # PT1 (the customer raised it) is shown by evidence still pending: scope counts none.
    assert cell(body, learner, "scope") == ["0", "/", "9"]
    assert cell(body, learner, "review")[0] == str(len(pending(learner)) + 1)
    assert 'href="/assess"' in body  # the header's "My learners"
    admin_body = text(
        as_user(app, factories.make_user("admin", email="ad@example.com")).get("/assess")
    )
    assert "Lee Learner" in admin_body and "Sol Stranger" in admin_body
    assert stranger.id


def test_only_assessors_get_the_header_link(app, learner, agent):
    assert "My learners" not in text(as_user(app, agent).get("/"))
    assert "My learners" not in text(as_user(app, learner).get("/"))


# --- who may see the pages ------------------------------------------------------------------


def assess_urls(learner, observation, ticket) -> list[str]:
    base = f"/assess/{learner.id}"
    return [
        "/assess",
        f"{base}/review",
        f"{base}/review?pc=1.1",
        f"{base}/observations",
        f"/assess/observations/{observation.id}",
        f"/assess/observations/{observation.id}/watch/{ticket.id}",
        f"{base}/knowledge",
        f"{base}/sign-off",
    ]


@pytest.fixture
def observation(learner, worked, assessor):
    return observe(assessor, learner, [worked], ["1.1"], confirm=False)


@pytest.mark.parametrize("who", ["learner", "another assessor", "agent", "customer"])
def test_everyone_else_is_refused_on_every_assess_url(
    app, learner, worked, observation, other_assessor, agent, casey, who, hx
):
    olive = factories.make_user("customer", email="olive@example.com", name="Olive Other")
    user = {"learner": learner, "another assessor": other_assessor, "agent": agent}.get(who, olive)
    client = as_user(app, user)
    urls = assess_urls(learner, observation, worked)
    for url in urls if who != "another assessor" else urls[1:]:
        for headers in ({}, hx):
            response = client.get(url, headers=headers)
            assert response.status_code == 403, (url, headers)
            assert "Casey" not in text(response)
    record = pending(learner)[0]
    posts = [
        (f"/assess/{learner.id}/review/{record.id}", {"decision": "accept"}),
        (f"/assess/{learner.id}/review/bulk", {"decision": "accept", "ids": [record.id]}),
        (f"/assess/{learner.id}/observations", {"place": "x"}),
        (f"/assess/observations/{observation.id}/confirm", {}),
        (
            f"/assess/observations/{observation.id}/pins",
            {"event_id": worked.events[0].id, "comment": "x"},
        ),
        (f"/assess/{learner.id}/knowledge", {"method": "Q"}),
        (f"/assess/{learner.id}/sign-off", {"assessor_declared": "y"}),
    ]
    for url, data in posts:
        assert client.post(url, data=data, headers=hx).status_code == 403, url
    assert all(r.status == "pending" for r in records(learner))
    assert count(ObservationPin) == 0 and observation.assessor_confirmed_at is None


def test_another_assessor_sees_only_their_own_learners(app, learner, other_assessor):
    body = text(as_user(app, other_assessor).get("/assess"))
    assert "Lee Learner" not in body and "No learners yet" in body


def test_signed_out_people_are_sent_to_sign_in(client, learner, hx):
    assert client.get(f"/assess/{learner.id}/review").status_code == 302
    assert client.get(f"/assess/{learner.id}/review", headers=hx).status_code == 401


def test_an_admin_reads_but_does_not_decide(app, learner, worked, admin, hx):
    client = as_user(app, admin)
    body = text(client.get(f"/assess/{learner.id}/review"))
    assert "only the learner's assessor records decisions" in body
    assert 'name="decision"' not in body
    record = pending(learner)[0]
    response = client.post(
        f"/assess/{learner.id}/review/{record.id}", data={"decision": "accept"}, headers=hx
    )
    assert response.status_code == 403
    assert client.get(f"/assess/{admin.id}/review").status_code == 404


# --- review -------------------------------------------------------------------------------


def test_accepting_swaps_the_item_and_the_learner_is_told(app, learner, worked, assessor, hx):
    client = as_user(app, assessor)
    record = pending(learner)[0]
    page = text(client.get(f"/assess/{learner.id}/review"))
    assert f'id="review-{record.id}"' in page and "Casey" not in page and "Customer A" in page
    response = client.post(
        f"/assess/{learner.id}/review/{record.id}",
        data={"decision": "accept", "feedback": "Clear restatement of the need."},
        headers=hx,
    )
    assert response.status_code == 200
    assert_fragment(text(response), f"review-{record.id}")
    assert "Accepted" in text(response) and "by AA" in text(response)
    db.session.refresh(record)
    assert record.status == "accepted"
    note = db.session.scalar(select(Notification).where(Notification.user_id == learner.id))
    assert note is not None and note.url.endswith(f"/evidence/{record.id}")
    log = text(as_user(app, learner).get(f"/portfolio/{learner.id}/evidence"))
    assert "Clear restatement of the need." in log


def test_rejecting_without_feedback_is_422_and_keeps_it_pending(app, learner, worked, assessor, hx):
    record = pending(learner)[0]
    response = as_user(app, assessor).post(
        f"/assess/{learner.id}/review/{record.id}", data={"decision": "reject"}, headers=hx
    )
    assert response.status_code == 422
    assert_fragment(text(response), f"review-{record.id}")
    assert "Say why it is rejected" in text(response)
    db.session.refresh(record)
    assert record.status == "pending"


def test_a_second_decision_is_409_and_a_change_is_a_new_record(app, learner, worked, assessor, hx):
    client = as_user(app, assessor)
    record = pending(learner)[0]
    url = f"/assess/{learner.id}/review/{record.id}"
    client.post(url, data={"decision": "reject", "feedback": "Impact missing."})
    response = client.post(url, data={"decision": "accept"}, headers=hx)
    assert response.status_code == 409 and "already rejected by AA" in text(response)
    decided = text(client.get(f"/assess/{learner.id}/review?show=decided"))
    assert "Change the decision" in decided
    response = client.post(
        f"{url}?change=1", data={"decision": "accept", "feedback": "Fine."}, headers=hx
    )
    assert response.status_code == 200
    newer = db.session.scalar(
        select(EvidenceRecord).where(EvidenceRecord.supersedes_id == record.id)
    )
    assert newer is not None and newer.status == "accepted"
    assert f'id="review-{newer.id}"' in text(response)
    db.session.refresh(record)
    assert (record.status, record.feedback) == ("rejected", "Impact missing.")
    item = text(as_user(app, learner).get(f"/portfolio/{learner.id}/evidence/{newer.id}"))
    assert f"evidence {record.id}</a>, which stays on record" in item


def test_bulk_rejects_the_ticked_evidence_with_one_feedback(app, learner, worked, assessor, hx):
    client = as_user(app, assessor)
    first, second = pending(learner)[:2]
    response = client.post(
        f"/assess/{learner.id}/review/bulk",
        data={"decision": "reject", "ids": [first.id, second.id]},
        headers=hx,
    )
    assert response.status_code == 422 and "Say why it is rejected" in text(response)
    response = client.post(
        f"/assess/{learner.id}/review/bulk",
        data={"decision": "reject", "ids": [first.id, second.id], "feedback": "Say more."},
        headers=hx,
    )
    assert response.status_code == 200
    assert_fragment(text(response), "review-list")
    assert "2 decided." in text(response)
    assert {r.status for r in (first, second) if not db.session.refresh(r)} == {"rejected"}
    nothing = client.post(f"/assess/{learner.id}/review/bulk", data={"decision": "accept"})
    assert nothing.status_code == 422 and "Choose the evidence to decide." in text(nothing)


def test_the_coverage_grid_links_each_pc_to_its_review(app, learner, worked, assessor):
    grid = text(as_user(app, assessor).get(f"/portfolio/{learner.id}"))
    assert f'href="/assess/{learner.id}/review?pc=1.2"' in grid
    own = text(as_user(app, learner).get(f"/portfolio/{learner.id}"))
    assert "/assess/" not in own
    review = text(as_user(app, assessor).get(f"/assess/{learner.id}/review?pc=1.2"))
    question = records(learner, "question")[0]
    ack = records(learner, "acknowledged")[0]
    assert f'id="review-{question.id}"' in review and f'id="review-{ack.id}"' not in review


# --- observations -------------------------------------------------------------------------


def test_recording_an_observation(app, learner, worked, assessor):
    client = as_user(app, assessor)
    form = text(client.get(f"/assess/{learner.id}/observations"))
    assert f'value="{worked.id}"' in form and "Casey" not in form
    data = {
        "observed_on": date.today().isoformat(),
        "place": "Phone line",
        "tickets": [str(worked.id)],
        "activity": "Took Customer A's call about a cracked kettle.",
        "codes": ["1.1", "1.2"],
        "judgement": "not_met",
    }
    response = client.post(f"/assess/{learner.id}/observations", data=data)
    assert response.status_code == 422 and "Your comments cannot be empty." in text(response)
    assert "Phone line" in text(response)  # what was typed is kept
    response = client.post(f"/assess/{learner.id}/observations", data=data | {"judgement": "met"})
    assert response.status_code == 302
    found = db.session.scalars(select(Observation)).one()
    assert found.codes == ["1.1", "1.2"] and [t.id for t in found.tickets] == [worked.id]
    detail = text(client.get(response.headers["Location"]))
    assert "Confirm the observation as the assessor" in detail
    assert f"/assess/observations/{found.id}/watch/{worked.id}" in detail


def test_the_watch_view_polls_a_redacted_timeline(
    app, learner, worked, assessor, casey, observation, hx
):
    client = as_user(app, assessor)
    url = f"/assess/observations/{observation.id}/watch/{worked.id}"
    page = text(client.get(url))
    block = re.search(r'<section[^>]*id="watch-timeline"[^>]*>', page)
    assert (
        block and 'hx-trigger="every 10s"' in block.group(0) and f'hx-get="{url}"' in block.group(0)
    )
    assert "Casey" not in page and "ORD-778899" not in page and "Customer A" in page
    assert "Pin a comment here" in page
    last = worked.events[-1].id
    quiet = client.get(f"{url}?after={last}", headers=hx)
    assert quiet.status_code == 200 and 'id="event-' not in text(quiet)
    services.customer_reply(worked, casey, "Yes, Casey here, the 1.7 litre one")
    fresh = text(client.get(f"{url}?after={last}", headers=hx))
    added = [int(i) for i in re.findall(r'<li[^>]* id="event-(\d+)"', fresh)]
    assert added and all(i > last for i in added) and max(added) == worked.events[-1].id
    assert 'hx-swap-oob="beforeend:#watch-events"' in fresh
    assert f'id="watch-after" name="after" value="{max(added)}"' in fresh
    assert "Casey" not in fresh and "Customer A" in fresh
    assert (
        client.get(
            f"/assess/observations/{observation.id}/watch/{factories.make_ticket(customer=casey).id}"
        ).status_code
        == 404
    )
    confirm_observation(observation, assessor)
    assert client.get(f"{url}?after={last}", headers=hx).status_code == 286  # polling stops
    assert "hx-trigger" not in re.search(
        r'<section[^>]*id="watch-timeline"[^>]*>', text(client.get(url))
    ).group(0)


def test_pins_only_on_the_observed_tickets_events(
    app, learner, worked, assessor, casey, observation, hx
):
    client = as_user(app, assessor)
    other = acknowledged_ticket(learner, casey)
    event = worked.events[-1]
    url = f"/assess/observations/{observation.id}/pins"
    response = client.post(
        url, data={"event_id": event.id, "comment": "Good open question."}, headers=hx
    )
    assert response.status_code == 200
    assert_fragment(text(response), f"pins-{event.id}")
    assert "Good open question." in text(response)
    refused = client.post(
        url, data={"event_id": other.events[-1].id, "comment": "Wrong ticket"}, headers=hx
    )
    assert refused.status_code == 422
    empty = client.post(url, data={"event_id": event.id, "comment": " "}, headers=hx)
    assert empty.status_code == 422 and "Write the comment first." in text(empty)
    assert [p.comment for p in db.session.scalars(select(ObservationPin))] == [
        "Good open question."
    ]
    plain = client.post(url, data={"event_id": event.id, "comment": "Calm tone."})
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"#event-{event.id}")


def test_both_confirm_the_learner_on_their_portfolio(app, learner, worked, assessor, observation):
    learner_client = as_user(app, learner)
    page = f"/portfolio/{learner.id}/observations/{observation.id}"
    assert "You can confirm it once your assessor has." in text(learner_client.get(page))
    assert learner_client.post(page, data={"learner_comments": "Early"}).status_code == 409
    assert learner_client.get(f"/assess/observations/{observation.id}").status_code == 403
    response = as_user(app, assessor).post(f"/assess/observations/{observation.id}/confirm")
    assert response.status_code == 302
    body = text(learner_client.get(page))
    assert "I confirm this observation" in body
    assert learner_client.post(page, data={"learner_comments": "I slowed down."}).status_code == 302
    db.session.refresh(observation)
    assert observation.confirmed and observation.learner_comments == "I slowed down."
    assert [r.method for r in records(learner, "observation")] == ["O"]
    listing = text(learner_client.get(f"/portfolio/{learner.id}/observations"))
    assert "Confirmed by both" in listing


# --- knowledge ----------------------------------------------------------------------------


def test_knowledge_recorded_by_the_assessor_and_answered_by_the_learner(app, learner, assessor, hx):
    learner_client = as_user(app, learner)
    page = f"/portfolio/{learner.id}/knowledge"
    assert learner_client.post(page, data={"code": "", "answer": "x"}).status_code == 422
    response = learner_client.post(page, data={"code": "4.2", "answer": "I listen and restate."})
    assert response.status_code == 302
    answer = db.session.scalars(select(KnowledgeRecord)).one()
    assert answer.outcome == "pending"

    client = as_user(app, assessor)
    body = text(client.get(f"/assess/{learner.id}/knowledge"))
    assert f'id="answer-{answer.id}"' in body and "I listen and restate." in body
    mark = f"/assess/{learner.id}/knowledge/{answer.id}/mark"
    refused = client.post(mark, data={"outcome": "not_met"}, headers=hx)
    assert refused.status_code == 422 and "Say what was missing" in text(refused)
    response = client.post(
        mark, data={"outcome": "not_met", "feedback": "Say how you calm a caller."}, headers=hx
    )
    assert response.status_code == 200
    assert_fragment(text(response), f"answer-{answer.id}")
    data = {
        "method": "PD",
        "codes": ["4.1", "4.3"],
        "questions": "Talk me through our procedure.",
        "answers": "We log, triage and agree next steps.",
        "outcome": "met",
    }
    assert client.post(f"/assess/{learner.id}/knowledge", data=data).status_code == 302
    mine = text(learner_client.get(page))
    assert "Say how you calm a caller." in mine and "Professional discussion on 4.1, 4.3" in mine
    assert learner_client.get(f"/portfolio/{learner.id}/knowledge").status_code == 200
    assert (
        as_user(app, assessor).post(page, data={"code": "4.2", "answer": "Not mine"}).status_code
        == 403
    )


# --- sign-off -----------------------------------------------------------------------------


def test_sign_off_lists_what_is_missing_then_needs_both_declarations(app, assessor, casey):
    learner = make_learner("B", assessors=(assessor,), email="bea@example.com", name="Bea B")
    client = as_user(app, assessor)
    page = f"/assess/{learner.id}/sign-off"
    body = text(client.get(page))
    assert "42 rules are not met" in body and "Observation 3 Recognise repeated problems" in body
    refused = client.post(page, data={"assessor_declared": "y"})
    assert (
        refused.status_code == 409
        and "Scope d Dealing with customer service problems in line" in text(refused)
    )

    everything(assessor, learner, casey)
    body = text(client.get(page))
    assert "Every rule of the framework is met." in body and "has not yet declared" in body
    assert client.post(page, data={"assessor_declared": "y"}).status_code == 409
    assert client.post(f"/portfolio/{learner.id}/declaration").status_code == 403

    learner_client = as_user(app, learner)
    own = text(learner_client.get(f"/portfolio/{learner.id}/sign-off"))
    assert "I declare this is my own work" in own
    assert learner_client.post(f"/portfolio/{learner.id}/declaration").status_code == 302
    assert "I declare this is my own work" not in text(
        learner_client.get(f"/portfolio/{learner.id}/sign-off")
    )

    assert client.post(page, data={}).status_code == 422
    response = client.post(page, data={"assessor_declared": "y"})
    assert response.status_code == 302
    record = db.session.scalars(select(SignOff)).one()
    assert record.signed_off_at and record.learner_declared_at and record.assessor_id == assessor.id
    assert "Signed off on" in text(client.get(page))
    assert "The unit was signed off" in text(
        learner_client.get(f"/portfolio/{learner.id}/sign-off")
    )
    assert T0


def test_the_learners_new_portfolio_pages_follow_the_portfolios_rules(
    app, learner, worked, observation, assessor, other_assessor, agent, hx
):
    base = f"/portfolio/{learner.id}"
    urls = [
        f"{base}/knowledge",
        f"{base}/observations",
        f"{base}/observations/{observation.id}",
        f"{base}/sign-off",
    ]
    for viewer in (learner, assessor):
        client = as_user(app, viewer)
        for url in urls:
            assert client.get(url).status_code == 200, (viewer, url)
    for outsider in (other_assessor, agent):
        client = as_user(app, outsider)
        for url in urls:
            assert client.get(url, headers=hx).status_code == 403, (outsider, url)
        assert client.post(f"{base}/declaration").status_code == 403
        assert (
            client.post(f"{base}/knowledge", data={"code": "4.1", "answer": "x"}).status_code == 403
        )
    assert count(SignOff) == 0 and count(KnowledgeRecord) == 0


def test_the_review_form_accepts_a_record_for_some_of_its_pcs_only(app, assessor, casey):
    learner = make_learner("C", assessors=(assessor,), email="cy@example.com", name="Cy C")
    acknowledged_ticket(learner, casey)
    [record] = records(learner, "acknowledged")
    client = as_user(app, assessor)
    page = text(client.get(f"/assess/{learner.id}/review"))
    assert f'id="pc-{record.id}-P1"' in page and f'id="pc-{record.id}-P2"' in page
    url = f"/assess/{learner.id}/review/{record.id}"
    partial = {"decision": "accept", "pcs_shown": "1", "pcs": ["P1"]}
    refused = client.post(url, data=partial)
    assert refused.status_code == 422
    assert "Say why it is not accepted for the other PCs." in text(refused)
    saved = client.post(url, data=partial | {"feedback": "No restating of the need"})
    assert saved.status_code in (200, 302, 303)
    db.session.expire_all()
    found = db.session.get(EvidenceRecord, record.id)
    assert found.status == "accepted" and [c.code for c in found.live_codes] == ["P1"]
