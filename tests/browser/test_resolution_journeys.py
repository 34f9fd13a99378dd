"""How a ticket ends, driven in the browser by the agent, a supervisor and the customer.

1. An option beyond the agent's limit is refused, approved by a supervisor, offered, agreed
   by the customer, implemented, and the customer confirms it is solved.
2. The agent asks a question, offers another route, and closes the ticket without a fix,
   explaining why to the customer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Approval, Option, Promise, SatisfactionResponse, Ticket
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import main_nav, sign_in

SUBJECT = "Kettle arrived with a cracked lid"
OPTION = "Refund the kettle in full"
PROS_CUSTOMER = "Money back within days"
CONS_CUSTOMER = "No kettle until they buy another"
PROS_ORG = "Keeps a loyal customer"
CONS_ORG = "Costs more than a replacement lid"
ROUTE = "Manufacturer's warranty"


@dataclass(frozen=True)
class World:
    customer_email: str
    agent_email: str
    supervisor_email: str
    ticket_id: int


@pytest.fixture
def world(app: Flask) -> World:
    customer = factories.make_user("customer", email="casey@example.com", name="Casey Jones")
    agent = factories.make_user("agent", email="alex@example.com", name="Alex Agent", limit=2_000)
    supervisor = factories.make_user(
        "supervisor", email="sam@example.com", name="Sam Supervisor", limit=50_000, exceptions=True
    )
    factories.make_route(
        kind="outside_body",
        title=ROUTE,
        contact="0800 000 000",
        summary="The maker repairs or replaces faulty kettles for two years.",
    )
    ticket = factories.make_ticket(
        customer=customer,
        category=factories.make_category("Deliveries"),
        subject=SUBJECT,
        description="The lid of the kettle I ordered is cracked and it leaks.",
    )
    return World(customer.email, agent.email, supervisor.email, ticket.id)


def fresh_ticket(ticket_id: int) -> Ticket:
    """The ticket as the live server left it (it wrote from another thread)."""
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)
    assert ticket is not None
    return ticket


def open_panel(scope: Page | Locator, summary: str) -> Locator:
    """Open a <details> panel by clicking its summary, as a person would (if it is closed)."""
    page = scope if isinstance(scope, Page) else scope.page
    name = re.compile(rf"^\s*{re.escape(summary)}")
    details = scope.locator("details").filter(has=page.locator("summary").filter(has_text=name))
    expect(details).to_have_count(1)
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    expect(details).to_have_attribute("open", "")
    return details


def open_ticket_as_agent(page: Page, email: str) -> Locator:
    sign_in(page, email)
    page.locator("#ticket-list").get_by_role("link", name=SUBJECT).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    return page.locator("#workspace")


def open_ticket_as_customer(page: Page, email: str) -> Locator:
    sign_in(page, email)
    page.get_by_role("link", name=SUBJECT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    return page.locator("#conversation")


def acknowledge(page: Page) -> None:
    page.get_by_label("What the customer needs").fill("A kettle that does not leak")
    page.get_by_label("The impact on them").fill("They cannot boil water safely")
    page.get_by_label("How they feel about it").fill("Annoyed: it was a present")
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.locator("#acknowledge-panel")).to_have_count(0)
    expect(page.locator("#ticket-status")).to_have_text("Acknowledged")


def tomorrow_local(app: Flask) -> str:
    """Tomorrow at this time, as a datetime-local input takes it (the app's display zone)."""
    now = datetime.now(ZoneInfo(app.config["DISPLAY_TIMEZONE"]))
    return (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


def test_option_beyond_the_limit_is_approved_offered_agreed_and_confirmed(
    app: Flask, world: World, new_page: Callable[..., Page]
) -> None:
    # The agent acknowledges the problem and weighs an option beyond their £20 limit.
    agent = new_page()
    workspace = open_ticket_as_agent(agent, world.agent_email)
    expect(agent.locator("#authority")).to_contain_text("You can offer up to £20.00")
    assert_accessible(agent)
    acknowledge(agent)
    assert_accessible(agent)

    board = agent.locator("#options-board")
    form = open_panel(board, "Add an option")
    form.get_by_label("The option").fill(OPTION)
    form.get_by_label("Remedy type").select_option(label="Refund")
    form.get_by_label("Cost to the organisation").fill("45")
    form.get_by_label("Time it takes").fill("3 working days")
    expect(form.get_by_label("Within policy (standard procedure)")).to_be_checked()
    form.get_by_label("Advantages for the customer", exact=True).fill(PROS_CUSTOMER)
    form.get_by_label("Disadvantages for the customer").fill(CONS_CUSTOMER)
    form.get_by_label("Advantages for the organisation", exact=True).fill(PROS_ORG)
    form.get_by_label("Disadvantages for the organisation").fill(CONS_ORG)
    form.get_by_role("button", name="Add option").click()
    row = board.locator("tr", has=agent.get_by_role("rowheader", name=re.compile(OPTION)))
    expect(row).to_contain_text("£45.00")
    expect(row).to_contain_text(f"+ {PROS_CUSTOMER}")
    expect(row).to_contain_text(f"− {CONS_ORG}")
    expect(row).to_contain_text("Needs approval to offer")
    expect(agent.locator("#authority")).to_contain_text("You can offer up to £20.00")
    assert_accessible(agent)

    # Offering it anyway is refused with the way forward, next to the choice, and the
    # choice is kept.
    offer = board.get_by_role("group", name="Options to offer")
    offer.get_by_label(f"{OPTION} (£45.00)").check()
    board.get_by_role("button", name="Offer chosen options").click()
    expect(offer.locator(".field-error")).to_contain_text(
        "it costs £45.00 and you can offer up to £20.00. Ask for approval."
    )
    expect(offer.get_by_label(f"{OPTION} (£45.00)")).to_be_checked()
    option = db.session.scalars(select(Option).where(Option.ticket_id == world.ticket_id)).one()
    db.session.expire_all()
    assert option.state == "draft"
    assert_accessible(agent)

    board.get_by_role("button", name=re.compile(r"^Ask for approval")).click()
    expect(agent.locator("#ticket-status")).to_have_text("Awaiting approval")
    expect(row).to_contain_text("Approval: pending")
    expect(board.get_by_role("button", name=re.compile(r"^Ask for approval"))).to_have_count(0)
    approval = db.session.scalars(select(Approval).where(Approval.option_id == option.id)).one()
    assert approval.state == "pending"
    assert approval.cost_minor == 4_500
    assert_accessible(agent)

    # The supervisor finds the request under Approvals, with both sides' pros and cons.
    supervisor = new_page()
    sign_in(supervisor, world.supervisor_email)
    main_nav(supervisor, "Approvals")
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("Approvals and confirmations")
    request = supervisor.locator(f"#approval-{approval.id}")
    expect(request.get_by_role("heading")).to_have_text("Alex Agent asks to offer £45.00")
    for text in (OPTION, PROS_CUSTOMER, CONS_CUSTOMER, PROS_ORG, CONS_ORG):
        expect(request).to_contain_text(text)
    assert_accessible(supervisor)
    request.get_by_label("Approve").check()
    request.get_by_role("button", name="Record decision").click()
    expect(supervisor.locator("#inbox")).to_contain_text("Nothing waits for your approval.")
    db.session.expire_all()
    assert approval.state == "approved"
    assert approval.decided_by is not None and approval.decided_by.email == world.supervisor_email
    assert_accessible(supervisor)

    # Back in the agent's workspace the approval counts: the option is offered.
    agent.reload()
    expect(row).to_contain_text("Approval: approved by Sam Supervisor")
    expect(row).not_to_contain_text("Needs approval to offer")
    assert_accessible(agent)
    offer.get_by_label(f"{OPTION} (£45.00)").check()
    board.get_by_role("button", name="Offer chosen options").click()
    expect(offer).to_have_count(0)
    expect(row).to_contain_text("Offered")
    db.session.expire_all()
    assert option.state == "offered"
    assert_accessible(agent)

    # The customer sees the ways to solve it, with their own pros and cons only, and agrees.
    customer = new_page()
    conversation = open_ticket_as_customer(customer, world.customer_email)
    offered = customer.locator("#offered-options")
    expect(offered.get_by_role("heading", level=2)).to_have_text("Ways we could solve it")
    expect(offered).to_contain_text(PROS_CUSTOMER)
    expect(offered).to_contain_text(CONS_CUSTOMER)
    expect(customer.locator("main")).not_to_contain_text(PROS_ORG)
    expect(customer.locator("main")).not_to_contain_text(CONS_ORG)
    expect(customer.locator("main")).not_to_contain_text("£45.00")
    assert_accessible(customer)
    offered.get_by_role("button", name=f"Agree {OPTION}").click()
    expect(conversation.get_by_role("status")).to_have_text(
        "Thank you: we will go ahead with the option you chose."
    )
    expect(offered).to_contain_text("You agreed this")
    expect(customer.locator("#ticket-status")).to_have_text("Fix agreed")
    db.session.expire_all()
    assert option.state == "agreed"
    assert fresh_ticket(world.ticket_id).status == "agreed"
    assert_accessible(customer)

    # The agent implements it, makes a promise, keeps it and resolves the ticket.
    agent.reload()
    expect(agent.locator("#ticket-status")).to_have_text("Option agreed")
    assert_accessible(agent)
    agent.get_by_label("What was done").fill("Refunded £45 to the card they paid with")
    agent.get_by_role("button", name="Mark implemented").click()
    expect(row).to_contain_text("Implemented")
    expect(agent.locator("#ticket-status")).to_have_text("In progress")
    assert_accessible(agent)

    promises = agent.locator("#promises")
    form = open_panel(promises, "Make a promise")
    form.get_by_label("What is promised").fill("Check the refund reached your card")
    expect(form.get_by_label("Owner")).to_have_value(str(option.created_by_id))
    form.get_by_label("Due by").fill(tomorrow_local(app))
    assert_accessible(agent)  # with the panel open
    form.get_by_role("button", name="Record promise").click()
    promise = promises.locator("li", has_text="Check the refund reached your card")
    expect(promise).to_contain_text("owner Alex Agent")
    assert_accessible(agent)
    promise.get_by_role("button", name=re.compile(r"^Mark kept")).click()
    expect(promise.locator(".badge")).to_have_text("Kept")
    db.session.expire_all()
    assert db.session.scalars(select(Promise.state)).one() == "kept"
    assert_accessible(agent)

    resolve = open_panel(agent.locator("#closing"), "Resolve and ask the customer to confirm")
    resolve.get_by_label("What fixed it").fill("We refunded the kettle in full.")
    resolve.get_by_role("button", name="Resolve", exact=True).click()
    expect(agent.locator("#ticket-status")).to_have_text("Resolved: awaiting confirmation")
    expect(workspace.locator(".timeline")).to_contain_text("We refunded the kettle in full.")
    assert fresh_ticket(world.ticket_id).status == "resolved"
    assert_accessible(agent)

    # The customer confirms it is solved and rates the service.
    customer.reload()
    check = customer.locator("#resolution-check")
    expect(check.get_by_role("heading")).to_have_text("Is your problem solved?")
    expect(offered).to_contain_text("Done")
    promised = customer.get_by_role("region", name="What we have promised you")
    expect(promised.get_by_role("listitem")).to_contain_text("Check the refund reached your card")
    expect(promised.get_by_role("listitem")).to_contain_text("Kept")
    assert_accessible(customer)
    check.get_by_label("Yes, it is solved").check()
    check.get_by_label("5 (excellent)").check()
    check.get_by_label("Anything you want to tell us").fill("Quick and kind, thank you.")
    check.get_by_role("button", name="Send my answer").click()
    expect(customer.locator("#ticket-status")).to_have_text("Solved and closed")
    expect(check).to_have_count(0)
    expect(conversation).to_contain_text("You confirmed it is solved.")
    assert fresh_ticket(world.ticket_id).status == "closed_satisfied"
    answer = db.session.scalars(select(SatisfactionResponse)).one()
    assert (answer.solved, answer.rating, answer.comment) == (
        True,
        5,
        "Quick and kind, thank you.",
    )
    assert_accessible(customer)


def test_question_route_and_closing_without_a_fix(
    world: World, new_page: Callable[..., Page]
) -> None:
    # The agent acknowledges the problem and asks the customer a clarifying question.
    agent = new_page()
    workspace = open_ticket_as_agent(agent, world.agent_email)
    acknowledge(agent)
    assert_accessible(agent)
    question = "Which model is the kettle, and when did you buy it?"
    agent.get_by_label("Ask the customer").fill(question)
    agent.get_by_role("button", name="Ask the customer").click()
    expect(agent.locator("#ticket-status")).to_have_text("Waiting on customer")
    expect(workspace).to_contain_text(f"Waiting for an answer to: “{question}”")
    assert_accessible(agent)

    # The customer sees the question and answers it in the message box.
    customer = new_page()
    conversation = open_ticket_as_customer(customer, world.customer_email)
    callout = customer.locator("#question-callout")
    expect(callout.get_by_role("heading")).to_have_text("We need an answer from you")
    expect(callout).to_contain_text(question)
    assert_accessible(customer)
    answer = "It is the Brewmaster 2000, bought in March."
    customer.get_by_label("Your message").fill(answer)
    customer.get_by_role("button", name="Send message").click()
    expect(conversation.locator("li", has_text=answer)).to_contain_text("You")
    expect(callout).to_have_count(0)
    expect(customer.locator("#ticket-status")).to_have_text("We are looking into it")
    assert_accessible(customer)

    # The agent sees the answer threaded on the timeline and offers another route.
    agent.reload()
    reply = workspace.locator(".timeline li.answer")
    expect(reply).to_contain_text("answered the question")
    expect(reply).to_contain_text(answer)
    expect(agent.locator("#ticket-status")).to_have_text("Acknowledged")
    closing = agent.locator("#closing")
    form = open_panel(closing, "Offer another route")
    form.get_by_label("Route", exact=True).select_option(label=ROUTE)
    form.get_by_label("Note for the customer").fill("They repair leaks under the guarantee.")
    assert_accessible(agent)  # with the panel open
    form.get_by_role("button", name="Offer route").click()
    offered = workspace.locator(".timeline li", has_text="offered another route")
    expect(offered).to_contain_text(f"{ROUTE}: The maker repairs")
    expect(offered).to_contain_text("How to reach it: 0800 000 000")
    assert_accessible(agent)

    # Closing with nothing filled in says what is missing next to each field.
    form = open_panel(closing, "Close without a fix")
    form.get_by_role("button", name="Close unresolved").click()
    expect(form.locator(".field-error").first).to_be_visible()
    expect(form).to_have_attribute("open", "")  # the refused panel stays open after the swap
    for label, message in (
        ("Reason", "Choose the reason it could not be solved."),
        ("What was tried", "Say what was tried."),
        ("Why it could not be solved", "Say why it could not be solved."),
        ("What the customer can do next", "Say what the customer can do next."),
    ):
        field = form.get_by_label(label, exact=True)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile(re.escape(message)))
    expect(agent.locator("#ticket-status")).to_have_text("Acknowledged")
    assert fresh_ticket(world.ticket_id).status == "acknowledged"
    assert_accessible(agent)

    form.get_by_label("Reason", exact=True).select_option(
        label="Another organisation or route is better placed to help"
    )
    form.get_by_label("What was tried", exact=True).fill("We checked the order and the courier.")
    form.get_by_label("Why it could not be solved", exact=True).fill(
        "The crack is a manufacturing fault we cannot repair."
    )
    form.get_by_label("What the customer can do next", exact=True).fill(
        "Call the manufacturer with your receipt."
    )
    form.get_by_role("group", name="Other routes to suggest").get_by_label(ROUTE).check()
    form.get_by_role("button", name="Close unresolved").click()
    expect(agent.locator("#ticket-status")).to_have_text("Closed: not solved")
    expect(closing).to_have_count(0)
    assert fresh_ticket(world.ticket_id).status == "closed_unresolved"
    assert_accessible(agent)

    # The customer reads why, what was tried, and where to go next.
    customer.reload()
    expect(customer.locator("#ticket-status")).to_have_text("Closed: we could not solve it")
    closed = conversation.locator("li", has_text="We could not solve this. Here is why:")
    expect(closed).to_contain_text("What we tried: We checked the order and the courier.")
    expect(closed).to_contain_text("manufacturing fault we cannot repair")
    expect(closed).to_contain_text("What you can do next: Call the manufacturer")
    expect(closed).to_contain_text(f"Another route: {ROUTE} (0800 000 000)")
    expect(customer.get_by_label("Your message")).to_have_count(0)
    assert_accessible(customer)
