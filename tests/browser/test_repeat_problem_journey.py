"""A problem that keeps coming back, driven in the browser from the first repeat to monitoring.

Three customers report the same fault; the third ticket is marked "Possible repeat" in the
queue. An agent links all three to a new problem record from the ticket's similar-tickets
panel. The category's supervisor (and only them) is alerted in the app and by email, weighs
two candidate solutions side by side and chooses one; the agent asks for approval, the
supervisor approves it (nobody approves their own request) and puts it live. The record
then monitors repeats: too early to say at first, and, with the dates moved back in the
database, repeats per week before and after.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from helpdesk.admin.services import set_category_supervisors
from helpdesk.extensions import db
from helpdesk.models import (
    Notification,
    OutboxMessage,
    ProblemApproval,
    ProblemLink,
    ProblemRecord,
    Ticket,
    User,
)
from helpdesk.models.types import utcnow
from helpdesk.problems import services
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import count, main_nav, sign_in
from tests.browser.test_resolution_journeys import open_panel

CATEGORY = "Kitchenware"
REPORTS = [
    (
        "Kettle lid cracked on arrival",
        "The kettle arrived today and its lid is cracked, so it leaks when boiling water.",
    ),
    (
        "Kettle lid cracked on arrival",
        "My kettle arrived yesterday and the lid is cracked, so it leaks when boiling water.",
    ),
    (
        "Kettle arrived with a cracked lid",
        "The kettle arrived this morning with its lid cracked, so it leaks when boiling water.",
    ),
]
TITLE = "Kettle lids crack in transit"
SOLUTIONS = [
    {
        "The solution": "Pack kettles with a moulded lid guard",
        "Cost to the organisation (£)": "350",
        "Advantages for customers": "Kettles arrive whole",
        "Disadvantages for customers": "More packaging to recycle",
        "Advantages for the organisation": "Fewer replacements to send",
        "Disadvantages for the organisation": "Guards cost £0.40 a kettle",
    },
    {
        "The solution": "Change to a specialist courier",
        "Cost to the organisation (£)": "4,800",
        "Advantages for customers": "Careful handling of every parcel",
        "Disadvantages for customers": "Deliveries take a day longer",
        "Advantages for the organisation": "One contract covers all fragile goods",
        "Disadvantages for the organisation": "Dearer than the current courier",
    },
]
CHOSEN = SOLUTIONS[0]["The solution"]
LIVE_NOTE = "Every kettle now ships with a moulded lid guard."


@dataclass(frozen=True)
class World:
    agent_email: str
    supervisor_email: str
    supervisor_id: int
    ticket_ids: list[int]


@pytest.fixture
def world(app: Flask) -> World:
    agent = factories.make_user("agent", email="alex@example.com", name="Alex Agent", limit=2_000)
    supervisor = factories.make_user(
        "supervisor", email="sam@example.com", name="Sam Supervisor", limit=50_000, exceptions=True
    )
    # Another supervisor, not named for the category: the alert must not reach them.
    factories.make_user("supervisor", email="sol@example.com", name="Sol Other")
    category = factories.make_category(CATEGORY)
    set_category_supervisors(category, [supervisor.id])
    customers = [
        factories.make_user("customer", email=f"{who.lower()}@example.com", name=f"{who} Smith")
        for who in ("Casey", "Robin", "Jo")
    ]
    tickets = [
        factories.make_ticket(customer=c, category=category, subject=s, description=d)
        for c, (s, d) in zip(customers, REPORTS, strict=True)
    ]
    return World(agent.email, supervisor.email, supervisor.id, [t.id for t in tickets])


def ref(ticket_id: int) -> str:
    return f"T-{ticket_id:06d}"


def queue_row(page: Page, ticket_id: int) -> Locator:
    return page.locator("#ticket-list tbody tr", has_text=ref(ticket_id))


def solution_row(page: Page, description: str) -> Locator:
    return page.locator(
        "#solutions-panel tbody tr",
        has=page.get_by_role("rowheader", name=re.compile(re.escape(description))),
    )


def contrast(locator: Locator) -> float:
    """The WCAG contrast of an element's text on its own (opaque) background.

    axe leaves one-character text such as an unread count "incomplete", so it is measured here.
    """
    return float(
        locator.evaluate(
            """el => {
                const rgb = c => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
                const lum = c => {
                    const [r, g, b] = rgb(c).map(v => v / 255)
                        .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
                    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
                };
                const style = getComputedStyle(el);
                const [a, b] = [lum(style.color), lum(style.backgroundColor)];
                return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            }"""
        )
    )


def the_problem() -> ProblemRecord:
    db.session.rollback()
    return db.session.scalars(select(ProblemRecord)).one()


def test_repeats_are_grouped_solved_approved_and_monitored(
    app: Flask, world: World, new_page: Callable[..., Page]
) -> None:
    first, second, third = world.ticket_ids

    # --- The agent sees the third report marked as a possible repeat in the queue. -------
    agent = new_page()
    sign_in(agent, world.agent_email)
    expect(agent.get_by_role("heading", level=1)).to_have_text("Ticket queue")
    expect(agent.locator("#ticket-list tbody tr")).to_have_count(3)
    expect(queue_row(agent, third)).to_contain_text("Possible repeat")
    expect(
        queue_row(agent, third).get_by_role("button", name=re.compile("^Link to problem"))
    ).to_be_visible()
    for earlier in (first, second):  # too few similar open tickets when they arrived
        expect(queue_row(agent, earlier)).not_to_contain_text("Possible repeat")
    assert_accessible(agent)

    # --- From the ticket's similar panel the agent links all three to a new record. -----
    queue_row(agent, third).get_by_role("link", name=REPORTS[2][0]).click()
    expect(agent.get_by_role("heading", level=1)).to_contain_text(REPORTS[2][0])
    panel = agent.locator("#similar-panel")
    for other in (first, second):
        expect(panel.get_by_role("link", name=ref(other))).to_be_visible()
    expect(panel.get_by_label("A new problem record")).to_be_checked()
    assert_accessible(agent)
    panel.get_by_label(f"Link {ref(first)} too").check()
    panel.get_by_label(f"Link {ref(second)} too").check()
    panel.get_by_label("Title of the new problem record").fill(TITLE)
    panel.get_by_role("button", name="Link to the problem record").click()
    expect(panel.get_by_role("status")).to_have_text(
        f"Linked {ref(third)}, {ref(first)}, {ref(second)} to P-00001."
    )
    expect(panel).to_contain_text(f"This ticket is in P-00001 {TITLE}")
    assert count(ProblemLink) == 3
    problem = the_problem()
    assert problem.title == TITLE
    assert problem.category is not None and problem.category.name == CATEGORY
    assert_accessible(agent)

    # Back in the queue the mark has given way to the record.
    main_nav(agent, "Queue")
    for ticket_id in world.ticket_ids:
        row = queue_row(agent, ticket_id)
        expect(row.get_by_role("link", name="P-00001")).to_be_visible()
        expect(row).not_to_contain_text("Possible repeat")
    assert_accessible(agent)

    # --- The category's supervisor is alerted, in the app and by email; nobody else. ----
    db.session.rollback()
    alerts = db.session.scalars(
        select(Notification).where(Notification.kind == "repeat_alert")
    ).all()
    assert [n.user_id for n in alerts] == [world.supervisor_id]  # not Sol, nor the agent
    assert "(3 linked tickets)" in alerts[0].text
    emails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "repeat_alert")
    ).all()
    assert [m.to_email for m in emails] == [world.supervisor_email]
    assert emails[0].subject.startswith(f"P-00001 “{TITLE}”: a new problem record was opened")
    assert "(3 linked tickets)" in emails[0].body
    for ticket_id in world.ticket_ids:
        assert f"{ref(ticket_id)}: " in emails[0].body
    assert f"/staff/problems/{problem.id}" in emails[0].body

    supervisor = new_page()
    sign_in(supervisor, world.supervisor_email)
    nav = supervisor.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Notifications 1 unread", exact=True)).to_be_visible()
    assert contrast(nav.locator(".badge.count")) >= 4.5  # the count can be read
    nav.get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("Notifications")
    alert = supervisor.locator("#notification-list li", has_text="P-00001")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("New")
    expect(alert).to_contain_text(f"P-00001 “{TITLE}”: a new problem record was opened")
    expect(alert).to_contain_text("(3 linked tickets)")
    assert_accessible(supervisor)

    # --- The supervisor opens the record from the alert. --------------------------------
    alert.get_by_role("link").click()
    expect(supervisor).to_have_url(f"/staff/problems/{problem.id}")
    record = supervisor.locator("#record")
    expect(record.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(supervisor.locator("#problem-status")).to_have_text("Open")
    linked = supervisor.locator("#linked-panel")
    expect(linked.get_by_role("heading", level=2)).to_have_text("Linked tickets 3")
    for ticket_id in world.ticket_ids:
        expect(linked.get_by_role("link", name=ref(ticket_id))).to_be_visible()
    expect(supervisor.locator("#problem-timeline")).to_contain_text("alerted the supervisors")
    assert_accessible(supervisor)

    # --- Two candidate solutions, with pros and cons for both sides and their costs. ----
    for n, solution in enumerate(SOLUTIONS, start=1):
        form = open_panel(supervisor.locator("#solutions-panel"), "Add a solution")
        for label, value in solution.items():
            form.get_by_label(label, exact=True).fill(value)
        form.get_by_role("button", name="Add solution").click()
        expect(supervisor.locator("#solutions-panel tbody tr")).to_have_count(n)
        assert_accessible(supervisor)

    # Compared side by side: one row each, costs and both sides' pros and cons.
    compare = supervisor.get_by_role("table", name="Candidate solutions compared side by side")
    expect(compare.get_by_role("columnheader")).to_have_text(
        ["Solution", "Cost", "For customers", "For the organisation", "Where it stands"]
    )
    for solution, cost in zip(SOLUTIONS, ("£350.00", "£4,800.00"), strict=True):
        row = solution_row(supervisor, solution["The solution"])
        expect(row).to_contain_text(cost)
        expect(row).to_contain_text(f"+ {solution['Advantages for customers']}")
        expect(row).to_contain_text(f"− {solution['Disadvantages for customers']}")
        expect(row).to_contain_text(f"+ {solution['Advantages for the organisation']}")
        expect(row).to_contain_text(f"− {solution['Disadvantages for the organisation']}")
        expect(row).to_contain_text("Candidate")

    # The supervisor chooses the cheaper one.
    solution_row(supervisor, CHOSEN).get_by_role("button", name=f"Choose {CHOSEN}").click()
    expect(supervisor.locator("#problem-status")).to_have_text("Solution chosen")
    expect(solution_row(supervisor, CHOSEN)).to_contain_text("Chosen")
    approval_panel = supervisor.locator("#approval-panel")
    expect(approval_panel).to_contain_text(f"Chosen solution: {CHOSEN} (£350.00).")
    assert_accessible(supervisor)

    # --- The agent asks a decision maker to approve it. ---------------------------------
    main_nav(agent, "Problem records")
    agent.locator("#problem-list").get_by_role("link", name=TITLE).click()
    expect(agent.locator("#problem-status")).to_have_text("Solution chosen")
    assert_accessible(agent)
    agent.get_by_role("button", name="Ask a decision maker to approve").click()
    expect(agent.locator("#approval-state")).to_contain_text(
        "Waiting for a decision maker: asked by Alex Agent"
    )
    expect(agent.locator("#approval-panel")).to_contain_text(
        "Someone else whose authority covers £350.00 must decide it"
    )
    expect(agent.locator("#approval-panel").get_by_role("button")).to_have_count(0)
    db.session.rollback()
    approval = db.session.scalars(select(ProblemApproval)).one()
    assert approval.state == "pending"
    assert approval.cost_minor == 35_000
    assert_accessible(agent)

    # --- The supervisor approves it from the Approvals inbox. ---------------------------
    supervisor.reload()
    expect(nav.get_by_role("link", name="Notifications 2 unread", exact=True)).to_be_visible()
    main_nav(supervisor, "Approvals")
    request = supervisor.locator(f"#problem-approval-{approval.id}")
    expect(request.get_by_role("heading", level=3)).to_have_text(
        f"P-00001 {TITLE}: Alex Agent asks to approve £350.00"
    )
    for text in list(SOLUTIONS[0].values())[2:]:
        expect(request).to_contain_text(text)
    assert_accessible(supervisor)
    request.get_by_label("Approve").check()
    request.get_by_label("Reason (needed when refusing)").fill("Cheap and stops the cracks")
    request.get_by_role("button", name="Record decision").click()
    expect(supervisor.locator("#inbox")).to_contain_text(
        "No problem solution waits for your approval."
    )
    db.session.expire_all()
    assert approval.state == "approved"
    assert approval.decided_by_id == world.supervisor_id
    assert_accessible(supervisor)

    # --- The supervisor puts it live; monitoring starts. --------------------------------
    main_nav(supervisor, "Problem records")
    supervisor.locator("#problem-list").get_by_role("link", name=TITLE).click()
    expect(supervisor.locator("#problem-status")).to_have_text("Solution approved")
    expect(supervisor.locator("#approval-state")).to_contain_text(
        "Approved Decided by Sam Supervisor"
    )
    expect(supervisor.locator("#approval-state")).to_contain_text("“Cheap and stops the cracks”")
    monitoring = supervisor.locator("#monitoring-panel")
    expect(monitoring).to_contain_text("Monitoring starts when the approved solution goes live")
    assert_accessible(supervisor)
    live = supervisor.locator("#live-panel")
    live.get_by_label("What was put in place").fill(LIVE_NOTE)
    live.get_by_role("button", name="Put the solution live").click()
    expect(supervisor.locator("#problem-status")).to_have_text("Live: monitoring")
    expect(live).to_contain_text("Live since")
    expect(monitoring.locator("#verdict")).to_contain_text("Too early to say")
    expect(monitoring.locator("#monitored")).to_have_text("Monitored for 0 days of 28.")
    before, after = monitoring.locator("tbody tr").all()
    expect(before.get_by_role("cell")).to_have_text(["3", "1", "3.0"])
    expect(after.get_by_role("cell")).to_have_text(["0", "0", "—"])
    expect(supervisor.locator("#problem-timeline")).to_contain_text(LIVE_NOTE)
    assert_accessible(supervisor)

    # --- Three weeks on (dates moved back in the database), one more repeat arrived. ----
    now = utcnow()
    problem = the_problem()
    problem.solution_live_at = now - timedelta(days=21)
    for ticket_id, days_ago in zip(world.ticket_ids, (35, 28, 22), strict=True):
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.created_at = now - timedelta(days=days_ago)
    db.session.commit()
    late = factories.make_ticket(
        customer=factories.make_user("customer", email="lee@example.com", name="Lee Late"),
        category=problem.category,
        subject="Kettle lid cracked on arrival",
        description="The kettle came today; its lid is cracked, so it leaks when boiling water.",
    )
    agent_user = db.session.scalars(select(User).where(User.email == world.agent_email)).one()
    services.link_tickets(problem, agent_user, [late])
    db.session.commit()  # services flush: the live page sees only what is committed

    supervisor.reload()
    expect(monitoring.locator("#verdict")).to_contain_text("Repeats stopped")
    expect(monitoring.locator("#verdict")).to_contain_text("the weekly rate fell to half or less")
    before, after = monitoring.locator("tbody tr").all()
    expect(before.get_by_role("rowheader")).to_have_text("Before")
    expect(before.get_by_role("cell")).to_have_text(["3", "3", "1.0"])
    expect(after.get_by_role("rowheader")).to_have_text("After")
    expect(after.get_by_role("cell")).to_have_text(["1", "3", "0.3"])
    expect(monitoring.locator("#monitored")).to_have_text("Monitored for 21 days of 28.")
    expect(linked.get_by_role("heading", level=2)).to_have_text("Linked tickets 4")
    expect(supervisor.locator("#close-panel")).to_contain_text(
        "closes after its solution has been monitored for 28 days"
    )
    assert_accessible(supervisor)
