"""A customer raises a problem with htmx suggestions; an agent answers it; the customer reads it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from helpdesk.extensions import db
from helpdesk.models import Deflection, Ticket
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import count, main_nav, sign_in

SUBJECT = "Parcel still not here"
DESCRIPTION = "My parcel is late and tracking has not updated"
ROUTE_TITLE = "Track a late delivery"


@dataclass(frozen=True)
class World:
    customer_email: str
    agent_email: str


@pytest.fixture
def world(app: Flask) -> World:
    customer = factories.make_user("customer", email="casey@example.com", name="Casey Jones")
    agent = factories.make_user("agent", email="alex@example.com", name="Alex Agent", limit=5_000)
    deliveries = factories.make_category("Deliveries")
    factories.make_category("Billing")
    factories.make_route(
        kind="article",
        title=ROUTE_TITLE,
        summary="Where your parcel is and what to do when it is late.",
        keywords="parcel late delivery tracking courier",
    )
    factories.make_route(kind="article", title="Change your password", keywords="password login")
    # Someone else's ticket, so the agent's search has something to filter out.
    factories.make_ticket(
        customer=factories.make_user("customer", email="olive@example.com", name="Olive Other"),
        category=deliveries,
        subject="Invoice shows the wrong VAT",
        description="The VAT on my invoice is wrong.",
    )
    return World(customer_email=customer.email, agent_email=agent.email)


def open_raise_page_and_type(page: Page, email: str) -> None:
    sign_in(page, email)
    main_nav(page, "Raise a problem")
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise a problem")
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("What happened?").press_sequentially(DESCRIPTION)
    suggestions = page.locator("#route-suggestions")
    expect(suggestions.get_by_role("link", name=ROUTE_TITLE)).to_be_visible()
    # Suggestions may first arrive for a half-typed text (the 500 ms debounce can fire
    # mid-typing on a busy machine): wait for the ones made from the whole text.
    expect(suggestions.locator("input[name=query]").first).to_have_value(
        re.compile(re.escape(DESCRIPTION))
    )
    expect(suggestions).not_to_contain_text("Change your password")
    expect(page).to_have_url(re.compile(r"/my/raise$"))  # nothing was submitted


def test_customer_raises_agent_answers_customer_reads(
    world: World, new_page: Callable[..., Page]
) -> None:
    # (a) The customer sees suggestions while typing, then raises the problem anyway.
    customer = new_page()
    open_raise_page_and_type(customer, world.customer_email)
    # The suggestion partial also marks the routes as seen, so the form goes straight on.
    expect(customer.locator("#routes-seen")).to_have_value("1")
    assert count(Ticket) == 1  # only the seeded one
    assert_accessible(customer)

    customer.get_by_label("What is it about?").select_option(label="Deliveries")
    customer.get_by_role("button", name="Raise my problem", exact=True).click()
    expect(customer).to_have_url(re.compile(r"/my/tickets/\d+$"))
    db.session.rollback()  # read what the server committed, not the test session's cache
    ticket = db.session.scalars(db.select(Ticket).where(Ticket.subject == SUBJECT)).one()
    reference = ticket.reference
    expect(customer.get_by_text(f"Your problem is logged as {reference}")).to_be_visible()
    expect(customer.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(customer.locator("dl.facts")).to_contain_text(reference)
    assert_accessible(customer)

    # (b) An agent finds it with the queue search, acknowledges it and replies.
    agent = new_page()
    sign_in(agent, world.agent_email)
    expect(agent).to_have_url(re.compile(r"/staff/tickets$"))
    ticket_list = agent.locator("#ticket-list")
    expect(ticket_list.get_by_role("link", name="Invoice shows the wrong VAT")).to_be_visible()
    assert_accessible(agent)

    agent.get_by_role("searchbox", name="Search").press_sequentially("parcel tracking")
    expect(agent).to_have_url(re.compile(r"/staff/tickets\?(.*&)?q=parcel(%20|\+)tracking(&|$)"))
    expect(ticket_list.get_by_role("link", name="Invoice shows the wrong VAT")).to_have_count(0)
    expect(ticket_list.get_by_role("row")).to_have_count(2)  # the header and our ticket
    expect(ticket_list).to_contain_text(reference)
    assert_accessible(agent)

    ticket_list.get_by_role("link", name=SUBJECT).click()
    expect(agent.get_by_role("heading", level=1)).to_contain_text(reference)
    # Each textarea has its own label (the reply's and the note's once shared id="body").
    expect(agent.get_by_role("textbox", name="Reply to the customer", exact=True)).to_be_visible()
    expect(agent.get_by_role("textbox", name="Internal note (staff only)")).to_be_visible()
    assert_accessible(agent)

    agent.evaluate("window.__sameDocument = true")  # gone if a form reloads the page
    agent.get_by_label("What the customer needs").fill("Their parcel, or to know where it is")
    agent.get_by_label("The impact on them").fill("They cannot plan to be home for it")
    agent.get_by_label("How they feel about it").fill("Worried it is lost")
    with agent.expect_request(re.compile(r"/acknowledge$")) as sent:
        agent.get_by_role("button", name="Acknowledge", exact=True).click()
    # htmx sends the CSRF token from the hx-headers on <body>.
    assert sent.value.headers.get("hx-request") == "true"
    assert sent.value.headers.get("x-csrftoken")
    expect(agent.locator("#acknowledge-panel")).to_have_count(0)
    timeline = agent.locator("#workspace .timeline")
    expect(timeline).to_contain_text("acknowledged the problem")
    expect(agent.locator("#ticket-status")).to_have_text("Acknowledged")

    reply = "I have asked the courier for a new tracking update and will write by Friday."
    agent.get_by_label("Reply to the customer").fill(reply)
    agent.get_by_role("button", name=re.compile(r"^Send (reply|update)$")).click()
    expect(timeline.locator("li", has_text=reply)).to_contain_text("Public")
    expect(agent.get_by_label("Reply to the customer")).to_have_value("")
    assert agent.evaluate("window.__sameDocument") is True, "the forms should swap with htmx"
    assert_accessible(agent)

    # (c) The customer signs in again and reads the acknowledgement and the reply.
    again = new_page()
    sign_in(again, world.customer_email)
    again.get_by_role("link", name=SUBJECT).click()
    conversation = again.locator("#conversation")
    expect(conversation).to_contain_text("We have understood your problem like this:")
    expect(conversation).to_contain_text("What you need: Their parcel, or to know where it is")
    expect(conversation).to_contain_text("How you feel about it: Worried it is lost")
    expect(conversation.locator("li", has_text=reply)).to_contain_text("Alex (")
    assert_accessible(again)

    # Their answer is added in place by htmx (the conversation block is swapped).
    again.evaluate("window.__sameDocument = true")
    again.get_by_label("Your message").fill("Thank you, I will be in on Friday.")
    again.get_by_role("button", name="Send message").click()
    expect(conversation.locator("li", has_text="I will be in on Friday")).to_contain_text("You")
    expect(again.get_by_label("Your message")).to_have_value("")
    assert again.evaluate("window.__sameDocument") is True


def test_a_suggestion_that_solves_it_raises_no_ticket(
    world: World, new_page: Callable[..., Page]
) -> None:
    # (d) "This solved my problem" thanks the customer and logs a deflection, not a ticket.
    page = new_page()
    open_raise_page_and_type(page, world.customer_email)
    route = page.locator("#route-suggestions li", has_text=ROUTE_TITLE)
    route.get_by_role("button", name="This solved my problem").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Glad that helped")
    expect(page.get_by_role("status")).to_contain_text(f"“{ROUTE_TITLE}” solved it")
    assert count(Ticket) == 1  # only the seeded one
    assert count(Deflection) == 1
    deflection = db.session.scalars(db.select(Deflection)).one()
    assert DESCRIPTION in deflection.query_text
    assert_accessible(page)
