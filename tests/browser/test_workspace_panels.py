"""An agent works a ticket while the workspace swaps only the panel that changed: what
they typed elsewhere stays, the status follows, and every form keeps posting the version
current after each swap (so nothing is refused as stale)."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from helpdesk.models import TicketEvent
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import count, sign_in


def seed() -> int:
    customer = factories.make_user("customer", email="casey@example.com", name="Casey Jones")
    factories.make_user("agent", email="alex@example.com", name="Alex Agent")
    category = factories.make_category("Deliveries")
    ticket = factories.make_ticket(
        customer=customer,
        category=category,
        subject="Kettle arrived with a cracked lid",
        description="The lid is cracked and leaks.",
    )
    return ticket.id


def test_actions_swap_their_panel_and_keep_the_rest_of_the_page(app: Flask, page: Page) -> None:
    ticket_id = seed()
    sign_in(page, "alex@example.com")
    page.goto(f"/staff/tickets/{ticket_id}")
    workspace = page.locator("#workspace")

    # A draft in one panel survives actions in the others: they are not redrawn.
    note = page.get_by_label("Internal note (staff only)")
    note.fill("Draft: ask the courier about the depot")

    ack = page.locator("#acknowledge-panel")
    ack.get_by_label("What the customer needs").fill("A kettle lid that does not leak")
    ack.get_by_label("The impact on them").fill("They cannot use the kettle")
    ack.get_by_label("How they feel about it").fill("Annoyed")
    ack.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#acknowledge-panel")).to_have_count(0)
    expect(page.locator("#ticket-status")).to_have_text("Acknowledged")  # out of band
    expect(page.locator("#options-board")).to_be_visible()  # appears with the acknowledgement
    expect(workspace.locator(".timeline")).to_contain_text("A kettle lid that does not leak")
    expect(note).to_have_value("Draft: ask the courier about the depot")

    # Two actions in a row, then the classify form, which neither redrew: its version was
    # brought up to date out of band each time, so it goes through (stale would be a 409).
    page.get_by_label("Reply to the customer").fill("A new lid is on its way.")
    page.get_by_role("button", name="Send update").click()
    expect(workspace.locator(".timeline")).to_contain_text("A new lid is on its way.")
    expect(page.get_by_label("Reply to the customer")).to_have_value("")
    page.get_by_label("Priority").select_option(label="Urgent")
    page.get_by_role("button", name="Save details").click()
    expect(workspace.locator(".timeline")).to_contain_text("changed priority")
    expect(page.get_by_text("changed since you opened it")).to_have_count(0)
    expect(note).to_have_value("Draft: ask the courier about the depot")

    # A refusal redraws only its panel, with the message next to the field.
    page.get_by_role("button", name="Send update").click()
    expect(page.locator("#panel-reply")).to_contain_text("Write the reply first.")
    expect(note).to_have_value("Draft: ask the courier about the depot")

    page.get_by_role("button", name="Add note").click()
    expect(workspace.locator(".timeline")).to_contain_text("ask the courier about the depot")
    assert count(TicketEvent) >= 5
    assert_accessible(page)
