"""Done means: a learner works a customer's ticket in the browser and it lands in their portfolio.

The learner sees which criteria each action evidences (badges) while acknowledging, asking,
updating and weighing an option; the customer agrees it, the learner resolves, and the
customer answers the emailed feedback link without signing in, consenting to witness
testimony. The portfolio then counts the actions and shows the testimony without the
customer's name or email. A non-learner sees no badges; another learner cannot open it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import User
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import main_nav, sign_in
from tests.browser.test_resolution_journeys import open_panel
from tests.factories import make_learner
from tests.witnesses import feedback_mail_link

SUBJECT = "Toaster burns one side only"
CUSTOMER_NAME = "Casey Jones"
CUSTOMER_EMAIL = "casey.jones@example.com"
OPTION = "Send a replacement toaster"
WITNESS = "A regular shopper"
STATEMENT = "Lee listened, explained every step and sorted it within the week."


@dataclass(frozen=True)
class World:
    learner_email: str
    other_learner_email: str
    agent_email: str
    ticket_id: int


@pytest.fixture
def world(app: Flask) -> World:
    customer = factories.make_user("customer", email=CUSTOMER_EMAIL, name=CUSTOMER_NAME)
    assessor = factories.make_user("assessor", email="ada@example.com", name="Ada Assessor")
    make_learner("A", assessors=(assessor,), email="lee@example.com", name="Lee Learner")
    make_learner("A", email="lou@example.com", name="Lou Learner")
    factories.make_user("agent", email="alex@example.com", name="Alex Agent")
    ticket = factories.make_ticket(
        customer=customer,
        category=factories.make_category("Deliveries"),
        subject=SUBJECT,
        description="The toaster I bought burns the bread on one side only.",
    )
    db.session.commit()
    return World("lee@example.com", "lou@example.com", "alex@example.com", ticket.id)


def badge(scope: Locator, code: str) -> Locator:
    return scope.locator(".pc-badge", has_text=re.compile(rf"^{re.escape(code)}\b"))


def form_with(page: Page, button: str) -> Locator:
    """The workspace form whose submit button is ``button``."""
    return page.locator("#workspace form").filter(
        has=page.get_by_role("button", name=button, exact=True)
    )


def assert_private(page: Page) -> None:
    body = page.content()
    for secret in (CUSTOMER_NAME, CUSTOMER_EMAIL, "Casey"):
        assert secret not in body, f"{secret!r} shows on {page.url}"


def test_a_learners_ticket_becomes_evidence_and_testimony(
    world: World, new_page: Callable[..., Page]
) -> None:
    # The learner opens the ticket; the acknowledge form shows the 1.1 badge by its button.
    learner = new_page()
    sign_in(learner, world.learner_email)
    learner.locator("#ticket-list").get_by_role("link", name=SUBJECT).click()
    expect(learner.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    ack = form_with(learner, "Acknowledge")
    expect(badge(ack, "1.1")).to_be_visible()
    expect(ack.get_by_role("button", name="Acknowledge", exact=True)).to_be_visible()
    assert_accessible(learner)

    ack.get_by_label("What the customer needs").fill("A toaster that browns evenly")
    ack.get_by_label("The impact on them").fill("Breakfast is ruined every morning")
    ack.get_by_label("How they feel about it").fill("Frustrated: it is brand new")
    ack.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(learner.locator("#acknowledge-panel")).to_have_count(0)
    expect(learner.locator("#ticket-status")).to_have_text("Acknowledged")
    timeline = learner.locator("#workspace .timeline")
    expect(badge(timeline, "1.1").first).to_be_visible()
    assert_accessible(learner)

    # A question (1.2) and an update (3.4).
    ask = form_with(learner, "Ask the customer")
    expect(badge(ask, "1.2")).to_be_visible()
    ask.get_by_label("Ask the customer").fill("Which side burns, the left or the right?")
    ask.get_by_role("button", name="Ask the customer").click()
    expect(learner.locator("#ticket-status")).to_have_text("Waiting on customer")
    expect(badge(timeline, "1.2").first).to_be_visible()

    update = form_with(learner, "Send update")
    expect(badge(update, "3.4")).to_be_visible()
    update.get_by_role("textbox").first.fill("We have asked the maker about this model.")
    update.get_by_role("button", name="Send update").click()
    expect(timeline).to_contain_text("We have asked the maker about this model.")
    expect(badge(timeline, "3.4").first).to_be_visible()
    assert_accessible(learner)

    # An option with both sides' pros and cons (2.1, 2.3), then offered.
    board = learner.locator("#options-board")
    form = open_panel(board, "Add an option")
    expect(badge(form, "2.1").first).to_be_visible()
    expect(badge(form, "2.3").first).to_be_visible()
    form.get_by_label("The option", exact=True).fill(OPTION)
    form.get_by_label("Remedy type", exact=True).select_option(label="Replacement")
    form.get_by_label("Cost to the organisation (£)", exact=True).fill("20")
    form.get_by_label("Time it takes", exact=True).fill("2 working days")
    form.get_by_label("Advantages for the customer", exact=True).fill("Even toast soon")
    form.get_by_label("Disadvantages for the customer", exact=True).fill("Two days without one")
    form.get_by_label("Advantages for the organisation", exact=True).fill("Keeps the customer")
    form.get_by_label("Disadvantages for the organisation", exact=True).fill("Costs a toaster")
    assert_accessible(learner)  # with the panel and its badges open
    form.get_by_role("button", name="Add option").click()
    row = board.locator("tr", has=learner.get_by_role("rowheader", name=re.compile(OPTION)))
    expect(row).to_contain_text("£20.00")
    offer = board.get_by_role("group", name="Options to offer")
    offer.get_by_label(f"{OPTION} (£20.00)").check()
    board.get_by_role("button", name="Offer chosen options").click()
    expect(row).to_contain_text("Offered")

    # The customer, signed in elsewhere, agrees it.
    customer = new_page()
    sign_in(customer, CUSTOMER_EMAIL)
    customer.get_by_role("link", name=SUBJECT).click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    offered = customer.locator("#offered-options")
    offered.get_by_role("button", name=f"Agree {OPTION}").click()
    expect(offered).to_contain_text("You agreed this")

    # The learner implements it and resolves.
    learner.reload()
    expect(learner.locator("#ticket-status")).to_have_text("Option agreed")
    learner.get_by_label("What was done").fill("Sent a new toaster by courier")
    learner.get_by_role("button", name="Mark implemented").click()
    expect(row).to_contain_text("Implemented")
    resolve = open_panel(learner.locator("#closing"), "Resolve and ask the customer to confirm")
    resolve.get_by_label("What fixed it").fill("A new toaster was delivered.")
    resolve.get_by_role("button", name="Resolve", exact=True).click()
    expect(learner.locator("#ticket-status")).to_have_text("Resolved: awaiting confirmation")

    # The customer answers the emailed link, not signed in, and consents to testimony.
    db.session.expire_all()
    customer_user = db.session.scalars(select(User).where(User.email == CUSTOMER_EMAIL)).one()
    link, _ = feedback_mail_link(customer_user)
    guest = new_page()
    guest.goto(urlsplit(link).path)
    expect(guest.get_by_role("heading", level=1)).to_have_text("Is your problem solved?")
    expect(guest.get_by_role("button", name=re.compile(r"^Sign out"))).to_have_count(0)
    check = guest.locator("#resolution-check")
    check.get_by_label("Yes, it is solved").check()
    check.get_by_label("5 (excellent)").check()
    testimony = check.locator("#testimony")
    expect(testimony).to_contain_text("About Lee, who helped you")
    testimony.get_by_label("What did Lee do well?").fill(STATEMENT)
    testimony.get_by_label(re.compile(r"^I agree that this feedback may be used")).check()
    testimony.get_by_label("Your name as you would like it to appear").fill(WITNESS)
    assert_accessible(guest)
    check.get_by_role("button", name="Send my answer").click()
    expect(guest.locator("#resolution-check")).to_have_count(0)

    # The learner's portfolio counts the actions and shows the testimony, without the
    # customer's name or email on any page.
    main_nav(learner, "My portfolio")
    expect(learner.get_by_role("heading", name="Your portfolio")).to_be_visible()
    portfolio_url = learner.url
    grid = learner.locator("#coverage-grid")
    for code in ("1.1", "1.2", "3.4", "2.1", "2.3"):
        cell = grid.locator(f"[id='pc-{code}'] [data-count=pending]")
        expect(cell).to_have_text(re.compile(r"^\s*[1-9]\d*"))
    assert_private(learner)
    assert_accessible(learner)

    learner.get_by_role("link", name="Evidence log").click()
    log = learner.locator("#evidence-list")
    wt = log.locator("tbody tr", has=learner.locator("abbr", has_text=re.compile(r"^WT$")))
    expect(wt).to_have_count(1)
    expect(wt.locator("blockquote.testimony")).to_contain_text(STATEMENT)
    expect(wt).to_contain_text(f"Witness: {WITNESS} (customer)")
    expect(wt).to_contain_text("consent given")
    expect(wt.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d{2}-\d{2}"))
    assert_private(learner)
    assert_accessible(learner)

    wt.get_by_role("link", name=re.compile(r"T-\d+")).click()
    expect(learner.get_by_text("Customer A", exact=True).first).to_be_visible()
    assert_private(learner)
    assert_accessible(learner)

    # A plain agent sees the same workspace with no badges.
    agent = new_page()
    sign_in(agent, world.agent_email)
    agent.goto(f"/staff/tickets/{world.ticket_id}")
    expect(agent.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    expect(agent.locator("#workspace .timeline")).to_contain_text("A new toaster was delivered.")
    expect(agent.locator(".pc-badge")).to_have_count(0)

    # Another learner may not open this learner's portfolio.
    other = new_page()
    sign_in(other, world.other_learner_email)
    response = other.goto(portfolio_url)
    assert response is not None and response.status == 403
