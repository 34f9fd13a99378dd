"""The customer portal: raising a problem, seeing it, and adding to it."""

from __future__ import annotations

import re
import uuid

import pytest

from helpdesk.domain import Channel, Origin, Status
from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.tickets import services
from tests import factories
from tests.conftest import login
from tests.helpers import (
    assert_fragment,
    close,
    count,
    text,
    wait_for_customer,
    without_csrf,
)

SUBJECT = "Kettle lid cracked"
DESCRIPTION = "The lid cracked the first time I boiled water in it."


def raise_data(category, **changes):
    return {
        "subject": SUBJECT,
        "description": DESCRIPTION,
        "category_id": str(category.id),
        "order_ref": "ORD-77",
        "idempotency_key": uuid.uuid4().hex,
        "routes_seen": "",
    } | changes


def error_of(body: str, field: str) -> str:
    """The message shown next to ``field`` (empty when there is none)."""
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', body)
    return found.group(1) if found else ""


# --- raising a problem ---------------------------------------------------------------


def test_raise_form_offers_a_fresh_idempotency_key(login_as, customer, category):
    client = login_as(customer)
    response = client.get("/my/raise")
    assert response.status_code == 200
    assert re.search(r'name="idempotency_key" type="hidden" value="[0-9a-f]{32}"', text(response))
    assert "Deliveries" in text(response)


def test_raise_without_matching_routes_goes_straight_through(login_as, customer, category):
    client = login_as(customer)
    response = client.post("/my/raise", data=raise_data(category))
    ticket = db.session.scalar(db.select(Ticket))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/my/tickets/{ticket.id}"
    assert ticket.subject == SUBJECT
    assert ticket.customer_id == customer.id
    assert ticket.channel == Channel.WEB
    assert ticket.origin == Origin.CUSTOMER
    assert ticket.order_ref == "ORD-77"
    page = client.get(response.headers["Location"])
    assert f"Your problem is logged as {ticket.reference}" in text(page)
    assert DESCRIPTION in text(page)


def test_matching_routes_come_as_a_step_before_the_ticket(login_as, customer, category):
    route = factories.make_route(
        title="Replacing a cracked kettle lid", keywords="kettle lid", summary="Order a new lid."
    )
    client = login_as(customer)
    data = raise_data(category)

    first = client.post("/my/raise", data=data)

    body = text(first)
    assert first.status_code == 200
    assert count(Ticket) == 0
    assert route.title in body
    assert f"/help/routes/{route.id}/solved" in body
    assert 'id="routes-seen" value="1"' in body
    assert "None of these helped: raise my problem" in body
    # What was typed is still there for the second step.
    assert f'value="{SUBJECT}"' in body
    assert DESCRIPTION in body
    assert data["idempotency_key"] in body

    second = client.post("/my/raise", data=data | {"routes_seen": "1"})

    assert second.status_code == 302
    ticket = db.session.scalar(db.select(Ticket))
    assert second.headers["Location"] == f"/my/tickets/{ticket.id}"
    assert count(Ticket) == 1


BAD_FIELDS = [
    pytest.param("subject", "", "Tell us in a few words what is wrong.", id="empty-subject"),
    pytest.param("subject", "   ", "Tell us in a few words what is wrong.", id="blank-subject"),
    pytest.param("subject", "s" * 201, "200 characters", id="long-subject"),
    pytest.param("description", "", "Describe the problem so we can help.", id="empty-desc"),
    pytest.param("description", "d" * 10_001, "10000 characters", id="long-desc"),
    pytest.param("order_ref", "r" * 61, "60 characters", id="long-ref"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_FIELDS)
def test_raise_refuses_bad_fields_and_keeps_the_rest(
    login_as, customer, category, field, value, message
):
    client = login_as(customer)
    response = client.post("/my/raise", data=raise_data(category, **{field: value}))
    body = text(response)
    assert response.status_code == 422
    assert message in error_of(body, field)
    for other, typed in (
        ("subject", SUBJECT),
        ("description", DESCRIPTION),
        ("order_ref", "ORD-77"),
    ):
        if other != field:
            assert typed in body, f"{other} was not kept"
    if value.strip():
        assert value in body, "the oversized text was thrown away"
    assert count(Ticket) == 0


@pytest.mark.parametrize(
    ("category_id", "message"),
    [("99999", "Choose one of the listed options"), ("", "Choose a topic."), ("abc", "Choose")],
)
def test_raise_refuses_a_category_not_on_offer(login_as, customer, category, category_id, message):
    client = login_as(customer)
    response = client.post("/my/raise", data=raise_data(category, category_id=category_id))
    body = text(response)
    assert response.status_code == 422
    assert message in error_of(body, "category_id")
    assert SUBJECT in body and DESCRIPTION in body
    assert count(Ticket) == 0


def test_raise_refuses_an_inactive_category(login_as, customer, category):
    category.active = False
    db.session.commit()
    client = login_as(customer)
    response = client.post("/my/raise", data=raise_data(category))
    assert response.status_code == 422
    assert "Choose one of the listed options" in error_of(text(response), "category_id")


def test_a_double_submitted_raise_makes_one_ticket(login_as, customer, category):
    client = login_as(customer)
    data = raise_data(category)
    first = client.post("/my/raise", data=data)
    second = client.post("/my/raise", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Ticket) == 1
    assert count(TicketEvent, kind="created") == 1


def test_raise_without_a_csrf_token_is_refused(login_as, customer, category):
    client = login_as(customer)
    missing = client.post("/my/raise", data=raise_data(category), csrf=False)
    wrong = client.post("/my/raise", data=raise_data(category), headers={"X-CSRFToken": "wrong"})
    assert missing.status_code == wrong.status_code == 400
    assert "not sent from this site" in text(missing)
    assert count(Ticket) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Lamp\x00"),
        ("description", "Broken\x00lamp"),
        ("order_ref", "\x00"),
        ("idempotency_key", "k" * 65),
    ],
)
def test_raise_refuses_forged_values_with_400_not_500(login_as, customer, category, field, value):
    # A NUL or an overlong key cannot come from our form; PostgreSQL would choke on them.
    client = login_as(customer)
    response = client.post("/my/raise", data=raise_data(category, **{field: value}))
    assert response.status_code == 400
    assert count(Ticket) == 0


