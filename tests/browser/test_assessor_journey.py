"""An assessor in the browser: accept one piece of evidence and reject two in bulk (htmx
swaps), then watch an observed ticket live: new events arrive by polling while a comment
being typed is kept, and the comment is pinned; every assessor page checked with axe."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from helpdesk.assessor import observation_views
from helpdesk.extensions import db
from helpdesk.models import EvidenceRecord, ObservationPin, Ticket, User
from helpdesk.tickets import resolution, services
from tests import factories
from tests.assessing import observe
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import count, main_nav, sign_in
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket


@pytest.fixture
def seeded(app: Flask) -> dict[str, int]:
    casey = factories.make_user("customer", email="casey@example.com", name="Casey Jones")
    assessor = factories.make_user("assessor", email="ari@example.com", name="Ari Assessor")
    learner = make_learner("A", assessors=(assessor,), email="lee@example.com")
    ticket = acknowledged_ticket(learner, casey, description="Casey Jones: kettle cracked.")
    resolution.ask_question(ticket, learner, "Which kettle is it, Casey?")
    services.reply(ticket, learner, "A new kettle is on its way, Casey.", update_kind="answer")
    observation = observe(assessor, learner, [ticket], ["1.1", "1.2"], confirm=False)
    db.session.commit()
    return {"learner": learner.id, "ticket": ticket.id, "observation": observation.id}


def test_an_assessor_reviews_and_watches_live_work(
    new_page, app: Flask, seeded: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(observation_views, "POLL_SECONDS", 1)  # the page says every 10 s
    page: Page = new_page()
    sign_in(page, "ari@example.com")
    main_nav(page, "My learners")
    expect(page.get_by_role("table", name=re.compile("Learners"))).to_contain_text("Lee Learner")
    assert_accessible(page)

    page.get_by_role("link", name="Lee Learner").click()
    items = page.locator("article.review-item")
    expect(items).to_have_count(3)
    assert_accessible(page)
    first = items.first
    first.get_by_role("button", name=re.compile("^Accept")).click()
    expect(first.get_by_role("status")).to_contain_text("is accepted")
    for box in page.locator("article.review-item input[name=ids]").all():
        box.check()
    page.get_by_label("Feedback for the learner").first.fill("Say the impact too.")
    page.get_by_role("button", name="Reject the ticked evidence").click()
    expect(page.get_by_role("status").first).to_contain_text("2 decided.")
    db.session.rollback()
    learner = seeded["learner"]
    statuses = sorted(r.status for r in db.session.query(EvidenceRecord).all())
    assert statuses == ["accepted", "rejected", "rejected"], statuses

    page.goto(f"/assess/observations/{seeded['observation']}/watch/{seeded['ticket']}")
    expect(page.get_by_role("heading", name=re.compile("^Observing T-"))).to_be_visible()
    expect(page.locator("#watch-timeline")).not_to_contain_text("Casey")
    assert_accessible(page)
    last_id = page.locator("#watch-events > li").last.get_attribute("id")
    last = page.locator(f"#{last_id}")
    last.get_by_text("Pin a comment here").click()
    last.get_by_label("Your comment on this event").fill("Good, clear update")
    before = page.locator("#watch-events > li").count()

    db.session.rollback()
    ticket = db.session.get(Ticket, seeded["ticket"])
    lee = db.session.get(User, learner)
    assert ticket is not None and lee is not None
    services.reply(ticket, lee, "Tracking: it ships today.")
    db.session.commit()  # services flush: the live page sees only what is committed
    expect(page.locator("#watch-events > li")).to_have_count(before + 1, timeout=5_000)
    expect(last.get_by_label("Your comment on this event")).to_have_value("Good, clear update")
    last.get_by_role("button", name="Pin it").click()
    expect(last.locator(".pin-list")).to_contain_text("Good, clear update")
    assert count(ObservationPin) == 1
    expect(page.locator("#watch-events > li").last).not_to_contain_text("Pinned")
    for tab in ("Observations", "Knowledge", "Sign-off"):
        page.get_by_role("navigation", name="Assessment of Lee Learner").get_by_role(
            "link", name=tab
        ).click()
        expect(page.get_by_role("link", name=tab)).to_have_attribute("aria-current", "page")
        assert_accessible(page)
