"""The customer's part in resolving: agree or decline options, confirm the fix or reopen it,
and read why a problem could not be solved."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk.domain import Status
from helpdesk.extensions import db
from helpdesk.models import SatisfactionResponse, TicketEvent
from helpdesk.models.types import utcnow
from helpdesk.tickets import promises, resolution
from tests import factories
from tests.helpers import assert_fragment, count, text
from tests.resolving import acknowledged, add_option, mail_to, notices_for, offered_option


@pytest.fixture
def board(ticket, agent):
    return acknowledged(ticket, agent)


@pytest.fixture
def resolved(board, agent):
    resolution.resolve(board, agent, "A new kettle was delivered")
    return board


def page(board) -> str:
    return f"/my/tickets/{board.id}"


# --- options offered to the customer ---------------------------------------------------


def test_the_customer_sees_offered_options_with_their_side_only(login_as, agent, board):
    offered_option(board, agent, pros_org="Cheap for us", cons_org="Stock runs low")
    add_option(board, agent, description="Secret draft idea")
    body = text(login_as(board.customer).get(page(board)))
    assert "Send a new kettle" in body
    assert "A working kettle soon" in body and "Two days without one" in body
    assert "Cheap for us" not in body and "Stock runs low" not in body
    assert "Secret draft idea" not in body


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_agreeing_an_offered_option(login_as, agent, customer, board, over_htmx, hx):
    option = offered_option(board, agent)
    response = login_as(customer).post(
        f"{page(board)}/options/{option.id}/agree", headers=hx if over_htmx else {}
    )
    if over_htmx:
        assert response.status_code == 200
        assert_fragment(text(response), "conversation")
        assert "we will go ahead with the option you chose" in text(response)
        assert "You agreed this" in text(response)
    else:
        assert response.status_code == 302
        assert response.headers["Location"] == page(board)
    db.session.refresh(option)
    db.session.refresh(board)
    assert (option.state, board.status) == ("agreed", Status.AGREED)
    assert len(notices_for(agent, "option_agreed")) == 1


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_declining_needs_a_comment(login_as, agent, customer, board, over_htmx, hx):
    option = offered_option(board, agent)
    client = login_as(customer)
    headers = hx if over_htmx else {}
    url = f"{page(board)}/options/{option.id}/decline"
    refused = client.post(url, data={"comment": "  "}, headers=headers)
    assert refused.status_code == 422
    assert "Tell us why, so we can find something better." in text(refused)
    db.session.refresh(option)
    assert option.state == "offered"
    response = client.post(url, data={"comment": "I want a refund"}, headers=headers)
    assert response.status_code == (200 if over_htmx else 302)
    db.session.refresh(option)
    assert (option.state, option.customer_comment) == ("declined", "I want a refund")
    if over_htmx:
        assert_fragment(text(response), "conversation")


@pytest.mark.parametrize("action", ["agree", "decline"])
def test_a_draft_option_cannot_be_agreed_or_declined(login_as, agent, customer, board, action):
    option = add_option(board, agent)
    url = f"{page(board)}/options/{option.id}/{action}"
    response = login_as(customer).post(url, data={"comment": "No"})
    assert response.status_code == 422
    assert "That option is not on offer." in text(response)
    db.session.refresh(option)
    assert option.state == "draft"


@pytest.mark.parametrize("action", ["agree", "decline"])
def test_a_closed_tickets_options_take_no_answer(login_as, agent, customer, board, action):
    option = offered_option(board, agent)
    resolution.close_unresolved(
        board, agent, reason="other", tried="All", why="Discontinued", next_steps="Shop around"
    )
    client = login_as(customer)
    assert f"options/{option.id}/{action}" not in text(client.get(page(board)))
    response = client.post(f"{page(board)}/options/{option.id}/{action}", data={"comment": "No"})
    assert response.status_code == 422
    assert "This ticket is closed." in text(response)
    db.session.refresh(option)
    assert option.state == "offered"


def test_another_customers_ticket_is_not_found(login_as, agent, other_customer, board):
    option = offered_option(board, agent)
    client = login_as(other_customer)
    for action in ("agree", "decline"):
        response = client.post(f"{page(board)}/options/{option.id}/{action}", data={"comment": "x"})
        assert response.status_code == 404
    assert client.post(f"{page(board)}/confirm", data={"solved": "yes"}).status_code == 404
    db.session.refresh(option)
    assert option.state == "offered"


def test_an_option_of_another_ticket_is_not_found(login_as, agent, customer, board, category):
    other = acknowledged(factories.make_ticket(customer=customer, category=category), agent)
    option = offered_option(other, agent)
    response = login_as(customer).post(f"{page(board)}/options/{option.id}/agree")
    assert response.status_code == 404
    db.session.refresh(option)
    assert option.state == "offered"


def test_staff_cannot_act_as_the_customer(login_as, agent, board, resolved):
    client = login_as(agent)
    assert client.post(f"{page(board)}/confirm", data={"solved": "yes"}).status_code == 403
    db.session.refresh(board)
    assert board.status == Status.RESOLVED


def test_staff_posting_the_agree_url_is_forbidden(login_as, agent, board):
    option = offered_option(board, agent)
    assert login_as(agent).post(f"{page(board)}/options/{option.id}/agree").status_code == 403
    db.session.refresh(option)
    assert option.state == "offered"


@pytest.mark.parametrize("action", ["options/1/agree", "options/1/decline", "confirm"])
def test_anonymous_is_sent_to_sign_in(client, board, action):
    response = client.post(f"{page(board)}/{action}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


# --- the resolution check ----------------------------------------------------------------


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_solved_with_a_rating_closes_it_satisfied(login_as, customer, resolved, over_htmx, hx):
    client = login_as(customer)
    assert "Is your problem solved?" in text(client.get(page(resolved)))
    response = client.post(
        f"{page(resolved)}/confirm",
        data={"solved": "yes", "rating": "5", "comment": "Quick and kind"},
        headers=hx if over_htmx else {},
    )
    if over_htmx:
        assert response.status_code == 200
        assert_fragment(text(response), "conversation")
        assert "Thank you for confirming" in text(response)
    else:
        assert response.status_code == 302
    db.session.refresh(resolved)
    assert resolved.status == Status.CLOSED_SATISFIED
    answer = db.session.scalars(db.select(SatisfactionResponse)).one()
    assert (answer.solved, answer.rating, answer.comment) == (True, 5, "Quick and kind")
    assert answer.customer_id == customer.id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"solved": "yes"}, "Choose a rating from 1 to 5."),
        ({"solved": "yes", "rating": "9"}, "Not a valid choice."),
        ({"solved": "no", "comment": " "}, "Tell us what is still wrong."),
        ({"comment": "Hmm"}, "Tell us whether it is solved."),
    ],
)
def test_an_incomplete_answer_is_refused(login_as, customer, resolved, data, message, hx):
    client = login_as(customer)
    for headers in ({}, hx):
        response = client.post(f"{page(resolved)}/confirm", data=data, headers=headers)
        assert response.status_code == 422
        assert message in text(response)
    db.session.refresh(resolved)
    assert resolved.status == Status.RESOLVED
    assert count(SatisfactionResponse) == 0


def test_not_solved_reopens_it_at_the_top_of_the_agents_queue(
    login_as, client, agent, customer, resolved
):
    response = login_as(customer).post(
        f"{page(resolved)}/confirm", data={"solved": "no", "comment": "The lid still leaks"}
    )
    assert response.status_code == 302
    db.session.refresh(resolved)
    assert resolved.status == Status.ACKNOWLEDGED
    assert resolved.reopened_at is not None
    assert resolved.resolved_at is None
    [notice] = notices_for(agent, "reopened")
    assert "The lid still leaks" in notice.text
    assert count(TicketEvent, kind="customer_reopened") == 1
    client.post("/logout")
    queue = text(login_as(agent).get("/staff/tickets"))
    needs = queue[queue.index("Needs you first") : queue.index("</section>", queue.index("Needs"))]
    assert resolved.reference in needs and "the customer says it is not solved" in needs
    assert "Reopened by the customer" in text(client.get(f"/staff/tickets/{resolved.id}"))


def test_a_ticket_not_resolved_cannot_be_confirmed(login_as, customer, board):
    response = login_as(customer).post(
        f"{page(board)}/confirm", data={"solved": "yes", "rating": "4"}
    )
    assert response.status_code == 422
    assert "not waiting for your confirmation" in text(response)
    assert count(SatisfactionResponse) == 0


# --- closed without a fix ------------------------------------------------------------------


def test_closing_unresolved_tells_the_customer_why_and_what_next(
    login_as, client, agent, customer, board
):
    route = factories.make_route(
        kind="outside_body", title="Kettle maker's warranty", contact="0800 123 456"
    )
    data = {
        "reason": "outside_control",
        "tried": "A replacement and a repair",
        "why": "The model is no longer made",
        "next_steps": "Claim on the maker's warranty",
        "route_ids": [str(route.id)],
        "version": str(board.version),
    }
    response = login_as(agent).post(f"/staff/tickets/{board.id}/close-unresolved", data=data)
    assert response.status_code == 302
    db.session.refresh(board)
    assert board.status == Status.CLOSED_UNRESOLVED
    [mail] = [m for m in mail_to(customer.email) if m.kind == "closed_unresolved"]
    assert mail.subject == f"[{board.reference}] We could not solve your problem"
    for words in (
        "The cause is outside our control",
        "What we tried: A replacement and a repair",
        "Why it could not be solved: The model is no longer made",
        "What you can do next: Claim on the maker's warranty",
        "Another route: Kettle maker's warranty (0800 123 456)",
    ):
        assert words in mail.body
    client.post("/logout")
    body = text(login_as(customer).get(page(board)))
    assert "Closed: we could not solve it" in body
    assert "We could not solve this. Here is why:" in body
    assert "What you can do next: Claim on the maker&#39;s warranty" in body
    assert "Another route: Kettle maker&#39;s warranty (0800 123 456)" in body


def test_the_customer_sees_promises_made_to_them(login_as, agent, customer, board):
    made = promises.make_promise(
        board,
        agent,
        description="Ring you on Friday",
        owner=agent,
        due_at=utcnow() + timedelta(days=1),
    )
    promises.break_promise(made, agent, "Our phones were down")
    body = text(login_as(customer).get(page(board)))
    assert "What we have promised you" in body
    assert "Ring you on Friday" in body
    assert "Not kept: Our phones were down" in body
    assert "Ways we could solve it" not in body  # no option was offered