def test_raise_needs_a_signed_in_customer(client, hx, agent, category):
    page = client.get("/my/raise")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login?next=/my/raise")
    assert client.get("/my/raise", headers=hx).status_code == 401
    assert client.post("/my/raise", data=raise_data(category)).status_code == 302
    login(client, agent.email)
    assert client.get("/my/raise").status_code == 403
    assert client.post("/my/raise", data=raise_data(category)).status_code == 403
    assert count(Ticket) == 0


# --- the customer's own tickets ------------------------------------------------------


def test_my_tickets_lists_only_my_own(login_as, customer, other_customer, category):
    mine = factories.make_ticket(customer=customer, category=category, subject="My kettle")
    factories.make_ticket(customer=other_customer, category=category, subject="Olive's toaster")
    client = login_as(customer)
    body = text(client.get("/my/tickets"))
    assert mine.reference in body and "My kettle" in body
    assert "Olive&#39;s toaster" not in body and "Olive's toaster" not in body


@pytest.mark.parametrize("before", ["abc", "-1", "²", "99999999999999999999999", ""])
def test_my_tickets_ignores_a_mangled_cursor(login_as, customer, before):
    client = login_as(customer)
    assert client.get(f"/my/tickets?before={before}").status_code == 200


def test_my_tickets_pages_by_id(login_as, customer, category, monkeypatch):
    monkeypatch.setattr("helpdesk.portal.views.PAGE_SIZE", 2)
    made = [factories.make_ticket(customer=customer, subject=f"Problem {n}") for n in range(5)]
    client = login_as(customer)
    first = text(client.get("/my/tickets"))
    older = re.search(r'href="/my/tickets\?before=(\d+)"', first)
    assert older is not None
    second = text(client.get(f"/my/tickets?before={older.group(1)}"))
    assert made[4].reference in first and made[3].reference in first
    assert made[2].reference in second and made[1].reference in second
    assert made[4].reference not in second


def test_my_tickets_htmx_gets_the_list_only(login_as, customer, ticket, hx):
    client = login_as(customer)
    response = client.get("/my/tickets", headers=hx)
    assert_fragment(text(response), "ticket-list")
    assert "HX-Request" in response.headers["Vary"]


def test_customer_sees_only_public_events(login_as, customer, ticket, agent):
    services.acknowledge(ticket, agent, need="A new lid", impact="No tea", feeling="Cross")
    services.add_note(ticket, agent, "Internal: supplier batch 42 is faulty")
    services.reply(ticket, agent, "A new lid is on its way.")
    client = login_as(customer)
    body = text(client.get(f"/my/tickets/{ticket.id}"))
    assert "A new lid is on its way." in body
    assert "A new lid" in body and "No tea" in body
    assert "supplier batch 42" not in body
    assert "Internal:" not in body
    assert "Alex (" in body  # staff are shown by first name with the organisation


def test_a_forged_ticket_id_is_not_found(login_as, customer, hx):
    client = login_as(customer)
    for url in ("/my/tickets/99999", "/my/tickets/99999999999999999999999"):
        assert client.get(url).status_code == 404
    assert client.get("/my/tickets/99999", headers=hx).status_code == 404
    reply = client.post("/my/tickets/99999/reply", data={"body": "Hi", "idempotency_key": "k"})
    assert reply.status_code == 404


def test_another_customers_ticket_looks_like_a_missing_one(login_as, other_customer, ticket):
    client = login_as(other_customer)
    theirs = client.get(f"/my/tickets/{ticket.id}")
    missing = client.get("/my/tickets/99999")
    assert theirs.status_code == missing.status_code == 404
    assert without_csrf(text(theirs)) == without_csrf(text(missing))
    assert ticket.subject not in text(theirs)
    posted = client.post(f"/my/tickets/{ticket.id}/reply", data={"body": "Mine now"})
    assert posted.status_code == 404
    assert count(TicketEvent, kind="customer_message") == 0


