"""The verifier's export: every section in the PDF and the CSV, no customer's personal
data anywhere, nothing fetched that content names, spreadsheet formulas neutralised, and
a portfolio of 500 evidence items exported whole."""

from __future__ import annotations

import csv
import io
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from helpdesk.evidence.export import (
    CSV_COLUMNS,
    STATIC_SCHEME,
    FetchRefused,
    StaticOnlyFetcher,
    build_export,
    html_to_pdf,
    neutralise,
    render_csv,
    render_pdf,
)
from helpdesk.extensions import db
from helpdesk.models import EvidenceCode, EvidenceRecord, KnowledgeRecord, Observation, SignOff
from tests.export_data import (
    CSS_URL,
    IMG,
    LINK,
    PERSONAL,
    T0,
    build_portfolio,
    customers,
    pdf_text,
)
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket, profile_of

# --- watching what the process opens and connects to ---------------------------------------

_WATCHERS: list[list[tuple[str, str]]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _WATCHERS and (event == "open" or event.startswith(("socket.", "urllib."))):
        _WATCHERS[-1].append((event, str(args[0]) if args else ""))


sys.addaudithook(_audit)  # inert unless a test is watching


@contextmanager
def watching() -> Iterator[list[tuple[str, str]]]:
    """Every file opened and every socket or urllib call made inside the block."""
    events: list[tuple[str, str]] = []
    _WATCHERS.append(events)
    try:
        yield events
    finally:
        _WATCHERS.pop()


@contextmanager
def listener() -> Iterator[tuple[int, socket.socket]]:
    """A real loopback port that would see any connection the renderer made."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    try:
        yield server.getsockname()[1], server
    finally:
        server.close()


def connections(server: socket.socket) -> int:
    found = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return found
        conn.close()
        found += 1


def no_network(events: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [e for e in events if e[0] != "open"]


def opened(events: list[tuple[str, str]]) -> list[str]:
    return [path for event, path in events if event == "open"]


@pytest.fixture
def portfolio(app: Flask, assessor: Any) -> Any:
    return build_portfolio(assessor)


def squash(text: str) -> str:
    return "".join(text.split())


def assert_no_personal_data(text: str, where: str) -> None:
    lowered = text.lower()
    for value in PERSONAL:
        assert value.lower() not in lowered, f"{value!r} in {where}"


# --- the PDF ------------------------------------------------------------------------------


def test_the_pdf_has_every_section_and_no_customers_personal_data(app, portfolio):
    export = build_export(profile_of(portfolio.learner))
    fetcher = StaticOnlyFetcher(app.static_folder)
    with watching() as events:
        pdf = render_pdf(export, fetcher)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    # The cover.
    for words in (
        "Portfolio of Lee Learner",
        "Resolve customer service problems",
        "Assessor Ari Assessor",
        "In learner mode since",
        "Evidence dated 02 Mar 2026 to",
        "Sign-off Not signed off",
        "Performance criteria met 0 of 16",
    ):
        assert words in text, words
    # The coverage grid, the evidence log in the unit's layout.
    assert "1.1 listen carefully to customers" in text
    assert "Outcome 1: Spot customer service problems" in text
    assert "No Method Summary of evidence, or portfolio reference Assessor initials Date" in text
    first = export.log[0]
    assert first.method == "WP" and first.initials == "AA"
    assert f"{first.no} WP Listen and restate the problem on {portfolio.first.reference}" in text
    assert f"Ticket {portfolio.first.reference}" in text
    assert "Assessor feedback: Good, Customer A was happy" in text
    # Witness testimony with its witness fields, observation, knowledge, reflection.
    for words in (
        "Witness Customer A",
        "Relationship to the learner Customer",
        "Date (consent given) 03 Mar 2026",
        "“Lee listened to me, Customer A, and rang me back on [phone removed].”",
        "Observation",
        "Took a call from Customer A about order [reference removed]",
        "Criteria observed 1.1, 1.2",
        "Knowledge record",
        "What would you do if Customer B complained again?",
        "Calming Customer A down",
        "Customer A ([phone removed]) had a cracked kettle",
    ):
        assert words in text, words
    assert_no_personal_data(text, "the PDF")
    assert fetcher.served == [STATIC_SCHEME + "css/export.css"]
    assert fetcher.refused == []
    assert no_network(events) == []


def test_references_planted_in_ticket_text_and_reflections_are_text_not_fetched(
    app, assessor, tmp_path
):
    secret = tmp_path / "secret.css"
    secret.write_text('body::after { content: "LEAKED-FILE" }')
    with listener() as (port, server):
        planted = (
            f'{IMG} <link rel="stylesheet" href="http://127.0.0.1:{port}/x.css"> {LINK} '
            f"{CSS_URL} <style>@import url(file://{secret});</style>"
        )
        portfolio = build_portfolio(assessor, planted=planted)
        export = build_export(profile_of(portfolio.learner))
        fetcher = StaticOnlyFetcher(app.static_folder)
        with watching() as events:
            text = pdf_text(render_pdf(export, fetcher))
        assert connections(server) == 0
    # Shown escaped, as the words typed, in the ticket's update and in the reflection
    # (a long URL may wrap onto the next line, so compare without the spaces).
    flat = squash(text)
    assert flat.count(squash(IMG)) == 2
    assert flat.count(squash(f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">')) == 2
    assert flat.count(squash(LINK)) == 2
    assert flat.count(squash(CSS_URL)) == 2
    # The update's summary is shortened (to 240 characters); the reflection keeps it all.
    assert flat.count(squash(f"<style>@import url(file://{secret});</style>")) == 1
    assert "LEAKED-FILE" not in text
    # Nothing named by content reached the fetcher; nothing was opened or connected to.
    assert fetcher.served == [STATIC_SCHEME + "css/export.css"]
    assert fetcher.refused == []
    assert no_network(events) == []
    paths = opened(events)
    assert not any(p.startswith(("/etc/", str(tmp_path))) for p in paths), paths


def test_html_that_names_files_and_urls_gets_them_refused_by_the_fetcher(app, tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text('body::after { content: "LEAKED-FILE" }')
    with listener() as (port, server):
        html = (
            "<html><head>"
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
            f'<link rel="stylesheet" href="file://{secret}">'
            "</head><body><p>Visible words</p>"
            '<img src="file:///etc/passwd" alt="">'
            f'<div style="background: url(http://127.0.0.1:{port}/a.png)">x</div>'
            '<img src="relative.png" alt="">'
            f'<img src="{STATIC_SCHEME}../helpdesk/config.py" alt="">'
            "</body></html>"
        )
        fetcher = StaticOnlyFetcher(app.static_folder)
        with watching() as events:
            text = pdf_text(html_to_pdf(html, fetcher))
        assert connections(server) == 0
    assert "Visible words" in text and "LEAKED-FILE" not in text
    assert set(fetcher.refused) == {
        f"http://127.0.0.1:{port}/x.css",
        f"file://{secret}",
        "file:///etc/passwd",
        f"http://127.0.0.1:{port}/a.png",
        f"{STATIC_SCHEME}../helpdesk/config.py",
    }
    assert fetcher.served == [STATIC_SCHEME + "css/export.css"]
    assert no_network(events) == []
    assert not any(p.startswith(("/etc/", str(tmp_path))) for p in opened(events))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.com/a.png",
        "data:text/css,body{}",
        "css/export.css",
        "/css/export.css",
        f"{STATIC_SCHEME}",
        f"{STATIC_SCHEME}/etc/passwd",
        f"{STATIC_SCHEME}../helpdesk/config.py",
        f"{STATIC_SCHEME}css/../../helpdesk/config.py",
        f"{STATIC_SCHEME}css/%2e%2e/app.css",
        f"{STATIC_SCHEME}css/export.css?x=1",
        f"{STATIC_SCHEME}css/missing.css",
        f"{STATIC_SCHEME}vendor/htmx-2.0.11/htmx.min.js",
    ],
)
def test_the_fetcher_serves_static_files_only(app, url):
    fetcher = StaticOnlyFetcher(app.static_folder)
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url] and fetcher.served == []


def test_the_fetcher_serves_the_export_stylesheet_by_path(app):
    fetcher = StaticOnlyFetcher(app.static_folder)
    response = fetcher.fetch(STATIC_SCHEME + "css/export.css")
    body = response.read()
    response.close()
    assert body == (Path(app.static_folder) / "css" / "export.css").read_bytes()
    assert response.content_type == "text/css"
    assert b"url(" not in body and b"@import" not in body and b"@font-face" not in body


def test_a_sign_off_beside_unmet_rules_does_not_say_signed_off(app, portfolio):
    # Issue 12: a sign-off whose own rule version is not met (this portfolio meets few of
    # them) never shows "Signed off"; test_rule_versions shows a met one that does.
    when = T0 + timedelta(days=30)
    db.session.add(
        SignOff(
            learner_id=portfolio.learner.id,
            framework="A",
            assessor_id=portfolio.assessor.id,
            learner_declared_at=when,
            assessor_declared_at=when,
            signed_off_at=when,
        )
    )
    db.session.commit()
    export = build_export(profile_of(portfolio.learner))
    assert not export.cover.sign_off.signed
    text = pdf_text(render_pdf(export))
    assert "Sign-off Signed off on 01 Apr 2026" not in text
    assert "Signed off on 01 April 2026 under rule version 1, but" in " ".join(text.split())
    assert "Learner's declaration: 01 Apr 2026" in text


# --- the CSV ------------------------------------------------------------------------------


def read_csv(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_has_every_section_in_one_table_and_no_personal_data(app, portfolio):
    export = build_export(profile_of(portfolio.learner))
    body = render_csv(export)
    rows = read_csv(body)
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    sections = {r["Section"] for r in rows}
    assert sections == {
        "Cover",
        "Coverage",
        "Evidence log",
        "Witness testimony",
        "Observation",
        "Knowledge",
        "Reflective account",
    }
    log = [r for r in rows if r["Section"] == "Evidence log"]
    assert [int(r["No"]) for r in log] == [e.no for e in export.log]
    ack = log[0]
    assert ack["Method"] == "WP" and ack["Assessor initials"] == "AA"
    assert ack["Date"] == "2026-03-02" and ack["Criteria"] == "1.1"
    assert ack["Portfolio reference"] == f"Ticket {portfolio.first.reference}"
    assert ack["Summary of evidence"].startswith("Listen and restate the problem on T-")
    [wt] = [r for r in rows if r["Section"] == "Witness testimony"]
    assert wt["Details"].startswith("Witness: Customer A; relationship: Customer")
    assert "[phone removed]" in wt["Summary of evidence"]
    cover = {r["Summary of evidence"]: r["Details"] for r in rows if r["Section"] == "Cover"}
    assert cover["Learner"] == "Lee Learner" and cover["Assessor(s)"] == "Ari Assessor"
    assert cover["Sign-off"].startswith("Not signed off")
    assert_no_personal_data(body, "the CSV")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise_puts_an_apostrophe_before_a_formula(start):
    assert neutralise(f"{start}1+1") == f"'{start}1+1"


def test_neutralise_leaves_ordinary_cells_alone():
    assert neutralise("Customer A said =1") == "Customer A said =1"
    assert neutralise(12) == "12" and neutralise(None) == "" and neutralise("") == ""


def test_no_csv_cell_starts_a_formula_whatever_was_typed(app, assessor):
    portfolio = build_portfolio(assessor)
    learner = portfolio.learner
    db.session.add_all(
        [
            KnowledgeRecord(
                learner_id=learner.id,
                framework="A",
                method="WR",
                codes=["4.2"],
                questions='=HYPERLINK("http://evil.example","x")',
                answers="\tTabbed",
            ),
            KnowledgeRecord(learner_id=learner.id, framework="A", method="Q", questions="+1+1"),
            KnowledgeRecord(learner_id=learner.id, framework="A", method="Q", questions="-2+3"),
            KnowledgeRecord(learner_id=learner.id, framework="A", method="Q", questions="@SUM(A1)"),
            KnowledgeRecord(learner_id=learner.id, framework="A", method="Q", questions="\tTab"),
            KnowledgeRecord(learner_id=learner.id, framework="A", method="Q", questions="\rCR"),
            Observation(
                learner_id=learner.id,
                assessor_id=assessor.id,
                framework="A",
                activity="=cmd|' /C calc'!A0",
            ),
        ]
    )
    db.session.commit()
    body = render_csv(build_export(profile_of(learner)))
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []
    for typed in ('=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab"):
        assert f"'{typed}" in cells, typed
    assert "'\rCR" in cells and "'=cmd|' /C calc'!A0" in cells


# --- a large portfolio --------------------------------------------------------------------


def test_a_portfolio_of_500_evidence_items_exports_whole(app, assessor):
    casey, priya = customers()
    learner = make_learner("A", assessors=(assessor,), email="lee@example.com")
    tickets = [
        acknowledged_ticket(learner, casey if i % 2 else priya, at=T0 + timedelta(days=i))
        for i in range(5)
    ]
    codes = ("1.1", "1.2", "2.1", "2.3", "3.4")
    have = db.session.query(EvidenceRecord).filter_by(learner_id=learner.id).count()
    for i in range(500 - have):
        status = ("accepted", "pending", "rejected")[i % 3]
        db.session.add(
            EvidenceRecord(
                learner_id=learner.id,
                framework="A",
                action="update",
                method="WP",
                ticket_id=tickets[i % 5].id,
                summary=f"Sent an update on {tickets[i % 5].reference}: “Item {i}, Casey Jones, "
                "your replacement is on its way and should arrive tomorrow morning.”",
                status=status,
                assessor_initials="" if status == "pending" else "AA",
                occurred_at=T0 + timedelta(hours=i),
                codes=[EvidenceCode(code=codes[i % 5], kind="pc")],
            )
        )
    db.session.commit()
    export = build_export(profile_of(learner))
    assert len(export.log) == 500
    pdf = render_pdf(export)
    body = render_csv(export)
    text = pdf_text(pdf)
    assert f"{export.log[-1].no} WP Sent an update" in text
    assert f"Item {499 - have}, Customer" in text
    assert len([r for r in read_csv(body) if r["Section"] == "Evidence log"]) == 500
    assert_no_personal_data(text, "the 500-item PDF")


def test_an_empty_portfolio_exports_with_its_empty_states(app, assessor):
    learner = make_learner("B", assessors=(assessor,), email="lee@example.com")
    export = build_export(profile_of(learner))
    text = pdf_text(render_pdf(export))
    assert "Evidence dated No evidence yet" in text
    assert "Resolve customer service problems (NVQ numbering)" in text
    for empty in ("No evidence yet.", "No witness testimonies.", "No observations recorded."):
        assert empty in text
    rows = read_csv(render_csv(export))
    assert {r["Section"] for r in rows} == {"Cover", "Coverage"}
