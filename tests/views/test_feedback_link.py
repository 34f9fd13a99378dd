"""The satisfaction check with witness testimony: from the emailed link without signing
in, and on the signed-in customer's ticket page."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from markupsafe import escape
from sqlalchemy import select

from helpdesk.domain import Status
from helpdesk.extensions import db
from helpdesk.models import EvidenceRecord, SatisfactionResponse, WitnessTestimony
from helpdesk.models.types import utcnow
from tests import factories
from tests.helpers import count, text
from tests.resolving import error_of
from tests.witnesses import feedback_mail_link, resolved_by

WORDING = "I agree that this feedback may be used as witness testimony in Lee's training record"
STATEMENT = "Lee called back when she said she would.\r\nAnd <b>explained</b> the refund & why."


@pytest.fixture
def handled(ticket, learner):
    """A ticket the learner acknowledged, asked about and resolved."""
    return resolved_by(ticket, learner, question=True)


@pytest.fixture
def path(handled, customer) -> str:
    _link, token = feedback_mail_link(customer)
    return f"/feedback/{token}"


def page_text(response) -> str:
    return html.unescape(text(response))


def answer(**changes: str) -> dict[str, str]:
    return {
        "solved": "yes",
        "rating": "5",
        "comment": "",
        "did_well": STATEMENT,
        "consent": "y",
        "witness_name": "Casey J.",
        "witness_contact": "07700 900123",
    } | changes


def wt_records() -> list[EvidenceRecord]:
    return list(db.session.scalars(select(EvidenceRecord).where(EvidenceRecord.method == "WT")))


# --- the email and the link -------------------------------------------------------------


def test_the_resolution_email_carries_a_link_from_the_configured_base(
    app, monkeypatch, client, ticket, learner, customer
):
    monkeypatch.setitem(app.config, "EXTERNAL_BASE_URL", "https://help.example.org/")
    resolved_by(ticket, learner)
    link, token = feedback_mail_link(customer)
    assert link == f"https://help.example.org/feedback/{token}"
    # The link came from configuration; a forged Host header is refused (TRUSTED_HOSTS).
    assert client.get(f"/feedback/{token}").status_code == 200
    assert client.get(f"/feedback/{token}", headers={"Host": "evil.example"}).status_code == 400


def test_the_link_opens_the_form_without_signing_in(client, handled, path):
    response = client.get(path)
    assert response.status_code == 200
    body = page_text(response)
    assert "Is your problem solved?" in body
    assert handled.reference in body and handled.subject in body
    assert "What did Lee do well?" in body
    assert WORDING in body
    assert "Your name as you would like it to appear" in body
    # Nothing of the ticket beyond its subject and reference; no prefilled words.
    assert handled.description not in body
    assert "Casey" not in body and "casey@example.com" not in body
    assert "A new kettle was delivered" not in body and "Which lid is cracked?" not in body
    raw = text(response)
    assert re.search(r'<textarea id="did_well"[^>]*name="did_well"[^>]*>\s*</textarea>', raw)
    assert re.search(r'<input [^>]*name="witness_name" type="text" value="">', raw)
    assert '<input id="consent" name="consent" type="checkbox" value="y">' in raw
    # The checkbox is labelled with the whole sentence.
    assert f'<label for="consent">{escape(WORDING)}</label>' in raw
    assert "<legend>About Lee, who helped you</legend>" in raw


def test_consent_and_a_statement_become_witness_testimony(client, learner, handled, path):
    response = client.post(path, data=answer())
    assert response.status_code == 200
    assert "Thank you" in text(response)
    db.session.refresh(handled)
    assert handled.status == Status.CLOSED_SATISFIED
    response_row = db.session.scalars(select(SatisfactionResponse)).one()
    assert (response_row.customer_id, response_row.rating) == (handled.customer_id, 5)
    assert (response_row.did_well, response_row.testimony_consent) == (STATEMENT, True)
    [record] = wt_records()
    assert (record.learner_id, record.ticket_id, record.action) == (
        learner.id,
        handled.id,
        "customer_confirmed",
    )
    # The statement speaks to a call back (no promise on this ticket) and to being solved:
    # only 3.5, not every PC of the ticket.
    assert [c.code for c in record.live_codes] == ["3.5"]
    testimony = record.testimony
    assert testimony is not None
    assert testimony.statement == STATEMENT
    assert (testimony.witness_name, testimony.relationship_to_learner, testimony.contact) == (
        "Casey J.",
        "Customer",
        "07700 900123",
    )
    assert testimony.ticket_id == handled.id
    assert testimony.consented_at.date() == utcnow().date()


def test_without_consent_it_stays_ordinary_feedback(client, handled, path):
    data = answer()
    del data["consent"]
    assert client.post(path, data=data).status_code == 200
    assert wt_records() == [] and count(WitnessTestimony) == 0
    row = db.session.scalars(select(SatisfactionResponse)).one()
    assert (row.did_well, row.testimony_consent) == (STATEMENT, False)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"did_well": "  "},
            "did_well",
            "Tell us in your own words what Lee did well, "
            "or untick the box to send your answer without it.",
        ),
        (
            {"witness_name": ""},
            "witness_name",
            "Give your name as you would like it to appear, "
            "or untick the box to send your answer without it.",
        ),
    ],
)
def test_consent_without_a_statement_or_name_is_refused_next_to_the_field(
    client, handled, path, changes, field, message
):
    response = client.post(path, data=answer(comment="Quick & kind", **changes))
    assert response.status_code == 422
    assert html.unescape(error_of(text(response), field)) == message
    body = text(response)
    # What was typed is kept, escaped.
    assert "Quick &amp; kind" in body
    if field == "witness_name":
        assert html.escape(STATEMENT, quote=False) in body
    else:
        assert 'value="Casey J."' in body
    assert re.search(r'<input checked id="consent" name="consent" type="checkbox" value="y">', body)
    db.session.refresh(handled)
    assert handled.status == Status.RESOLVED
    assert count(SatisfactionResponse) == 0 and wt_records() == []
    # The link still works after a refused answer.
    assert client.post(path, data=answer()).status_code == 200
    assert len(wt_records()) == 1


def test_the_form_needs_its_csrf_token(client, handled, path):
    response = client.post(path, data=answer(), csrf=False)
    assert response.status_code == 400
    assert count(SatisfactionResponse) == 0


def test_a_used_link_is_refused_the_second_time(client, handled, path):
    assert client.post(path, data=answer()).status_code == 200
    for again in (client.get(path), client.post(path, data=answer(witness_name="Someone else"))):
        assert again.status_code == 410
        body = text(again)
        assert "This link cannot be used" in body and "/login" in body
        assert handled.subject not in body and handled.reference not in body
    assert count(SatisfactionResponse) == 1 and len(wt_records()) == 1


def test_not_solved_through_the_link_reopens_it(client, handled, path):
    response = client.post(path, data=answer(solved="no", rating="", comment="Still leaks"))
    assert response.status_code == 200
    assert "reopened" in text(response)
    db.session.refresh(handled)
    assert handled.status == Status.ACKNOWLEDGED
    assert client.get(path).status_code == 410


def test_the_link_expires(client, ticket, learner, customer):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        resolved_by(ticket, learner)
    _link, token = feedback_mail_link(customer)
    with time_machine.travel(start + timedelta(days=13), tick=False):
        assert client.get(f"/feedback/{token}").status_code == 200
    with time_machine.travel(start + timedelta(days=15), tick=False):
        for response in (
            client.get(f"/feedback/{token}"),
            client.post(f"/feedback/{token}", data=answer()),
        ):
            assert response.status_code == 410
            assert "This link has expired." in text(response)
    assert count(SatisfactionResponse) == 0


@pytest.mark.parametrize(
    "token",
    [
        "tampered",
        "WzEsMV0.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "%00",
        "é" * 50,
        "a" * 5000,
    ],
)
def test_a_bad_token_is_refused_never_a_500(client, handled, token):
    for response in (client.get(f"/feedback/{token}"), client.post(f"/feedback/{token}")):
        assert response.status_code == 400
        assert "This link cannot be used" in text(response)


def test_a_tampered_token_is_refused(client, handled, path):
    tampered = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
    assert client.get(tampered).status_code == 400
    assert client.post(tampered, data=answer()).status_code == 400
    assert count(SatisfactionResponse) == 0


def test_a_ticket_no_learner_handled_shows_and_takes_no_testimony(client, ticket, agent, customer):
    resolved_by(ticket, agent)
    _link, token = feedback_mail_link(customer)
    body = text(client.get(f"/feedback/{token}"))
    assert 'name="did_well"' not in body and 'name="consent"' not in body
    assert "witness testimony" not in body
    assert client.post(f"/feedback/{token}", data=answer()).status_code == 200
    row = db.session.scalars(select(SatisfactionResponse)).one()
    assert (row.did_well, row.testimony_consent) == ("", False)
    assert wt_records() == []


def test_customer_text_is_escaped(client, customer, category, learner):
    ticket = factories.make_ticket(
        customer=customer, category=category, subject="<script>alert(1)</script> lid"
    )
    resolved_by(ticket, learner)
    _link, token = feedback_mail_link(customer)
    page = text(client.get(f"/feedback/{token}"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; lid" in page
    refused = client.post(
        f"/feedback/{token}", data=answer(witness_name="", did_well="<img src=x onerror=alert(1)>")
    )
    assert refused.status_code == 422
    assert "<img src=x" not in text(refused)
    assert "&lt;img src=x onerror=alert(1)&gt;" in text(refused)


def test_a_simulated_tickets_statement_is_marked_simulated(client, customer, category, learner):
    demo = factories.make_ticket(customer=customer, category=category, is_simulated=True)
    resolved_by(demo, learner)
    _link, token = feedback_mail_link(customer)
    assert client.post(f"/feedback/{token}", data=answer()).status_code == 200
    [record] = wt_records()
    assert record.is_simulated is True


def test_a_signed_in_other_person_gains_nothing_beyond_the_link(
    login_as, other_customer, handled, path
):
    client = login_as(other_customer)
    body = page_text(client.get(path))
    assert handled.reference in body and WORDING in body
    assert client.post(path, data=answer()).status_code == 200
    row = db.session.scalars(select(SatisfactionResponse)).one()
    assert row.customer_id == handled.customer_id  # answered as the ticket's customer


# --- the signed-in customer's resolution check ------------------------------------------


def test_the_ticket_page_asks_the_same_when_a_learner_handled_it(login_as, customer, handled):
    client = login_as(customer)
    page = f"/my/tickets/{handled.id}"
    body = page_text(client.get(page))
    assert "What did Lee do well?" in body and WORDING in body
    refused = client.post(f"{page}/confirm", data=answer(did_well=""))
    assert refused.status_code == 422
    assert "what Lee did well" in html.unescape(error_of(text(refused), "did_well"))
    assert 'value="Casey J."' in text(refused)
    assert count(SatisfactionResponse) == 0
    assert client.post(f"{page}/confirm", data=answer()).status_code == 302
    [record] = wt_records()
    assert record.testimony is not None
    assert record.testimony.statement == STATEMENT
    assert record.testimony.witness_name == "Casey J."
    db.session.refresh(handled)
    assert handled.status == Status.CLOSED_SATISFIED


def test_the_ticket_page_over_htmx_keeps_typed_values(login_as, customer, handled, hx):
    client = login_as(customer)
    page = f"/my/tickets/{handled.id}"
    refused = client.post(f"{page}/confirm", data=answer(witness_name=" "), headers=hx)
    assert refused.status_code == 422
    assert "<html" not in text(refused)
    assert "Give your name" in html.unescape(error_of(text(refused), "witness_name"))
    assert html.escape(STATEMENT, quote=False) in text(refused)
    ok = client.post(f"{page}/confirm", data=answer(), headers=hx)
    assert ok.status_code == 200 and len(wt_records()) == 1


def test_the_ticket_page_asks_nothing_of_a_ticket_no_learner_handled(
    login_as, customer, ticket, agent
):
    resolved_by(ticket, agent)
    client = login_as(customer)
    page = f"/my/tickets/{ticket.id}"
    body = text(client.get(page))
    assert "Is your problem solved?" in body and 'name="did_well"' not in body
    assert client.post(f"{page}/confirm", data=answer()).status_code == 302
    row = db.session.scalars(select(SatisfactionResponse)).one()
    assert (row.did_well, row.testimony_consent) == ("", False)
    assert wt_records() == []


def test_the_emailed_link_is_spent_once_answered_on_the_ticket_page(
    login_as, customer, handled, path
):
    client = login_as(customer)
    confirmed = client.post(f"/my/tickets/{handled.id}/confirm", data=answer(consent=""))
    assert confirmed.status_code == 302
    assert client.get(path).status_code == 410
