"""Learner mode over HTTP: criteria badges next to actions and on the timeline (for a
learner only), the admin's learner and framework settings, and the learner's own
evidence item page (note, untag; decided records refused; nobody else may change it)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import EvidenceCode, EvidenceRecord, FrameworkRule, LearnerProfile, User
from helpdesk.models.types import utcnow
from helpdesk.problems import services as problems
from helpdesk.problems import solutions
from helpdesk.tickets.services import acknowledge
from tests import factories
from tests.factories import make_learner
from tests.helpers import assert_fragment, text
from tests.portfolio import records
from tests.resolving import ACK

ASK_A = (
    '<span class="pc-badge" tabindex="0" role="note" '
    'title="1.2: Ask customers about the problem to check their understanding" '
    'aria-label="Evidences 1.2: Ask customers about the problem to check their understanding"'
)


def timeline_entry(body: str, event_id: int) -> str:
    match = re.search(rf'<li[^>]*id="event-{event_id}"[^>]*>(.*?)</li>', body, re.S)
    assert match, f"no timeline entry for event {event_id}"
    return match.group(1)


# --- Badges ---------------------------------------------------------------------------


def test_the_workspace_shows_a_learner_the_criteria_next_to_each_action(
    login_as, client, ticket, hx
):
    learner = make_learner("A", email="lee@example.com")
    login_as(learner)
    body = text(client.get(f"/staff/tickets/{ticket.id}"))
    assert ASK_A in body
    assert ">1.2 Ask to check understanding</span>" in body
    for label in (
        "1.1 Listen and restate the problem",
        "3.4 Keep the customer informed",
        "2.5 Identify other ways the problem may be resolved",
        "3.6 Give clear reasons when it could not be resolved",
        "1.4 Share customer feedback",
    ):
        assert label in body, label
    # The htmx swap of the workspace draws them too (the macro is imported in the block).
    fragment = text(client.get(f"/staff/tickets/{ticket.id}", headers=hx))
    assert_fragment(fragment, "workspace")
    assert ASK_A in fragment


@pytest.mark.parametrize(
    ("framework", "label", "full"),
    [
        ("B", "2 Ask to check understanding", "Evidences 2: Ask your customers about the problem"),
        ("C", "P3 Ask to check understanding", "Evidences P3: Ask your customers about the"),
    ],
)
def test_the_badges_follow_the_learners_framework(login_as, client, ticket, framework, label, full):
    login_as(make_learner(framework, email="lee@example.com"))
    body = text(client.get(f"/staff/tickets/{ticket.id}"))
    assert f">{label}</span>" in body
    assert full in body
    assert "1.2 Ask" not in body


def test_people_not_in_learner_mode_see_no_badges(login_as, client, ticket, agent):
    no_profile = factories.make_user("agent", "learner", email="nat@example.com", limit=5_000)
    for person in (agent, no_profile):
        login_as(person)
        body = text(client.get(f"/staff/tickets/{ticket.id}"))
        assert "Acknowledge" in body
        assert "pc-badge" not in body
        client.post("/logout")


def test_an_action_shows_its_badges_on_the_timeline_entry_it_made(
    login_as, client, ticket, agent, hx
):
    learner = make_learner("A", email="lee@example.com")
    login_as(learner)
    response = client.post(
        f"/staff/tickets/{ticket.id}/acknowledge",
        data={**ACK, "version": ticket.version},
        headers=hx,
    )
    assert response.status_code == 200
    record = records(learner)[0]
    entry = timeline_entry(text(response), record.ticket_event_id)
    assert "pc-badge" in entry
    assert ">1.1 Listen and restate the problem</span>" in entry
    assert "Evidences 1.1: Listen carefully to customers" in entry
    # Now acknowledged, the resolve form says what the customer's confirmation evidences.
    assert "3.5 Check the problem is resolved to the customer&#39;s satisfaction" in text(response)
    # Entries that evidence nothing (the raising of the ticket) carry none.
    created = ticket.events[0]
    assert "pc-badge" not in timeline_entry(text(response), created.id)

    # Untagged codes leave the entry; another person sees none of it.
    code = record.codes[0]
    code.untagged_at = utcnow()
    db.session.commit()
    body = text(client.get(f"/staff/tickets/{ticket.id}"))
    assert "pc-badge" not in timeline_entry(body, record.ticket_event_id)
    client.post("/logout")
    login_as(agent)
    assert "pc-badge" not in text(client.get(f"/staff/tickets/{ticket.id}"))


def test_the_customers_agreement_shows_on_the_offering_learners_timeline(
    login_as, client, ticket, customer
):
    from helpdesk.tickets import options as opts
    from tests.resolving import option_data

    learner = make_learner("B", email="lee@example.com")
    acknowledge(ticket, learner, **ACK)
    option = opts.add_option(ticket, learner, option_data())
    opts.offer(ticket, learner, [option])
    opts.customer_agree(option, customer)
    agreed = next(e for e in ticket.events if e.kind == "option_agreed")
    login_as(learner)
    body = text(client.get(f"/staff/tickets/{ticket.id}"))
    assert ">11 Discuss and agree the options with the customer</span>" in timeline_entry(
        body, agreed.id
    )
    # The implement button promises 12, and scope (c) for an option within policy.
    assert ">12 Implement the agreed option</span>" in body
    assert "Covers scope c:" in body


def test_badges_on_the_problem_record_similar_panel_feed_and_report_pages(
    login_as, client, ticket, category, supervisor, hx
):
    learner = make_learner("C", email="lee@example.com")
    problem = problems.create_problem(learner, title="Parcels crushed", category_id=category.id)
    for description in ("Double-box", "Change courier"):
        solutions.add_solution(
            problem,
            learner,
            solutions.SolutionData(
                description=description,
                cost_minor=10_000,
                pros_customer="a",
                cons_customer="b",
                pros_org="c",
                cons_org="d",
            ),
        )
    login_as(learner)
    record_page = text(client.get(f"/staff/problems/{problem.id}"))
    assert ">P8 Compare solutions to a repeat problem</span>" in record_page
    assert ">P9 Select the best solution to a repeat problem</span>" in record_page
    chosen = client.post(
        f"/staff/problems/{problem.id}/solutions/{problem.solutions[0].id}/choose",
        data={"version": problem.version},
        headers=hx,
    )
    assert chosen.status_code == 200, text(chosen)[:300]
    assert ">P10 Obtain approval from decision makers</span>" in text(chosen)
    event = next(e for e in problem.events if e.kind == "solution_chosen")
    entry = re.search(rf'<li id="event-{event.id}">(.*?)</li>', text(chosen), re.S)
    assert entry and "P8 Compare" in entry.group(1) and "P9 Select" in entry.group(1)

    similar = text(client.get(f"/staff/tickets/{ticket.id}/similar", headers=hx))
    assert ">P7 Recognise a repeat and alert the authority</span>" in similar
    share = text(client.get(f"/staff/feed/new?ticket={ticket.id}"))
    assert "pc-badge" in share and "Supports knowledge K10" in share
    report = text(client.get("/staff/proactive/new"))
    assert ">P4 Identify a problem with systems</span>" in report


def test_a_non_learner_sees_no_badges_on_those_pages(login_as, client, ticket, agent, category):
    problem = problems.create_problem(agent, title="Parcels crushed", category_id=category.id)
    login_as(agent)
    for url in (
        f"/staff/problems/{problem.id}",
        f"/staff/tickets/{ticket.id}/similar",
        f"/staff/feed/new?ticket={ticket.id}",
        "/staff/proactive/new",
        "/staff/approvals",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "pc-badge" not in text(response), url


# --- Admin: a learner's framework and assessors ----------------------------------------


@pytest.fixture
def lee(app: Any) -> User:
    return factories.make_user("agent", "learner", email="lee@example.com", name="Lee Learner")


def test_the_admin_sets_a_learners_framework_and_assessors(login_as, client, admin, lee, assessor):
    second = factories.make_user("assessor", email="bea@example.com", name="Bea Assessor")
    login_as(admin)
    page = text(client.get(f"/admin/users/{lee.id}"))
    assert 'id="learner-mode"' in page
    assert "A: Resolve customer service problems" in page
    assert "B: Resolve customer service problems (NVQ numbering)" in page
    assert "C: Monitor and solve customer service problems" in page
    assert "Ari Assessor" in page and "Bea Assessor" in page

    response = client.post(
        f"/admin/users/{lee.id}/learner",
        data={"learner-framework": "B", "learner-assessor_ids": [str(assessor.id), str(second.id)]},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/users/{lee.id}#learner-mode")
    profile = db.session.scalars(
        select(LearnerProfile).where(LearnerProfile.user_id == lee.id)
    ).one()
    assert profile.framework == "B"
    assert {a.id for a in profile.assessors} == {assessor.id, second.id}

    response = client.post(
        f"/admin/users/{lee.id}/learner",
        data={"learner-framework": "C", "learner-assessor_ids": [str(second.id)]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    profile = db.session.get(LearnerProfile, profile.id)
    assert profile.framework == "C" and [a.id for a in profile.assessors] == [second.id]
    page = text(client.get(f"/admin/users/{lee.id}"))
    assert 'value="C" checked' in page
    assert "In learner mode since" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"learner-framework": "Z"}, "learner-framework", "Choose one of the listed frameworks."),
        ({}, "learner-framework", "Choose the framework."),
        (
            {"learner-framework": "A", "learner-assessor_ids": ["AGENT"]},
            "learner-assessor_ids",
            "Choose from the listed assessors.",
        ),
        (
            {"learner-framework": "A", "learner-assessor_ids": ["LEE"]},
            "learner-assessor_ids",
            "A learner cannot be their own assessor.",
        ),
    ],
)
def test_the_learner_settings_are_checked(
    login_as, client, admin, lee, agent, assessor, data, field, message
):
    ids = {"AGENT": str(agent.id), "LEE": str(lee.id)}
    if "learner-assessor_ids" in data:
        data = data | {"learner-assessor_ids": [ids[v] for v in data["learner-assessor_ids"]]}
    login_as(admin)
    response = client.post(f"/admin/users/{lee.id}/learner", data=data)
    assert response.status_code == 422
    body = text(response)
    assert re.search(rf'id="{field}-error">[^<]*{re.escape(message)}', body), body[-3000:]
    assert 'id="learner-mode"' in body and "Edit Lee Learner" in body
    assert db.session.scalars(select(LearnerProfile)).all() == []


def test_only_learners_get_the_panel_and_only_admins_set_it(login_as, client, admin, agent, lee):
    login_as(admin)
    assert 'id="learner-mode"' not in text(client.get(f"/admin/users/{agent.id}"))
    refused = client.post(f"/admin/users/{agent.id}/learner", data={"learner-framework": "A"})
    assert refused.status_code == 422
    assert "Give Alex Agent the learner role first" in text(refused)
    refused = client.post(f"/admin/users/{agent.id}/learner", data={})
    assert refused.status_code == 422
    assert "Give Alex Agent the learner role first" in text(refused)
    client.post("/logout")
    login_as(agent)
    assert (
        client.post(f"/admin/users/{lee.id}/learner", data={"learner-framework": "A"}).status_code
        == 403
    )
    assert db.session.scalars(select(LearnerProfile)).all() == []


# --- Admin: framework rules ------------------------------------------------------------


def test_the_frameworks_page_starts_from_the_files(login_as, client, admin):
    login_as(admin)
    body = text(client.get("/admin/frameworks"))
    for code in ("A", "B", "C"):
        assert f'id="framework-{code}"' in body
    checked = re.findall(
        r'name="B-must_observe" id="B-must_observe-(\w+)" value="\w+" checked', body
    )
    assert checked == ["3", "4", "5", "6", "7"]
    assert 'name="A-must_observe" id="A-must_observe-1.1" value="1.1" checked' not in body
    for code in ("A", "B", "C"):
        assert re.search(rf'<input[^>]*id="{code}-tickets_per_pc"[^>]*value="3"', body)
        assert re.search(rf'<input[^>]*id="{code}-min_days"[^>]*value="14"', body)


def test_the_admin_saves_a_frameworks_rule(login_as, client, admin):
    login_as(admin)
    response = client.post(
        "/admin/frameworks/A",
        data={
            "A-must_observe": ["1.1", "3.5"],
            "A-tickets_per_pc": "2",
            "A-min_days": "7",
            "A-methods": ["O", "WP", "WT"],
            "A-reason": "Two tickets a week apart, as the awarding body allows.",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/frameworks#framework-A")
    rule = db.session.get(FrameworkRule, "A")
    assert (rule.must_observe, rule.tickets_per_pc, rule.min_days) == (["1.1", "3.5"], 2, 7)
    body = text(client.get("/admin/frameworks"))
    assert 'id="A-must_observe-1.1" value="1.1" checked' in body
    # Nothing ticked for B: no observation needed any more.
    assert (
        client.post(
            "/admin/frameworks/B",
            data={
                "B-tickets_per_pc": "3",
                "B-min_days": "14",
                "B-methods": ["WP"],
                "B-reason": "No observation needed this term.",
            },
        ).status_code
        == 302
    )
    assert db.session.get(FrameworkRule, "B").must_observe == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"A-tickets_per_pc": "0", "A-min_days": "7"}, "tickets_per_pc", "from 1 to 50"),
        ({"A-tickets_per_pc": "abc", "A-min_days": "7"}, "tickets_per_pc", "Give a whole number"),
        (
            {"A-tickets_per_pc": "", "A-min_days": "7"},
            "tickets_per_pc",
            "Give the number of tickets",
        ),
        ({"A-tickets_per_pc": "3", "A-min_days": "-1"}, "min_days", "Give a whole number"),
        ({"A-tickets_per_pc": "3", "A-min_days": "9999"}, "min_days", "from 0 to 3,650"),
        ({"A-tickets_per_pc": "1", "A-min_days": "5"}, "min_days", "One ticket spans no days"),
        (
            {"A-tickets_per_pc": "3", "A-min_days": "7", "A-must_observe": ["9.9"]},
            "must_observe",
            "Not criteria of A: 9.9.",
        ),
    ],
)
def test_the_framework_rule_is_checked_next_to_its_field(
    login_as, client, admin, data, field, message
):
    login_as(admin)
    response = client.post("/admin/frameworks/A", data=data)
    assert response.status_code == 422
    body = text(response)
    assert re.search(rf'id="A-{field}-error">[^<]*{re.escape(message)}', body), body[-2000:]
    assert 'aria-invalid="true"' in body
    # What was typed is kept.
    typed = data.get(f"A-{field}")
    if isinstance(typed, str) and typed:
        assert f'value="{typed}"' in body
    assert db.session.get(FrameworkRule, "A") is None


def test_only_admins_reach_the_frameworks_page(login_as, client, agent, admin):
    login_as(agent)
    assert client.get("/admin/frameworks").status_code == 403
    assert client.post("/admin/frameworks/A", data={}).status_code == 403
    client.post("/logout")
    login_as(admin)
    assert client.post("/admin/frameworks/Z", data={}).status_code == 404


# --- The learner's evidence item (framework C: one record with two PCs) ---------------


@pytest.fixture
def evidence(learner: User, ticket: Any) -> EvidenceRecord:
    acknowledge(ticket, learner, **ACK)
    return records(learner)[0]


def item_url(record: EvidenceRecord, suffix: str = "") -> str:
    return f"/portfolio/{record.learner_id}/evidence/{record.id}{suffix}"


@pytest.mark.learner(framework="C")
def test_the_learner_notes_and_untags_their_own_evidence(login_as, client, learner, evidence, hx):
    login_as(learner)
    page = text(client.get(item_url(evidence)))
    assert "Waiting for an assessor" in page
    assert "P1" in page and "P2" in page
    assert "Casey" not in page  # the customer's name stays out of a portfolio

    response = client.post(item_url(evidence, "/note"), data={"note": "I restated it twice."})
    assert response.status_code == 302
    assert db.session.get(EvidenceRecord, evidence.id).note == "I restated it twice."

    response = client.post(
        item_url(evidence, "/untag"), data={"code": "P1", "reason": "No procedure here"}, headers=hx
    )
    assert response.status_code == 200
    assert_fragment(text(response), "evidence-item")
    assert "P1 is untagged" in text(response)
    assert "No procedure here" in text(response)  # kept in the history
    db.session.expire_all()
    row = db.session.scalars(
        select(EvidenceCode).where(
            EvidenceCode.evidence_id == evidence.id, EvidenceCode.code == "P1"
        )
    ).one()
    assert row.untagged_at is not None and row.untag_reason == "No procedure here"


@pytest.mark.learner(framework="C")
def test_the_learners_input_is_checked_next_to_the_field(login_as, client, learner, evidence):
    login_as(learner)
    response = client.post(item_url(evidence, "/note"), data={"note": "  "})
    assert response.status_code == 422
    assert 'id="note-error"' in text(response)
    response = client.post(item_url(evidence, "/untag"), data={"code": "P1", "reason": ""})
    assert response.status_code == 422
    assert re.search(r'id="reason-error">[^<]*Say why it does not fit', text(response))
    response = client.post(item_url(evidence, "/untag"), data={"code": "P9", "reason": "x"})
    assert response.status_code == 422
    assert "not tagged with that criterion" in text(response)
    assert all(c.untagged_at is None for c in db.session.get(EvidenceRecord, evidence.id).codes)


def test_a_decided_record_shows_the_decision_and_refuses_changes(
    login_as, client, learner, evidence
):
    evidence.status = "accepted"
    evidence.assessor_initials = "AA"
    evidence.feedback = "Clear restatement."
    evidence.decided_at = utcnow()
    db.session.commit()
    login_as(learner)
    page = text(client.get(item_url(evidence)))
    assert "Accepted" in page and "by AA" in page and "Clear restatement." in page
    assert "/note" not in page and "/untag" not in page
    for suffix, data in (("/note", {"note": "Late"}), ("/untag", {"code": "P1", "reason": "Late"})):
        response = client.post(item_url(evidence, suffix), data=data)
        assert response.status_code == 409
        assert "cannot change" in text(response)
    db.session.expire_all()
    fresh = db.session.get(EvidenceRecord, evidence.id)
    assert fresh.note == "" and all(c.untagged_at is None for c in fresh.codes)


def test_nobody_else_notes_or_untags_a_learners_evidence(
    login_as, client, evidence, assessor, agent, customer, admin
):
    other = make_learner("C", email="olly@example.com", name="Olly Other")
    for person, seeing in (
        (other, 403),
        (agent, 403),
        (customer, 403),
        (assessor, 200),
        (admin, 200),
    ):
        login_as(person)
        assert client.get(item_url(evidence)).status_code == seeing, person.email
        page = text(client.get(item_url(evidence)))
        assert 'action="' + item_url(evidence, "/note") not in page
        assert client.post(item_url(evidence, "/note"), data={"note": "Mine"}).status_code == 403
        untag = client.post(item_url(evidence, "/untag"), data={"code": "P1", "reason": "Mine"})
        assert untag.status_code == 403
        client.post("/logout")
    # Another learner's evidence id under this learner's address is not found.
    theirs = make_learner("C", email="pat@example.com")
    login_as(theirs)
    assert client.get(f"/portfolio/{theirs.id}/evidence/{evidence.id}").status_code == 404
    assert (
        client.post(
            f"/portfolio/{theirs.id}/evidence/{evidence.id}/note", data={"note": "x"}
        ).status_code
        == 404
    )
    db.session.expire_all()
    fresh = db.session.get(EvidenceRecord, evidence.id)
    assert fresh.note == "" and all(c.untagged_at is None for c in fresh.codes)
