"""The export and the IQA pages over HTTP: downloads with their headers, the progress
endpoint, the portfolio page's download area, drawing a sample and judging it, and
everyone else refused on every URL, htmx partials included."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from helpdesk.evidence.decisions import decide
from helpdesk.evidence.export_files import folder
from helpdesk.models import IqaSample, IqaSampleItem
from helpdesk.tickets import resolution
from tests import factories
from tests.export_data import PERSONAL, build_portfolio, customers, pdf_text
from tests.factories import make_learner
from tests.helpers import assert_fragment, count, text
from tests.portfolio import acknowledged_ticket, records

READY = re.compile(r'href="(/portfolio/\d+/export\.pdf\?ready=[A-Za-z0-9_-]+)"')


@pytest.fixture(autouse=True)
def export_folder(app: Flask, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test keeps its prepared PDFs apart (the config names the folder)."""
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path / "exports"))


@pytest.fixture
def portfolio(app: Flask, assessor: Any) -> Any:
    return build_portfolio(assessor)


def assert_no_personal_data(body: str, where: str) -> None:
    lowered = body.lower()
    for value in PERSONAL:
        assert value.lower() not in lowered, f"{value!r} in {where}"


def export_urls(learner_id: int) -> list[str]:
    base = f"/portfolio/{learner_id}"
    return [f"{base}/export.pdf", f"{base}/export.csv"]


def prepared_files() -> list[str]:
    return sorted(p.name for p in folder().glob("*.pdf"))


