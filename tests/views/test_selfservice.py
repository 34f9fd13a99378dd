"""Self-service: live route suggestions, help pages, and "this solved my problem"."""

from __future__ import annotations

import pytest

from helpdesk.extensions import db
from helpdesk.models import Deflection, Ticket
from tests.factories import make_route
from tests.helpers import assert_fragment, count, text


@pytest.fixture
def lid(app):
    return make_route(
        title="Replacing a cracked kettle lid",
        keywords="kettle lid",
        summary="Order a replacement lid online.",
        body="Go to Spares and choose your kettle model.",
    )


@pytest.fixture
def courier(app):
    return make_route(
        kind="outside_body",
        title="Courier claims",
        keywords="parcel courier lost",
        summary="Claim from the courier directly.",
        contact="0800 000 000",
    )


def test_suggest_returns_matching_routes_as_a_fragment(client, lid, courier, hx):
    response = client.get("/help/suggest?description=my+kettle+lid+cracked", headers=hx)
    body = text(response)
    assert response.status_code == 200
    assert_fragment(body, "route-suggestions")
    assert lid.title in body
    assert courier.title not in body
    assert f'action="/help/routes/{lid.id}/solved"' in body
    # The raise form may now go straight on: the customer has seen the routes.
    assert 'id="routes-seen" value="1" hx-swap-oob="true"' in body
    assert "HX-Request" in response.headers["Vary"]


def test_suggest_reads_the_subject_too(client, lid, courier, hx):
    body = text(client.get("/help/suggest?subject=lost+parcel&description=", headers=hx))
    assert courier.title in body and "0800 000 000" in body
    assert lid.title not in body


@pytest.mark.parametrize(
    "query",
    ["description=", "description=the+and+of+it", "description=zzzz", "", "description=%00"],
)
def test_suggest_with_nothing_matching_is_an_empty_fragment(client, lid, hx, query):
    response = client.get(f"/help/suggest?{query}", headers=hx)
    body = text(response)
    assert response.status_code == 200
    assert_fragment(body, "route-suggestions")
    assert lid.title not in body
    assert "routes-seen" not in body


def test_suggest_hides_inactive_routes(client, lid, hx):
    lid.active = False
    db.session.commit()
    assert lid.title not in text(client.get("/help/suggest?description=kettle+lid", headers=hx))


def test_suggest_without_javascript_is_a_whole_page(client, lid):
    body = text(client.get("/help/suggest?description=kettle"))
    assert "<html" in body and lid.title in body


def test_suggest_escapes_what_was_typed(client, lid, hx):
    body = text(
        client.get("/help/suggest?description=kettle+%3Cscript%3Ealert(1)%3C/script%3E", headers=hx)
    )
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_suggest_survives_a_very_long_text(client, lid, hx):
    response = client.get("/help/suggest?description=kettle+" + "x" * 20_000, headers=hx)
    assert response.status_code == 200
    assert lid.title in text(response)


def test_this_solved_my_problem_counts_a_deflection_and_makes_no_ticket(login_as, customer, lid):
    client = login_as(customer)
    response = client.post(f"/help/routes/{lid.id}/solved", data={"query": "kettle lid cracked"})
    assert response.status_code == 200
    assert "No ticket has been raised." in text(response)
    deflection = db.session.scalar(db.select(Deflection))
    assert deflection.route_id == lid.id
    assert deflection.user_id == customer.id
    assert deflection.query_text == "kettle lid cracked"
    assert count(Ticket) == 0


def test_an_anonymous_visitor_can_say_it_solved_it_too(client, lid):
    response = client.post(f"/help/routes/{lid.id}/solved", data={})
    assert response.status_code == 200
    deflection = db.session.scalar(db.select(Deflection))
    assert deflection.user_id is None and deflection.query_text == ""


def test_solved_for_a_missing_or_inactive_route_is_not_found(client, lid):
    lid.active = False
    db.session.commit()
    for route_id in (lid.id, 99999, 99999999999999999999999):
        assert client.post(f"/help/routes/{route_id}/solved").status_code == 404
    assert count(Deflection) == 0


def test_solved_needs_a_post_with_a_valid_token(client, lid):
    assert client.get(f"/help/routes/{lid.id}/solved").status_code == 405
    assert client.post(f"/help/routes/{lid.id}/solved", csrf=False).status_code == 400
    wrong = client.post(f"/help/routes/{lid.id}/solved", headers={"X-CSRFToken": "wrong"})
    assert wrong.status_code == 400
    assert count(Deflection) == 0


def test_help_index_lists_active_routes_and_searches(client, lid, courier, hx):
    hidden = make_route(title="Old kettle recall", active=False)
    everything = text(client.get("/help/"))
    assert lid.title in everything and courier.title in everything
    assert hidden.title not in everything
    found = client.get("/help/?q=courier", headers=hx)
    assert_fragment(text(found), "results")
    assert courier.title in text(found) and lid.title not in text(found)


def test_help_search_with_no_match_says_so_escaped(client, lid):
    body = text(client.get("/help/?q=%3Cb%3Ezebra%3C/b%3E"))
    assert "Nothing matches “&lt;b&gt;zebra&lt;/b&gt;”" in body
    assert "<b>zebra</b>" not in body


def test_a_route_page_and_its_solved_button(client, lid):
    body = text(client.get(f"/help/routes/{lid.id}"))
    assert lid.title in body and "Go to Spares" in body
    assert f'action="/help/routes/{lid.id}/solved"' in body


def test_an_inactive_or_missing_route_page_is_not_found(client, lid):
    lid.active = False
    db.session.commit()
    assert client.get(f"/help/routes/{lid.id}").status_code == 404
    assert client.get("/help/routes/99999").status_code == 404
