"""The verifier's export and quality assurance in a browser: "Download PDF" shows its
progress, then offers the prepared file; an IQA draws a sample and judges a decision;
every page checked with axe."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from helpdesk.evidence.decisions import decide
from helpdesk.extensions import db
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import PDF_TIMEOUT_MS, main_nav, sign_in
from tests.export_data import build_portfolio
from tests.portfolio import records


def test_the_pdf_is_prepared_with_progress_then_downloaded(app: Any, page: Page) -> None:
    assessor = factories.make_user("assessor", email="ari@example.com", name="Ari Assessor")
    portfolio = build_portfolio(assessor)
    sign_in(page, "ari@example.com")
    page.goto(f"/portfolio/{portfolio.learner.id}")
    area = page.get_by_role("region", name="Download for an external verifier")
    progress = area.get_by_text("Preparing your PDF…")
    expect(progress).to_be_hidden()
    assert_accessible(page)
    area.get_by_role("link", name="Download PDF").click()
    ready = area.get_by_role("link", name="Download the PDF")
    expect(ready).to_be_visible(timeout=PDF_TIMEOUT_MS)
    expect(progress).to_be_hidden()
    expect(area.get_by_role("status")).to_contain_text("Your PDF is ready")
    assert_accessible(page)
    with page.expect_download() as download:
        ready.click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_an_iqa_samples_decisions_and_disagrees_with_one(app: Any, page: Page) -> None:
    assessor = factories.make_user("assessor", email="ari@example.com", name="Ari Assessor")
    portfolio = build_portfolio(assessor)
    for record in records(portfolio.learner):
        if record.status != "pending":
            continue
        decide(record, assessor, True, "Fine")
    db.session.commit()  # services flush: the live pages see only what is committed
    factories.make_user("iqa", email="ira@example.com", name="Ira Quality")
    sign_in(page, "ira@example.com")
    main_nav(page, "Quality assurance")
    assert_accessible(page)
    page.get_by_role("link", name="Sample decisions of Ari Assessor").click()
    page.get_by_label("Lee Learner").check()
    page.get_by_label("How many decisions to sample").fill("1")
    assert_accessible(page)
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("decisions of Ari Assessor")
    assert_accessible(page)
    item = page.locator(".iqa-item").first
    item.get_by_label("Disagree").check()
    item.get_by_role("button", name="Save the verdict").click()
    expect(item.get_by_text("Say why you disagree")).to_be_visible()
    item.get_by_label("Comment").fill("The feedback should say what to improve")
    item.get_by_role("button", name="Save the verdict").click()
    expect(item.get_by_role("status")).to_have_text("Your verdict is saved.")
    expect(item.get_by_text("The feedback should say what to improve").first).to_be_visible()
    assert_accessible(page)
