"""Accounts and sessions through the real forms: limits, resets, timeouts, logout."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from helpdesk.config import Config, DevConfig
from helpdesk.extensions import db
from helpdesk.models import OutboxMessage, User, UserSession
from tests.conftest import CSRFClient, login
from tests.factories import PASSWORD
from tests.helpers import count, text, without_csrf

NEW_PASSWORD = "a-brand-new-passphrase"  # noqa: S105
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def second_client(app):
    app.test_client_class = CSRFClient
    return app.test_client()


def reset_link(app) -> str:
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message is not None
    base = re.escape(app.config["EXTERNAL_BASE_URL"].rstrip("/"))
    found = re.search(base + r"(/reset/\S+)", message.body)
    assert found, message.body
    return found.group(1)


def sessions_of(user) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).filter_by(user_id=user.id)))


# --- passwords -------------------------------------------------------------------------


def register(client, password: str, email: str = "robin@example.com"):
    data = {"name": "Robin", "email": email, "password": password, "confirm": password}
    return client.post("/register", data=data)


@pytest.mark.parametrize("password", ["password2024", "Qwertyuiop", "1234567890", "iloveyou123"])
def test_registration_refuses_a_common_password_clearly(client, password):
    response = register(client, password)
    assert response.status_code == 422
    assert "one of the most common" in text(response)
    assert count(User) == 0


def test_long_passwords_are_welcome_up_to_1024_characters(client):
    assert register(client, "x" * 1024).status_code == 302
    client.post("/logout")
    assert register(client, "y" * 1025, email="other@example.com").status_code == 422


def test_a_replayed_registration_gets_the_first_account_only_with_its_password(app):
    first, replay, stranger = second_client(app), second_client(app), second_client(app)
    page = first.get("/register").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="(\w+)"', page)
    assert key, page
    data = {
        "name": "Robin",
        "email": "robin@example.com",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "idempotency_key": key.group(1),
    }
    answers = [first.post("/register", data=data), replay.post("/register", data=data)]
    assert [(r.status_code, r.headers["Location"]) for r in answers] == [(302, "/my/raise")] * 2
    assert count(User) == 1
    assert replay.get("/my/tickets").status_code == 200  # the double click is signed in
    # The key alone is no way in: another password with it is the "taken" refusal.
    other = data | {"password": "another-long-passphrase", "confirm": "another-long-passphrase"}
    refused = stranger.post("/register", data=other)
    assert refused.status_code == 422 and "cannot be registered" in text(refused)
    assert stranger.get("/my/tickets").status_code == 302
    assert count(User) == 1


# --- rate limits -----------------------------------------------------------------------


def test_sign_in_is_limited_per_account_with_the_app_error_page(client, customer):
    for _ in range(5):
        assert sign_in(client, customer.email, "not-the-password").status_code == 422
    limited = sign_in(client, "  CASEY@example.com", PASSWORD)  # normalised: same account
    assert limited.status_code == 429
    assert "Too many attempts" in text(limited)
    assert client.get("/my/tickets").status_code == 302  # even the right password waits


def test_a_limited_unknown_email_looks_like_a_limited_real_one(client, customer):
    for email in (customer.email, "nobody@example.com"):
        for _ in range(5):
            sign_in(client, email, "not-the-password")
    real = sign_in(client, customer.email, "not-the-password")
    unknown = sign_in(client, "nobody@example.com", "not-the-password")
    assert real.status_code == unknown.status_code == 429
    assert without_csrf(text(real)) == without_csrf(text(unknown))


def test_the_per_account_limit_leaves_other_accounts_alone(client, customer, agent):
    for _ in range(6):
        sign_in(client, customer.email, "not-the-password")
    assert sign_in(client, agent.email).status_code == 302


def test_sign_in_is_limited_per_client_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "AUTH_LIMIT_PER_CLIENT", "3 per minute")
    for n in range(3):
        assert sign_in(client, f"person{n}@example.com", "whatever-it-is").status_code == 422
    assert sign_in(client, "someone-else@example.com", "whatever-it-is").status_code == 429
    elsewhere = client.post(
        "/login",
        data={"email": "someone-else@example.com", "password": "x"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert elsewhere.status_code == 422


def test_registration_and_reset_requests_are_limited_too(client):
    for _ in range(5):
        register(client, "short")
    assert register(client, "short").status_code == 429
    for _ in range(5):
        client.post("/forgot", data={"email": "robin2@example.com"})
    assert client.post("/forgot", data={"email": "robin2@example.com"}).status_code == 429


def test_the_limits_count_posts_only(client):
    for _ in range(10):
        assert client.get("/login").status_code == 200


# --- password reset --------------------------------------------------------------------


def test_forgot_password_answers_the_same_for_known_and_unknown_emails(client, customer):
    known = client.post("/forgot", data={"email": customer.email})
    unknown = client.post("/forgot", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(text(known)) == without_csrf(text(unknown))
    assert "If an account uses that email" in text(known)
    assert count(OutboxMessage) == 1


def test_a_disabled_account_gets_no_reset_email(client, customer):
    customer.active = False
    db.session.commit()
    assert client.post("/forgot", data={"email": customer.email}).status_code == 200
    assert count(OutboxMessage) == 0


def test_the_reset_link_comes_from_configuration_and_works_once(app, client, customer):
    other = second_client(app)
    login(other, customer.email)
    client.post("/forgot", data={"email": customer.email})
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.to_email == customer.email
    assert app.config["EXTERNAL_BASE_URL"] + "/reset/" in message.body
    link = reset_link(app)

    assert client.get(link).status_code == 200
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = client.post(link, data=data)
    assert response.status_code == 302
    assert client.get("/my/tickets").status_code == 200  # signed in by the reset
    assert other.get("/my/tickets").status_code == 302  # the other session ended
    client.post("/logout")
    assert sign_in(client, customer.email, NEW_PASSWORD).status_code == 302

    again = second_client(app).post(link, data=data)
    assert again.status_code == 400
    assert "no longer works" in text(again)


def test_a_reset_link_expires(app, client, customer):
    with time_machine.travel(T0, tick=False):
        client.post("/forgot", data={"email": customer.email})
    link = reset_link(app)
    minutes = app.config["RESET_LINK_MINUTES"]
    with time_machine.travel(T0 + timedelta(minutes=minutes - 1), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(T0 + timedelta(minutes=minutes + 1), tick=False):
        assert client.get(link).status_code == 400


def test_a_forged_or_mangled_reset_link_is_refused(client, customer):
    assert client.get("/reset/not-a-token").status_code == 400


def test_the_reset_page_keeps_the_password_policy(app, client, customer):
    client.post("/forgot", data={"email": customer.email})
    link = reset_link(app)
    response = client.post(link, data={"password": "password123", "confirm": "password123"})
    assert response.status_code == 422
    assert "one of the most common" in text(response)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert (
        client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )


def test_the_reset_form_needs_a_csrf_token(app, client, customer):
    client.post("/forgot", data={"email": customer.email})
    link = reset_link(app)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(link, data=data, csrf=False).status_code == 400


# --- changing the password while signed in ---------------------------------------------


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app, login_as, customer):
    client = login_as(customer)
    other = second_client(app)
    login(other, customer.email)
    assert client.get("/account/password").status_code == 200
    data = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post("/account/password", data=data).status_code == 302
    assert client.get("/my/tickets").status_code == 200
    assert other.get("/my/tickets").status_code == 302
    open_sessions = [s for s in sessions_of(customer) if s.ended_at is None]
    assert len(open_sessions) == 1


def test_changing_the_password_needs_the_current_one(login_as, customer):
    client = login_as(customer)
    data = {"current_password": "wrong-password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = client.post("/account/password", data=data)
    assert response.status_code == 422
    assert "not your current password" in text(response)
    data["current_password"] = PASSWORD
    data["password"] = data["confirm"] = "football2020"
    assert "one of the most common" in text(client.post("/account/password", data=data))


def test_the_account_page_needs_sign_in(client):
    assert client.get("/account/password").headers["Location"].startswith("/login")


# --- sessions --------------------------------------------------------------------------


def test_the_session_cookie_is_httponly_and_lax(client, customer):
    cookie = sign_in(client, customer.email).headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert Config.SESSION_COOKIE_SECURE is True
    assert DevConfig.SESSION_COOKIE_SECURE is False


def test_sign_in_starts_a_fresh_session(client, customer):
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    sign_in(client, customer.email)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        user_id, generation, sid = sess["_user_id"].split(":")
    assert user_id == str(customer.id)
    row = db.session.get(UserSession, sid)
    assert row is not None and row.user_id == customer.id and row.ended_at is None


def test_logout_ends_the_session_on_the_server(client, customer):
    sign_in(client, customer.email)
    stolen = client.get_cookie("session")
    assert stolen is not None
    client.post("/logout")
    client.set_cookie("session", stolen.value)
    assert client.get("/my/tickets").status_code == 302
    assert all(s.ended_at is not None for s in sessions_of(customer))


def test_an_unknown_session_id_is_refused(client, customer):
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{customer.id}:{customer.session_generation}:made-up"
    assert client.get("/my/tickets").status_code == 302


def test_disabling_a_user_ends_their_sessions(app, login_as, admin, agent):
    staff = second_client(app)
    login(staff, agent.email)
    assert staff.get("/staff/tickets").status_code == 200
    agent.active = False
    agent.session_generation += 1
    db.session.commit()
    assert staff.get("/staff/tickets").status_code == 302


def test_an_idle_staff_session_times_out(client, agent, hx):
    with time_machine.travel(T0, tick=False):
        sign_in(client, agent.email)
    with time_machine.travel(T0 + timedelta(minutes=29), tick=False):
        assert client.get("/staff/tickets").status_code == 200
    with time_machine.travel(T0 + timedelta(minutes=29 + 31), tick=False):
        response = client.get("/staff/tickets")
        assert response.headers["Location"].startswith("/login")
        assert "timed out" in text(client.get(response.headers["Location"]))
        assert client.get("/staff/tickets", headers=hx).status_code == 401  # ended already


def test_an_htmx_request_after_the_timeout_gets_a_401(client, agent, hx):
    with time_machine.travel(T0, tick=False):
        sign_in(client, agent.email)
    with time_machine.travel(T0 + timedelta(minutes=31), tick=False):
        response = client.get("/staff/tickets", headers=hx)
        assert response.status_code == 401
        assert "Sign in again" in text(response)


def test_a_busy_staff_session_still_ends_at_the_absolute_limit(client, agent):
    with time_machine.travel(T0, tick=False):
        sign_in(client, agent.email)
    for step in range(1, 38):  # every 20 minutes for 12 hours and a bit
        with time_machine.travel(T0 + timedelta(minutes=20 * step), tick=False):
            status = client.get("/staff/tickets").status_code
            assert status == (200 if step <= 36 else 302), step


def test_customers_have_no_idle_timeout(client, customer):
    with time_machine.travel(T0, tick=False):
        sign_in(client, customer.email)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        assert client.get("/my/tickets").status_code == 200


def test_last_seen_is_written_at_most_once_a_minute(client, agent):
    with time_machine.travel(T0, tick=False):
        sign_in(client, agent.email)
    (row,) = sessions_of(agent)
    with time_machine.travel(T0 + timedelta(seconds=40), tick=False):
        client.get("/staff/tickets")
    (row,) = sessions_of(agent)
    assert row.last_seen_at == T0
    with time_machine.travel(T0 + timedelta(seconds=90), tick=False):
        client.get("/staff/tickets")
    (row,) = sessions_of(agent)
    assert row.last_seen_at == T0 + timedelta(seconds=90)


def test_an_untrusted_host_header_is_refused(client):
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": "localhost"}).status_code == 200


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)"],
)
def test_after_sign_in_only_local_pages_are_followed(client, customer, target):
    response = sign_in(client, customer.email, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
