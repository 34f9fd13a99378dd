"""A learner's portfolio in the browser: the grid, filtering the log with htmx, the
redacted ticket and a reflective account, each page checked with axe."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from helpdesk.extensions import db
from helpdesk.models import ReflectiveAccount
from helpdesk.tickets import resolution, services
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import count, main_nav, sign_in
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket, decide, records


@pytest.fixture
def learner_id(app: Flask) -> int:
    casey = factories.make_user("customer", email="casey@example.com", name="Casey Jones")
    learner = make_learner("A", email="lee@example.com")
    ticket = acknowledged_ticket(
        learner, casey, description="Casey Jones here, ring 07700 900123 about ORD-778899."
    )
    resolution.ask_question(ticket, learner, "Which kettle is it, Casey?")
    services.add_note(ticket, learner, "Casey sounded upset")
    decide(records(learner, "acknowledged")[0], "accepted")
    db.session.commit()
    return learner.id


def test_a_learner_reads_and_adds_to_their_portfolio(page: Page, learner_id: int) -> None:
    sign_in(page, "lee@example.com")
    main_nav(page, "My portfolio")
    expect(page.get_by_role("heading", name="Your portfolio")).to_be_visible()
    grid = page.get_by_role("table", name=re.compile("Evidence items per performance criterion"))
    expect(grid.locator("#pc-1\\.1 [data-count=accepted]")).to_have_text("1")
    expect(grid.locator("#pc-1\\.2 [data-count=pending]")).to_have_text("1")
    assert_accessible(page)

    page.get_by_role("link", name="Evidence log").click()
    page.get_by_label("Criterion").select_option("1.2")
    expect(page).to_have_url(re.compile(r"pc=1\.2"))
    expect(page.locator("#evidence-list tbody tr")).to_have_count(1)
    assert_accessible(page)

    page.locator("#evidence-list").get_by_role("link", name=re.compile(r"T-\d+")).click()
    expect(page.get_by_text("Customer A", exact=True).first).to_be_visible()
    body = page.content()
    for secret in ("Casey", "07700 900123", "ORD-778899", "casey@example.com"):
        assert secret not in body
    assert_accessible(page)

    page.get_by_role("link", name="Reflective accounts").click()
    page.get_by_label("Title", exact=True).fill("Calming a worried customer")
    page.get_by_role("button", name="Save the account").click()
    expect(page.get_by_text("Describe the situation.")).to_be_visible()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Calming a worried customer")
    page.get_by_label("Situation", exact=True).fill("A kettle arrived cracked")
    page.get_by_label("Task", exact=True).fill("Find a fix the same week")
    page.get_by_label("Action", exact=True).fill("Offered a replacement")
    page.get_by_label("Result", exact=True).fill("The customer was happy")
    page.get_by_label(re.compile(r"^1\.1 ")).check()
    page.get_by_role("button", name="Save the account").click()
    expect(page.get_by_text("Your reflective account is saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Calming a worried customer")).to_be_visible()
    assert count(ReflectiveAccount) == 1
    assert_accessible(page)