def test_customer_text_is_escaped(login_as, customer, category):
    nasty = factories.make_ticket(
        customer=customer,
        category=category,
        subject="<script>alert(1)</script>",
        description='<img src=x onerror="alert(2)">',
    )
    client = login_as(customer)
    for url in ("/my/tickets", f"/my/tickets/{nasty.id}"):
        body = text(client.get(url))
        assert "<script>alert(1)</script>" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
    assert "<img src=x" not in text(client.get(f"/my/tickets/{nasty.id}"))


# --- the customer adds to their ticket -----------------------------------------------


def reply_data(body="Here is a photo of the lid.", key=None):
    return {"body": body, "idempotency_key": key or uuid.uuid4().hex}


def test_customer_reply_as_a_full_page_post_redirects_back(login_as, customer, ticket):
    client = login_as(customer)
    response = client.post(f"/my/tickets/{ticket.id}/reply", data=reply_data())
    assert response.status_code == 302
    assert response.headers["Location"] == f"/my/tickets/{ticket.id}"
    page = text(client.get(response.headers["Location"]))
    assert "Your message has been added." in page
    assert "Here is a photo of the lid." in page


def test_customer_reply_over_htmx_returns_the_conversation(login_as, customer, ticket, hx):
    client = login_as(customer)
    response = client.post(f"/my/tickets/{ticket.id}/reply", data=reply_data(), headers=hx)
    assert response.status_code == 200
    body = text(response)
    assert_fragment(body, "conversation")
    assert "Here is a photo of the lid." in body


def test_a_double_submitted_customer_reply_adds_one_message(login_as, customer, ticket):
    client = login_as(customer)
    data = reply_data()
    assert client.post(f"/my/tickets/{ticket.id}/reply", data=data).status_code == 302
    assert client.post(f"/my/tickets/{ticket.id}/reply", data=data).status_code == 302
    assert count(TicketEvent, kind="customer_message") == 1


def test_customer_reply_to_a_ticket_awaiting_them_puts_it_back_to_work(
    login_as, customer, ticket, agent
):
    wait_for_customer(ticket, agent)
    client = login_as(customer)
    client.post(f"/my/tickets/{ticket.id}/reply", data=reply_data())
    db.session.refresh(ticket)
    assert ticket.status == Status.ACKNOWLEDGED


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "Write a message first."), ("  ", "Write a message first."), ("m" * 10_001, "10000")],
)
def test_customer_reply_refuses_an_empty_or_oversized_message(
    login_as, customer, ticket, body, message
):
    client = login_as(customer)
    response = client.post(f"/my/tickets/{ticket.id}/reply", data=reply_data(body))
    assert response.status_code == 422
    assert message in error_of(text(response), "body")
    if body.strip():
        assert body in text(response)
    assert count(TicketEvent, kind="customer_message") == 0


def test_a_closed_ticket_cannot_be_replied_to(login_as, customer, ticket, agent, hx):
    close(ticket, agent)
    client = login_as(customer)
    page = text(client.get(f"/my/tickets/{ticket.id}"))
    assert "Send message" not in page
    for headers in ({}, hx):
        response = client.post(
            f"/my/tickets/{ticket.id}/reply", data=reply_data("Still broken"), headers=headers
        )
        assert response.status_code == 422
        assert "This ticket is closed" in text(response)
    assert count(TicketEvent, kind="customer_message") == 0


@pytest.mark.parametrize(
    "data", [{"body": "Hi\x00"}, {"body": "Hi", "idempotency_key": "k" * 65}], ids=["nul", "key"]
)
def test_customer_reply_refuses_forged_values(login_as, customer, ticket, data):
    client = login_as(customer)
    assert client.post(f"/my/tickets/{ticket.id}/reply", data=data).status_code == 400
    assert count(TicketEvent, kind="customer_message") == 0


def test_customer_reply_without_a_csrf_token_is_refused(login_as, customer, ticket):
    client = login_as(customer)
    response = client.post(f"/my/tickets/{ticket.id}/reply", data=reply_data(), csrf=False)
    assert response.status_code == 400
    assert count(TicketEvent, kind="customer_message") == 0


def test_staff_cannot_reply_as_the_customer(login_as, agent, ticket):
    client = login_as(agent)
    assert client.get(f"/my/tickets/{ticket.id}").status_code == 200
    response = client.post(f"/my/tickets/{ticket.id}/reply", data=reply_data())
    assert response.status_code == 403
    assert count(TicketEvent, kind="customer_message") == 0


def test_ticket_page_needs_sign_in(client, ticket, hx):
    response = client.get(f"/my/tickets/{ticket.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert client.get(f"/my/tickets/{ticket.id}", headers=hx).status_code == 401
    assert client.get("/my/tickets").status_code == 302
