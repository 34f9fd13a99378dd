"""Done means (issue 12): a learner works a training-flagged ticket and a live one; only the
live one counts in their portfolio. A supervisor flags the first from its workspace; the
learner sees it marked as practice, acknowledges both, and the portfolio counts one piece
of 1.1 evidence, the other shown apart as not counted. Each page is checked with axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEntry, Ticket
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import count, main_nav, sign_in
from tests.browser.test_learner_journey import form_with
from tests.factories import make_learner

TRAINING = "Role play: printer will not print"
LIVE = "Printer will not print"


@dataclass(frozen=True)
class World:
    training_id: int
    live_id: int


@pytest.fixture
def world(app: Flask) -> World:
    customer = factories.make_user("customer", email="casey@example.com", name="Casey Jones")
    make_learner("A", email="lee@example.com", name="Lee Learner")
    factories.make_user("supervisor", email="sam@example.com", name="Sam Supervisor")
    training = factories.make_ticket(
        customer=customer, subject=TRAINING, description="Practice call for the new starters."
    )
    live = factories.make_ticket(
        customer=customer, subject=LIVE, description="My printer shows an error and stops."
    )
    db.session.commit()
    return World(training.id, live.id)


def acknowledge(page: Page, subject: str) -> None:
    page.goto("/staff/tickets")
    page.locator("#ticket-list").get_by_role("link", name=subject, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(subject)
    ack = form_with(page, "Acknowledge")
    ack.get_by_label("What the customer needs").fill("A printer that prints")
    ack.get_by_label("The impact on them").fill("Cannot send invoices")
    ack.get_by_label("How they feel about it").fill("Stressed")
    ack.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.locator("#ticket-status")).to_have_text("Acknowledged")


def test_only_the_live_ticket_counts(world: World, new_page: Callable[..., Page]) -> None:
    # The supervisor flags the role-play ticket from its workspace.
    supervisor = new_page()
    sign_in(supervisor, "sam@example.com")
    supervisor.goto(f"/staff/tickets/{world.training_id}")
    practice = supervisor.get_by_role("group", name="Practice or live work")
    expect(practice.get_by_label("Live work")).to_be_checked()
    assert_accessible(supervisor)
    practice.get_by_label("Role play").check()
    supervisor.get_by_role("button", name="Save practice flag").click()
    expect(supervisor.locator("#training-flag")).to_contain_text("A practice ticket")
    expect(practice.get_by_label("Role play")).to_be_checked()
    assert count(AuditEntry) == 2  # the supervisor's sign-in and the flag
    flagged = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "ticket_training_flagged")
    ).one()
    assert flagged.target_id == world.training_id and flagged.details["new"] == "role_play"
    assert db.session.get(Ticket, world.training_id).training_kind == "role_play"

    # The learner works both; the practice one says so, and offers them no flag.
    learner = new_page()
    sign_in(learner, "lee@example.com")
    acknowledge(learner, TRAINING)
    expect(learner.locator("#training-flag")).to_contain_text("Role play")
    expect(learner.locator("#training-form")).to_have_count(0)
    assert_accessible(learner)
    acknowledge(learner, LIVE)
    expect(learner.locator("#training-flag")).to_have_count(0)

    # Only the live ticket counts towards 1.1; the role play is shown apart.
    main_nav(learner, "My portfolio")
    expect(learner.get_by_role("heading", name="Your portfolio")).to_be_visible()
    grid = learner.locator("#coverage-grid")
    expect(grid.locator("#pc-1\\.1 [data-count=pending]")).to_have_text(re.compile(r"^\s*1\b"))
    expect(grid.locator("#pc-1\\.1 [data-count=simulated]")).to_have_text("1")
    assert_accessible(learner)

    learner.get_by_role("link", name="Evidence log").click()
    rows = learner.locator("#evidence-list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Practice: does not count")).to_have_count(1)
    assert_accessible(learner)
