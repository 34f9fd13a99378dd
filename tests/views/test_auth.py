"""Signing in and out, and registering, through the real forms."""

from __future__ import annotations

import pytest

from helpdesk.domain import Role
from helpdesk.extensions import db
from helpdesk.models import User
from tests.factories import PASSWORD
from tests.helpers import count, text, without_csrf

GENERIC = "That email and password do not match an account."


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_the_sign_in_page(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'autocomplete="current-password"' in text(response)


def test_a_customer_signs_in_and_goes_to_their_tickets(client, customer):
    response = sign_in(client, "  CASEY@example.com ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/my/tickets"


def test_staff_sign_in_and_go_to_the_queue(client, agent):
    sign_in(client, agent.email)
    assert client.get("/").headers["Location"] == "/staff/tickets"


def test_a_wrong_password_gets_one_generic_message(client, customer):
    response = sign_in(client, customer.email, "not-the-password")
    body = text(response)
    assert response.status_code == 422
    assert body.count(GENERIC) == 1
    assert "password is wrong" not in body.lower()
    assert client.get("/my/tickets").status_code == 302  # still signed out


def test_an_unknown_email_gets_the_same_page_as_a_wrong_password(client, customer):
    wrong_password = sign_in(client, customer.email, "not-the-password")
    unknown_email = sign_in(client, "nobody@example.com", "not-the-password")
    assert wrong_password.status_code == unknown_email.status_code == 422

    def normalised(response, email):
        # Only what the person typed (kept in the form) and the CSRF token may differ.
        return without_csrf(text(response)).replace(email, "EMAIL")

    assert normalised(wrong_password, customer.email) == normalised(
        unknown_email, "nobody@example.com"
    )


def test_a_disabled_account_gets_the_same_generic_message(client, customer):
    customer.active = False
    db.session.commit()
    response = sign_in(client, customer.email)
    assert response.status_code == 422
    assert GENERIC in text(response)


def test_an_account_without_a_password_cannot_sign_in(client):
    # Staff logged a ticket for this customer: the account has no password yet.
    user = User(name="Phoned In", email="phoned@example.com")
    user.set_roles({Role.CUSTOMER})
    db.session.add(user)
    db.session.commit()
    for password in ("", "anything-at-all"):
        response = sign_in(client, "phoned@example.com", password)
        assert response.status_code == 422


@pytest.mark.parametrize(
    ("email", "password"), [("", PASSWORD), ("casey@example.com", ""), ("x" * 300, PASSWORD)]
)
def test_empty_or_oversized_sign_in_fields_are_422(client, customer, email, password):
    response = sign_in(client, email, password)
    assert response.status_code == 422
    assert 'class="field-error"' in text(response)


def test_a_nul_in_the_email_is_refused_not_a_500(client, customer):
    assert sign_in(client, "casey\x00@example.com").status_code == 400


def test_sign_in_without_a_csrf_token_is_refused(client, customer):
    missing = client.post(
        "/login", data={"email": customer.email, "password": PASSWORD}, csrf=False
    )
    wrong = client.post(
        "/login",
        data={"email": customer.email, "password": PASSWORD},
        headers={"X-CSRFToken": "wrong"},
    )
    assert missing.status_code == wrong.status_code == 400
    assert client.get("/my/tickets").status_code == 302


def test_a_local_next_page_is_followed(client, customer):
    response = sign_in(client, customer.email, next="/my/raise")
    assert response.headers["Location"] == "/my/raise"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/my",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_a_next_page_elsewhere_is_ignored(client, customer, target):
    response = sign_in(client, customer.email, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_sign_in_redirect_carries_the_page_asked_for(client, customer):
    asked = client.get("/my/raise")
    assert asked.headers["Location"] == "/login?next=/my/raise"
    form = text(client.get(asked.headers["Location"]))
    assert 'name="next" type="hidden" value="/my/raise"' in form


def test_signed_in_people_are_sent_home_from_the_sign_in_page(login_as, customer):
    client = login_as(customer)
    assert client.get("/login").headers["Location"] == "/"
    assert client.get("/register").headers["Location"] == "/"


def test_sign_out_needs_a_post_with_a_token(login_as, customer):
    client = login_as(customer)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.get("/my/tickets").status_code == 200
    response = client.post("/logout")
    assert response.headers["Location"] == "/login"
    assert client.get("/my/tickets").status_code == 302


def test_a_bumped_session_generation_ends_old_sessions(login_as, customer):
    client = login_as(customer)
    customer.session_generation += 1
    db.session.commit()
    assert client.get("/my/tickets").status_code == 302


# --- registration --------------------------------------------------------------------


def register(client, **changes):
    data = {
        "name": "Robin Reader",
        "email": "robin@example.com",
        "password": "a-long-enough-password",
        "confirm": "a-long-enough-password",
    } | changes
    return client.post("/register", data=data)


def test_register_creates_a_customer_and_signs_them_in(client):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/my/raise"
    user = db.session.scalar(db.select(User).filter_by(email="robin@example.com"))
    assert user is not None and user.role_names == {Role.CUSTOMER}
    assert user.password_hash and "a-long-enough-password" not in user.password_hash
    assert client.get("/my/raise").status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short", "confirm": "short"}, "password"),
        ({"confirm": "something-else-entirely"}, "confirm"),
        ({"name": "n" * 121}, "name"),
    ],
)
def test_register_refuses_bad_fields_and_keeps_the_rest(client, changes, field):
    response = register(client, **changes)
    body = text(response)
    assert response.status_code == 422
    assert f'id="{field}-error"' in body
    if field != "name":
        assert 'value="Robin Reader"' in body
    if field != "email":
        assert 'value="robin@example.com"' in body
    assert "a-long-enough-password" not in body  # passwords are never echoed
    assert count(User) == 0


def test_register_with_a_taken_email_does_not_say_whose(client, customer):
    response = register(client, email="Casey@Example.com")
    assert response.status_code == 422
    assert "That email cannot be registered" in text(response)
    assert "Casey Jones" not in text(response)
    assert count(User) == 1


def test_register_without_a_csrf_token_is_refused(client):
    assert client.post("/register", data={"name": "x"}, csrf=False).status_code == 400
    assert count(User) == 0
