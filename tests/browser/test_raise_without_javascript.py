"""Without JavaScript the route suggestions come as a step before the ticket is raised."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page, expect

from helpdesk.models import Ticket
from tests import factories
from tests.browser.helpers import count, main_nav, sign_in


def test_raise_form_shows_suggestions_then_raises_without_javascript(
    app: Flask, new_page: Callable[..., Page]
) -> None:
    customer = factories.make_user("customer", email="casey@example.com", name="Casey Jones")
    factories.make_category("Deliveries")
    factories.make_route(
        kind="article",
        title="Track a late delivery",
        keywords="parcel late delivery tracking courier",
    )
    page = new_page(java_script_enabled=False)
    sign_in(page, customer.email)
    main_nav(page, "Raise a problem")

    page.get_by_label("Subject").fill("Parcel still not here")
    page.get_by_label("What happened?").fill("My parcel is late and tracking has not updated")
    page.get_by_label("What is it about?").select_option(label="Deliveries")
    page.get_by_role("button", name="Raise my problem", exact=True).click()

    # The first post answers with the suggestions, keeps what was typed, and logs nothing.
    suggestions = page.locator("#route-suggestions")
    expect(suggestions.get_by_role("link", name="Track a late delivery")).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value("Parcel still not here")
    expect(page.get_by_label("What is it about?")).to_have_value(re.compile(r"\d+"))
    assert count(Ticket) == 0

    page.get_by_role("button", name="None of these helped: raise my problem").click()
    expect(page).to_have_url(re.compile(r"/my/tickets/\d+$"))
    expect(page.get_by_text(re.compile(r"Your problem is logged as T-\d{6}"))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Parcel still not here")
    assert count(Ticket) == 1
