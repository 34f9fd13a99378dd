"""An admin makes two-factor compulsory for supervisors; a supervisor sets it up and signs in."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import main_nav, sign_in


@pytest.fixture
def emails(app: Flask) -> dict[str, str]:
    admin = factories.make_user("admin", email="ada@example.com", name="Ada Admin")
    supervisor = factories.make_user("supervisor", email="sam@example.com", name="Sam Supervisor")
    return {"admin": admin.email, "supervisor": supervisor.email}


def sign_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile(r"^Sign out")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_a_required_supervisor_sets_up_two_factor_and_signs_in_with_a_code(
    new_page: Any, emails: dict[str, str]
) -> None:
    admin = new_page()
    sign_in(admin, emails["admin"])
    main_nav(admin, "Admin")
    admin.get_by_role("link", name="Settings").click()
    policy = admin.get_by_role("group", name="Require two-factor sign-in for")
    policy.get_by_label("Supervisor").check()
    admin.get_by_role("button", name="Save requirement").click()
    expect(admin.get_by_text("Two-factor requirement saved.")).to_be_visible()
    assert_accessible(admin)

    page = new_page()
    sign_in(page, emails["supervisor"])
    # Every page leads to the set-up first.
    page.goto("/staff/tickets")
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    expect(page.get_by_text("Your role requires two-factor sign-in.")).to_be_visible()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()
    page.goto("/staff/tickets")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ticket queue")

    sign_out(page)
    page.get_by_label("Email").fill(emails["supervisor"])
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    assert_accessible(page)
    # The code that turned it on is spent; the app's next code (one step ahead) works.
    page.get_by_label("Code from your authenticator app").fill(
        pyotp.TOTP(secret).at(time.time() + 30)
    )
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name=re.compile(r"^Sign out"))).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"/login"))