# --- downloads ----------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["learner", "assessor", "admin"])
def test_the_pdf_and_csv_download_as_attachments_no_cache_keeps(
    client, login_as, request, portfolio, viewer
):
    who = portfolio.learner if viewer == "learner" else request.getfixturevalue(viewer)
    login_as(who)
    pdf = client.get(f"/portfolio/{portfolio.learner.id}/export.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    disposition = pdf.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(
        rf'filename="portfolio-{portfolio.learner.id}-A-\d{{4}}-\d\d-\d\d\.pdf"', disposition
    )
    assert "no-store" in pdf.headers["Cache-Control"]
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    body = pdf_text(pdf.data)
    assert "Portfolio of Lee Learner" in body and "Witness Customer A" in body
    assert_no_personal_data(body, "the downloaded PDF")
    csv = client.get(f"/portfolio/{portfolio.learner.id}/export.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.headers["Content-Disposition"].startswith("attachment;")
    assert csv.headers["Content-Disposition"].endswith('.csv"')
    assert "no-store" in csv.headers["Cache-Control"]
    assert csv.data.startswith(b"\xef\xbb\xbfSection,No,Date,Method,Criteria,Status")
    assert_no_personal_data(csv.data.decode("utf-8-sig"), "the downloaded CSV")


def test_the_portfolio_page_offers_both_downloads_with_a_progress_indication(
    client, login_as, portfolio
):
    learner_id = portfolio.learner.id
    body = text(login_as(portfolio.learner).get(f"/portfolio/{learner_id}"))
    assert 'aria-labelledby="export-heading"' in body
    assert f'id="export-pdf" href="/portfolio/{learner_id}/export.pdf"' in body
    assert f'hx-post="/portfolio/{learner_id}/export/prepare"' in body
    assert 'hx-indicator="#export-progress"' in body
    assert (
        'id="export-progress" class="htmx-indicator small" role="status">Preparing your PDF…'
        in body
    )
    assert f'href="/portfolio/{learner_id}/export.csv">Download CSV</a>' in body


def test_the_progress_endpoint_prepares_the_pdf_then_offers_it_once(
    client, login_as, portfolio, hx
):
    learner_id = portfolio.learner.id
    login_as(portfolio.learner)
    response = client.post(f"/portfolio/{learner_id}/export/prepare", headers=hx)
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body and 'role="status">Your PDF is ready' in body
    link = READY.search(body)
    assert link, body
    url = link.group(1).replace("&amp;", "&")
    assert len(prepared_files()) == 1
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.headers["Content-Disposition"].startswith("attachment;")
    assert "Portfolio of Lee Learner" in pdf_text(first.data)
    assert prepared_files() == []  # taken once
    again = client.get(url)  # made afresh
    assert again.status_code == 200 and again.data.startswith(b"%PDF-")


def test_without_htmx_the_progress_endpoint_redirects_to_the_prepared_file(
    client, login_as, portfolio
):
    login_as(portfolio.learner)
    response = client.post(f"/portfolio/{portfolio.learner.id}/export/prepare")
    assert response.status_code == 303
    assert re.fullmatch(r"/portfolio/\d+/export\.pdf\?ready=[A-Za-z0-9_-]+", response.location)
    assert client.get(response.location).mimetype == "application/pdf"


def test_a_prepared_pdf_is_only_found_by_the_person_who_asked(
    client, login_as, portfolio, assessor, hx
):
    learner_id = portfolio.learner.id
    login_as(assessor)
    url = READY.search(text(client.post(f"/portfolio/{learner_id}/export/prepare", headers=hx)))
    assert url
    client.post("/logout")
    login_as(portfolio.learner)
    assert client.get(url.group(1)).status_code == 200  # made afresh for the learner
    assert len(prepared_files()) == 1  # the assessor's file is still theirs
    assert prepared_files()[0].startswith(f"{assessor.id}-{learner_id}-")


def test_the_progress_endpoint_needs_the_csrf_token(client, login_as, portfolio, hx):
    login_as(portfolio.learner)
    response = client.post(
        f"/portfolio/{portfolio.learner.id}/export/prepare", headers=hx, csrf=False
    )
    assert response.status_code == 400
    assert prepared_files() == []


@pytest.fixture
def outsiders(app: Flask, agent: Any, supervisor: Any, other_customer: Any, iqa: Any) -> Any:
    return {
        "another learner": make_learner("A", email="olly@example.com", name="Olly Learner"),
        "another assessor": factories.make_user("assessor", email="oa@example.com"),
        "agent": agent,
        "supervisor": supervisor,
        "customer": other_customer,
        "iqa": iqa,
    }


@pytest.mark.parametrize(
    "who", ["another learner", "another assessor", "agent", "supervisor", "customer", "iqa"]
)
def test_everyone_else_is_refused_the_export(client, login_as, portfolio, outsiders, who, hx):
    login_as(outsiders[who])
    learner_id = portfolio.learner.id
    for url in export_urls(learner_id):
        for headers in ({}, hx):
            response = client.get(url, headers=headers)
            assert response.status_code == 403, (url, headers)
            assert_no_personal_data(text(response), url)
            assert "Lee Learner" not in text(response)
    for headers in ({}, hx):
        response = client.post(f"/portfolio/{learner_id}/export/prepare", headers=headers)
        assert response.status_code == 403
    assert prepared_files() == []


def test_signed_out_people_are_sent_to_sign_in_for_the_export(client, portfolio, hx):
    for url in export_urls(portfolio.learner.id):
        assert client.get(url).status_code == 302
        assert client.get(url, headers=hx).status_code == 401
    url = f"/portfolio/{portfolio.learner.id}/export/prepare"
    assert client.post(url, headers=hx).status_code == 401


def test_exporting_someone_not_in_learner_mode_is_404(client, login_as, admin, agent):
    login_as(admin)
    assert client.get(f"/portfolio/{agent.id}/export.pdf").status_code == 404
    assert client.get(f"/portfolio/{agent.id}/export.csv").status_code == 404


# --- IQA ----------------------------------------------------------------------------------


@pytest.fixture
def decided(app: Flask, assessor: Any) -> dict[str, Any]:
    casey, priya = customers()
    lee = make_learner("A", assessors=(assessor,), email="lee@example.com")
    mo = make_learner("A", assessors=(assessor,), email="mo@example.com", name="Mo Learner")
    for learner, customer in ((lee, casey), (mo, priya)):
        ticket = acknowledged_ticket(learner, customer, order_ref="ORD-778899")
        resolution.ask_question(ticket, learner, f"{customer.first_name}, which kettle is it?")
    decide(records(lee, "acknowledged")[0], assessor, True, "Casey felt heard")
    decide(records(lee, "question")[0], assessor, False, "Ask Casey Jones an open question")
    decide(records(mo, "acknowledged")[0], assessor, True)
    return {"lee": lee, "mo": mo}


def iqa_urls(sample_id: int) -> list[str]:
    return ["/iqa/", "/iqa/samples", "/iqa/samples/new", f"/iqa/samples/{sample_id}"]


def draw(client: Any, assessor: Any, **fields: Any) -> Any:
    data = {"assessor_id": str(assessor.id), "size": "10"} | fields
    return client.post("/iqa/samples/new", data=data)


def test_the_header_links_an_iqa_to_quality_assurance(client, login_as, iqa, agent):
    assert 'href="/iqa/">Quality assurance</a>' in text(login_as(iqa).get("/iqa/"))
    client.post("/logout")
    assert "Quality assurance" not in text(login_as(agent).get("/staff/tickets"))


def test_the_iqa_sees_assessors_with_their_decision_counts(
    client, login_as, iqa, assessor, decided
):
    body = text(login_as(iqa).get("/iqa/"))
    row = re.search(rf'<tr id="assessor-{assessor.id}">(.*?)</tr>', body, re.S)
    assert row
    assert 'data-count="accepted">2<' in row.group(1)
    assert 'data-count="rejected">1<' in row.group(1)
    assert f'href="/iqa/samples/new?assessor={assessor.id}">Sample decisions' in row.group(1)
    assert "No samples yet" in body


def test_the_iqa_draws_a_sample_and_judges_each_decision(
    client, login_as, iqa, assessor, decided, hx
):
    login_as(iqa)
    form = text(client.get(f"/iqa/samples/new?assessor={assessor.id}"))
    lee = decided["lee"]
    assert f'name="learners" value="{lee.id}"' in form and "Mo Learner" in form
    assert 'name="pcs" value="A:1.2"' in form and 'name="methods" value="WP"' in form
    response = draw(client, assessor, learners=[str(lee.id)])
    assert response.status_code == 302
    sample_id = int(response.location.rsplit("/", 1)[1])
    page = text(client.get(response.location))
    assert f"Sample {sample_id}: decisions of Ari Assessor" in page
    assert "Learners</dt><dd>Lee Learner" in page
    assert "Ask Customer A an open question" in page
    assert "<strong>Rejected</strong> by AA" in page
    assert_no_personal_data(page, "the sample page")
    items = re.findall(r'<li class="card iqa-item" id="item-(\d+)">', page)
    assert len(items) == 2 and count(IqaSampleItem, sample_id=sample_id) == 2
    url = f"/iqa/samples/{sample_id}/items/{items[0]}"
    refused = client.post(url, data={"verdict": "disagree", "comment": ""}, headers=hx)
    assert refused.status_code == 422
    assert_fragment(text(refused), f"item-{items[0]}")
    assert "Say why you disagree" in text(refused)
    saved = client.post(
        url, data={"verdict": "disagree", "comment": "Feedback too thin"}, headers=hx
    )
    assert saved.status_code == 200
    body = text(saved)
    assert_fragment(body, f"item-{items[0]}")
    assert "Your verdict is saved." in body and "<strong>Disagree</strong>" in body
    assert "Feedback too thin" in body
    plain = client.post(f"/iqa/samples/{sample_id}/items/{items[1]}", data={"verdict": "agree"})
    assert plain.status_code == 302 and plain.location.endswith(f"#item-{items[1]}")
    listing = text(client.get("/iqa/samples"))
    assert f'href="/iqa/samples/{sample_id}">Sample {sample_id}</a>' in listing


def test_a_sample_with_no_match_or_bad_input_keeps_what_was_typed(
    client, login_as, iqa, assessor, decided, hx
):
    login_as(iqa)
    response = client.post(
        "/iqa/samples/new",
        data={"assessor_id": str(assessor.id), "size": "10", "methods": ["O"]},
        headers=hx,
    )
    assert response.status_code == 422
    body = text(response)
    assert_fragment(body, "sample-form")
    assert "None of this assessor&#39;s decisions match" in body
    assert 'name="methods" value="O" id="methods-1" checked' in body
    response = draw(client, assessor, size="500")
    assert response.status_code == 422 and "Choose between 1 and 100." in text(response)
    response = draw(client, assessor, pcs=["Z:9"])
    assert response.status_code == 422 and "Choose from the list." in text(response)
    assert count(IqaSample) == 0


def test_with_htmx_a_drawn_sample_redirects_the_page(client, login_as, iqa, assessor, decided, hx):
    login_as(iqa)
    response = client.post(
        "/iqa/samples/new", data={"assessor_id": str(assessor.id), "size": "2"}, headers=hx
    )
    assert response.status_code == 204
    assert re.fullmatch(r"/iqa/samples/\d+", response.headers["HX-Redirect"])


def test_drawing_a_sample_needs_the_csrf_token(client, login_as, iqa, assessor, decided):
    login_as(iqa)
    response = client.post(
        "/iqa/samples/new", data={"assessor_id": str(assessor.id), "size": "2"}, csrf=False
    )
    assert response.status_code == 400 and count(IqaSample) == 0


def test_another_iqa_may_read_a_sample_but_not_judge_it(
    client, login_as, iqa, assessor, decided, hx
):
    login_as(iqa)
    sample_id = int(draw(client, assessor).location.rsplit("/", 1)[1])
    client.post("/logout")
    login_as(factories.make_user("iqa", email="iq2@example.com", name="Second Quality"))
    page = text(client.get(f"/iqa/samples/{sample_id}"))
    assert "Sample" in page and 'name="verdict"' not in page
    [item_id] = re.findall(r'id="item-(\d+)"', page)[:1]
    response = client.post(
        f"/iqa/samples/{sample_id}/items/{item_id}", data={"verdict": "agree"}, headers=hx
    )
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["agent", "assessor", "admin", "learner", "other_customer"])
def test_everyone_but_an_iqa_is_refused_every_iqa_url(
    client, login_as, request, iqa, assessor, decided, who, hx
):
    login_as(iqa)
    sample_id = int(draw(client, assessor).location.rsplit("/", 1)[1])
    item_id = re.findall(r'id="item-(\d+)"', text(client.get(f"/iqa/samples/{sample_id}")))[0]
    client.post("/logout")
    user = decided["lee"] if who == "learner" else request.getfixturevalue(who)
    login_as(user)
    for url in iqa_urls(sample_id):
        for headers in ({}, hx):
            assert client.get(url, headers=headers).status_code == 403, (url, headers)
    for headers in ({}, hx):
        assert draw(client, assessor).status_code == 403
        verdict = client.post(
            f"/iqa/samples/{sample_id}/items/{item_id}", data={"verdict": "agree"}, headers=headers
        )
        assert verdict.status_code == 403
    assert count(IqaSample) == 1


def test_signed_out_people_are_sent_to_sign_in_for_iqa_pages(client, hx):
    for url in ("/iqa/", "/iqa/samples", "/iqa/samples/new"):
        assert client.get(url).status_code == 302
        assert client.get(url, headers=hx).status_code == 401
