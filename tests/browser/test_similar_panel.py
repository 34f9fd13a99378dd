"""An agent sees similar tickets load beside a ticket, links them to a problem record,
and links a possible repeat from the queue in one click."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from helpdesk.models import ProblemLink, ProblemRecord
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import count, sign_in

DAMAGED = {
    "subject": "Kettle arrived with a cracked lid",
    "description": "The courier left the parcel outside; the kettle lid is cracked and leaks.",
}


def seed(app: Flask) -> tuple[str, list[int]]:
    customer = factories.make_user("customer", email="casey@example.com", name="Casey Jones")
    agent = factories.make_user("agent", email="alex@example.com", name="Alex Agent")
    factories.make_user("supervisor", email="sam@example.com", name="Sam Supervisor")
    category = factories.make_category("Deliveries")
    tickets = [
        factories.make_ticket(customer=customer, category=category, **DAMAGED) for _ in "abc"
    ]
    return agent.email, [t.id for t in tickets]


def test_the_panel_loads_and_links_to_a_new_record(app: Flask, page: Page) -> None:
    email, ids = seed(app)
    sign_in(page, email)

    page.goto(f"/staff/tickets/{ids[0]}")
    panel = page.locator("#similar-panel")
    expect(panel.get_by_role("link", name=f"T-{ids[2]:06d}")).to_be_visible()
    assert_accessible(page)

    panel.get_by_label(f"Link T-{ids[2]:06d} too").check()
    panel.get_by_label("Title of the new problem record").fill("Cracked kettle lids")
    panel.get_by_role("button", name="Link to the problem record").click()

    expect(panel.get_by_role("status")).to_contain_text("to P-00001")
    expect(panel).to_contain_text("This ticket is in P-00001")
    assert count(ProblemRecord) == 1
    assert count(ProblemLink) == 2


def test_a_refusal_keeps_the_ticks(app: Flask, page: Page) -> None:
    email, ids = seed(app)
    sign_in(page, email)

    page.goto(f"/staff/tickets/{ids[0]}")
    panel = page.locator("#similar-panel")
    panel.get_by_label(f"Link T-{ids[1]:06d} too").check()
    panel.get_by_label("An open problem record").check()
    panel.get_by_role("button", name="Link to the problem record").click()

    expect(panel).to_contain_text("Choose one of the open problem records.")
    expect(panel.get_by_label(f"Link T-{ids[1]:06d} too")).to_be_checked()
    assert count(ProblemRecord) == 0


def test_one_click_from_the_queue(app: Flask, page: Page) -> None:
    email, ids = seed(app)
    sign_in(page, email)

    page.goto("/staff/tickets?repeat=1")
    expect(page.get_by_text("Possible repeat", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Link to problem…").click()

    expect(page.get_by_text("to P-00001")).to_be_visible()
    expect(page).to_have_url("/staff/tickets?repeat=1")
    expect(page.get_by_text("No tickets match these filters.")).to_be_visible()
    assert count(ProblemLink) == 3
