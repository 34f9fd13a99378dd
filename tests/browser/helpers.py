"""Small steps shared by the browser tests."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from helpdesk.extensions import db
from tests import factories

# Making a PDF is real CPU work (WeasyPrint): beside a second xdist worker on a busy
# 2-core machine it can outlast the 10 s default wait.
PDF_TIMEOUT_MS = 30_000


def sign_in(page: Page, email: str, password: str = factories.PASSWORD) -> None:
    """Sign in through the real login form and wait for the page it leads to."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("button", name=re.compile(r"^Sign out"))).to_be_visible()


def main_nav(page: Page, link: str) -> None:
    """Follow a link of the site's main navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True).click()


def count(model: type) -> int:
    """Rows of ``model`` as the database has them now (not the test session's cache)."""
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model)) or 0
