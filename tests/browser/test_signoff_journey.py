"""'Done means': an assessor takes a framework B learner (NVQ numbering, PCs 3-7 must be
observed) from pending evidence to sign-off in the browser. The assessor accepts the
evidence (one, then the rest in bulk), records and confirms an observation of 3-7 (the
learner confirms it on their portfolio), records questioning, is refused sign-off with
the list naming the knowledge item still missing, records it, and signs off once the
learner has declared the work their own; the exported PDF says so and names no customer.
Every distinct page is checked with axe."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pypdf
import pytest
import time_machine
from flask import Flask
from playwright.sync_api import Page, expect

from helpdesk.evidence.assessment import record_knowledge
from helpdesk.extensions import db
from helpdesk.frameworks import catalogue
from helpdesk.models import EvidenceCode, EvidenceRecord, SignOff
from helpdesk.models.types import utcnow
from tests import factories
from tests.assessing import observe
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import PDF_TIMEOUT_MS, main_nav, sign_in
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket

MUST_OBSERVE = ["3", "4", "5", "6", "7"]
CUSTOMER = ("Casey Jones", "casey@example.com")


@pytest.fixture
def seeded(app: Flask) -> dict[str, Any]:
    """Everything met but PCs 3-7 (pending evidence only, not observed) and K6, K7."""
    fw = catalogue().frameworks["B"]
    casey = factories.make_user("customer", email=CUSTOMER[1], name=CUSTOMER[0])
    assessor = factories.make_user("assessor", email="ari@example.com", name="Ari Assessor")
    learner = make_learner("B", assessors=(assessor,), email="lee@example.com")
    others = [p.code for p in fw.pcs if p.code not in MUST_OBSERVE]
    cover = tuple(c.code for c in fw.problem_types + fw.information_procedures + fw.scope)
    start = utcnow() - timedelta(days=28)
    tickets = []
    for offset in (0, 7, 14):
        at = start + timedelta(days=offset)
        ticket = acknowledged_ticket(learner, casey, at=at)
        with time_machine.travel(at + timedelta(hours=1), tick=False):
            observe(assessor, learner, [ticket], others, at=at, cover=cover)
        db.session.add(
            EvidenceRecord(
                learner_id=learner.id,
                framework="B",
                action="linked_to_problem",
                method="WP",
                ticket_id=ticket.id,
                summary=f"Spotted the repeat on {ticket.reference} and told the team lead.",
                occurred_at=at + timedelta(hours=2),
                codes=[EvidenceCode(code=c, kind="pc") for c in MUST_OBSERVE],
            )
        )
        db.session.commit()
        tickets.append(ticket)
    record_knowledge(
        assessor,
        learner,
        "Q",
        ["K1", "K2", "K3", "K4", "K5"],
        "How do you defuse a stressful call? What can you offer alone?",
        "Listen, restate, stay calm; within my limit of authority, otherwise ask.",
        "met",
    )
    db.session.commit()  # services flush: the live pages see only what is committed
    return {"learner": learner.id, "ticket": tickets[-1].reference}


def record_questioning(page: Page, code: str) -> None:
    page.get_by_role("radio", name="Questioning", exact=True).check()
    page.get_by_label(re.compile(rf"^{code} ")).check()
    page.get_by_label("Questions asked").fill(f"Tell me about {code} in your own work.")
    page.get_by_label("The learner's answers").fill("A clear, correct answer with an example.")
    page.get_by_label("Met", exact=True).check()
    page.get_by_role("button", name="Record it").click()
    row = page.locator("#knowledge-coverage").locator(f"#knowledge-{code}")
    expect(row).to_contain_text("Met")


def test_an_assessor_takes_a_learner_to_sign_off(
    new_page, app: Flask, seeded: dict[str, Any]
) -> None:
    learner_id = seeded["learner"]
    page: Page = new_page()
    sign_in(page, "ari@example.com")
    main_nav(page, "My learners")
    expect(page.get_by_role("table", name=re.compile("Learners"))).to_contain_text("Lee Learner")
    assert_accessible(page)

    # Review: accept one piece of evidence, then the rest in bulk.
    page.get_by_role("link", name="Lee Learner").click()
    items = page.locator("article.review-item")
    expect(items).to_have_count(6)
    assert_accessible(page)
    first = items.first
    first.get_by_role("button", name=re.compile("^Accept")).click()
    expect(first.get_by_role("status")).to_contain_text("is accepted")
    boxes = page.locator("article.review-item input[name=ids]")
    expect(boxes).to_have_count(5)
    for box in boxes.all():
        box.check()
    page.get_by_role("button", name="Accept the ticked evidence").click()
    expect(page.get_by_role("status").first).to_contain_text("5 decided.")
    expect(page.locator("article.review-item")).to_have_count(0)

    # Observation of the must-observe PCs, confirmed by the assessor.
    tabs = page.get_by_role("navigation", name="Assessment of Lee Learner")
    tabs.get_by_role("link", name="Observations").click()
    expect(page.get_by_role("heading", name="Record an observation")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Date observed").fill(utcnow().date().isoformat())
    page.get_by_label("Place or channel").fill("Phone line, Leeds office")
    page.get_by_label(re.compile(rf"^{seeded['ticket']} ")).check()
    page.get_by_label("Activity").fill("Took a repeat complaint and agreed a fix with the team.")
    for code in MUST_OBSERVE:
        page.get_by_label(re.compile(rf"^{code} ")).check()
    page.get_by_label("Met", exact=True).check()
    page.get_by_label("Your comments").fill("Spotted the pattern and worked it through.")
    page.get_by_role("button", name="Record the observation").click()
    expect(page).to_have_url(re.compile(r"/observations/\d+$"))
    observation_id = re.search(r"/observations/(\d+)$", page.url).group(1)  # type: ignore[union-attr]
    assert_accessible(page)
    page.get_by_role("button", name="Confirm the observation as the assessor").click()
    expect(page.locator("#confirm-heading + ul")).to_contain_text("asked to confirm")

    # The learner confirms it, in their own context.
    lee: Page = new_page()
    sign_in(lee, "lee@example.com")
    lee.goto(f"/portfolio/{learner_id}/observations/{observation_id}")
    lee.get_by_label("Your comments (optional)").fill("I asked the team lead first.")
    assert_accessible(lee)
    lee.get_by_role("button", name="I confirm this observation").click()
    expect(lee.locator("#confirm-heading + ul")).to_contain_text("You: confirmed")

    # Knowledge: K6 now; K7 is still missing when the assessor opens Sign-off.
    tabs.get_by_role("link", name="Knowledge").click()
    assert_accessible(page)
    record_questioning(page, "K6")
    assert_accessible(page)
    tabs.get_by_role("link", name="Sign-off").click()
    missing = page.locator("#missing")
    expect(page.get_by_role("heading", name="Not yet: 1 rule is not met")).to_be_visible()
    expect(missing.get_by_role("listitem")).to_have_count(1)
    expect(missing).to_contain_text("Knowledge K7")
    expect(page.get_by_role("button", name="Sign off the unit")).to_have_count(0)
    assert_accessible(page)

    tabs.get_by_role("link", name="Knowledge").click()
    record_questioning(page, "K7")

    # The learner declares the work their own.
    lee.goto(f"/portfolio/{learner_id}/sign-off")
    expect(lee.get_by_text("Every rule of the framework is met.")).to_be_visible()
    assert_accessible(lee)
    lee.get_by_role("button", name="I declare this is my own work").click()
    expect(lee.locator("#declarations")).to_contain_text("“This is my own work”, declared")

    # The assessor signs off with their declaration.
    tabs.get_by_role("link", name="Sign-off").click()
    expect(page.get_by_text("Every rule of the framework is met.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile("^I declare that I have assessed")).check()
    page.get_by_role("button", name="Sign off the unit").click()
    expect(page.get_by_text(re.compile(r"Signed off on .* by Ari Assessor"))).to_be_visible()
    db.session.rollback()
    record = db.session.query(SignOff).filter_by(learner_id=learner_id).one()
    assert record.signed_off_at is not None and record.learner_declared_at is not None

    # The PDF for the external verifier.
    tabs.get_by_role("link", name="Portfolio").click()
    area = page.get_by_role("region", name="Download for an external verifier")
    assert_accessible(page)
    area.get_by_role("link", name="Download PDF").click()
    ready = area.get_by_role("link", name="Download the PDF")
    expect(ready).to_be_visible(timeout=PDF_TIMEOUT_MS)
    with page.expect_download() as download:
        ready.click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as handle:
        reader = pypdf.PdfReader(io.BytesIO(handle.read()))
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    flat = " ".join(text.split())
    for wanted in (
        "Lee Learner",
        "Resolve customer service problems (NVQ numbering)",
        "Signed off",
        "Method",
        "Summary of evidence",
        "Assessor initials",
    ):
        assert wanted in flat, f"{wanted!r} not in the PDF"
    assert re.search(r"\bNo\b", flat)
    assert "Not signed off" not in flat
    for secret in CUSTOMER:
        assert secret.lower() not in flat.lower(), f"{secret!r} leaked into the PDF"
