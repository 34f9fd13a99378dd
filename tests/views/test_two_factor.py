"""Two-factor sign-in through the real pages: set-up, the code step, policy and resets."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEntry, User
from tests.conftest import CSRFClient, login
from tests.factories import PASSWORD
from tests.helpers import text
from tests.views.test_security_accounts import reset_link, sessions_of

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STEP = timedelta(seconds=30)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def new_client(app) -> CSRFClient:
    app.test_client_class = CSRFClient
    return app.test_client()


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def enrol(client, clock) -> str:
    """Set up two-factor through the account page; returns the secret it showed."""
    assert client.post("/account/two-factor/start").status_code == 302
    page = text(client.get("/account/two-factor"))
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert found, page
    secret = found.group(1).replace(" ", "")
    response = client.post("/account/two-factor", data={"code": code_at(secret, T0)})
    assert response.status_code == 302, text(response)
    clock.shift(STEP)  # the code just used is spent: the next sign-in needs a newer one
    return secret


def password_step(client, user, **extra):
    return client.post("/login", data={"email": user.email, "password": PASSWORD, **extra})


def audit_actions(user: User) -> list[str]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(AuditEntry).where(AuditEntry.target_id == user.id).order_by(AuditEntry.id)
    )
    return [row.action for row in rows]


def test_staff_set_up_two_factor_and_then_sign_in_with_a_code(app, client, supervisor, clock):
    login(client, supervisor.email)
    page = text(client.get("/account/two-factor"))
    assert "Off." in page and "Set up two-factor sign-in" in page

    client.post("/account/two-factor/start")
    page = text(client.get("/account/two-factor"))
    assert '<svg width="' in page and "<title>QR code for your authenticator app</title>" in page
    assert "otpauth://totp/Northwind%20Supplies:sam%40example.com?secret=" in page

    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 422 and "That code is not right" in text(wrong)
    db.session.refresh(supervisor)
    assert not supervisor.two_factor_on

    client.post("/account/two-factor/start")  # "start again" gives a new key
    secret = enrol(client, clock)
    assert "<strong>On</strong>" in text(client.get("/account/two-factor"))
    assert "two_factor_enabled" in audit_actions(supervisor)

    client.post("/logout")
    response = password_step(client, supervisor, next="/staff/tickets")
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    # The password alone starts no session.
    assert client.get("/staff/tickets").headers["Location"].startswith("/login")

    response = password_step(client, supervisor, next="/staff/tickets")
    refused = client.post("/login/code", data={"code": "123456"})
    assert refused.status_code == 422 and "That code is not right" in text(refused)
    assert "login_failed" in audit_actions(supervisor)

    response = client.post("/login/code", data={"code": code_at(secret, T0 + STEP)})
    assert response.status_code == 302 and response.headers["Location"] == "/staff/tickets"
    assert client.get("/staff/tickets").status_code == 200


def test_a_code_signs_in_once_and_never_again(app, client, supervisor, clock):
    login(client, supervisor.email)
    secret = enrol(client, clock)
    client.post("/logout")
    code = code_at(secret, T0 + STEP)
    password_step(client, supervisor)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")

    thief = new_client(app)
    password_step(thief, supervisor)
    replay = thief.post("/login/code", data={"code": code})
    assert replay.status_code == 422
    # One step of clock drift either way is allowed; two is not.
    too_far, next_step = code_at(secret, T0 + 4 * STEP), code_at(secret, T0 + 2 * STEP)
    assert thief.post("/login/code", data={"code": too_far}).status_code == 422
    assert thief.post("/login/code", data={"code": next_step}).status_code == 302


def test_the_code_step_lasts_five_minutes(app, client, supervisor, clock):
    login(client, supervisor.email)
    secret = enrol(client, clock)
    client.post("/logout")
    password_step(client, supervisor)
    clock.shift(timedelta(minutes=6))
    late = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert late.status_code == 302 and late.headers["Location"] == "/login"
    assert "code step lasts five minutes" in text(client.get("/login"))


def test_the_code_page_without_a_password_step_sends_you_to_sign_in(client):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_a_password_reset_link_still_asks_for_the_code(app, client, supervisor, clock):
    login(client, supervisor.email)
    secret = enrol(client, clock)
    client.post("/logout")
    client.post("/forgot", data={"email": supervisor.email})
    new_password = "a-brand-new-passphrase"  # noqa: S105
    link = reset_link(app)
    response = client.post(link, data={"password": new_password, "confirm": new_password})
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert client.get("/staff/tickets").headers["Location"].startswith("/login")
    done = client.post("/login/code", data={"code": code_at(secret, T0 + STEP)})
    assert done.status_code == 302
    assert client.get("/staff/tickets").status_code == 200


def test_turning_it_on_signs_out_other_browsers(app, client, supervisor, clock):
    login(client, supervisor.email)
    elsewhere = new_client(app)
    login(elsewhere, supervisor.email)
    enrol(client, clock)
    assert elsewhere.get("/staff/tickets").status_code == 302
    assert client.get("/staff/tickets").status_code == 200
    assert len([s for s in sessions_of(supervisor) if s.ended_at is None]) == 1


def test_customers_have_no_two_factor_page(client, customer):
    login(client, customer.email)
    assert client.get("/account/two-factor").status_code == 403
    assert client.post("/account/two-factor/start").status_code == 403
    assert 'href="/account/two-factor"' not in text(client.get("/my/tickets"))


def test_turning_it_off_needs_the_password_and_a_code(app, client, agent, clock):
    login(client, agent.email)
    secret = enrol(client, clock)
    bad = client.post(
        "/account/two-factor/off", data={"password": "wrong-password", "code": "000000"}
    )
    assert bad.status_code == 422 and "not your current password" in text(bad)
    bad = client.post("/account/two-factor/off", data={"password": PASSWORD, "code": "000000"})
    assert bad.status_code == 422 and "That code is not right" in text(bad)
    good = client.post(
        "/account/two-factor/off",
        data={"password": PASSWORD, "code": code_at(secret, T0 + STEP)},
    )
    assert good.status_code == 302
    db.session.refresh(agent)
    assert not agent.two_factor_on and agent.totp_secret is None
    assert "two_factor_disabled" in audit_actions(agent)
    client.post("/logout")
    login(client, agent.email)  # the password alone is enough again


def test_a_required_role_is_sent_to_set_up_first_and_cannot_turn_it_off(
    app, client, admin, supervisor, agent, clock
):
    login(client, admin.email)
    saved = client.post("/admin/settings/two-factor", data={"roles": ["supervisor", "assessor"]})
    assert saved.status_code == 302
    page = text(client.get("/admin/settings"))
    assert 'value="supervisor" checked' in page and 'value="admin" checked' not in page
    policy = db.session.scalars(select(AuditEntry).filter_by(action="two_factor_policy_changed"))
    assert [e.details["after"] for e in policy] == [["assessor", "supervisor"]]
    refused = client.post("/admin/settings/two-factor", data={"roles": ["customer"]})
    assert refused.status_code == 422 and "Not a staff role" in text(refused)

    sup = new_client(app)
    login(sup, supervisor.email)
    sent = sup.get("/staff/tickets")
    assert sent.status_code == 302 and sent.headers["Location"] == "/account/two-factor"
    swap = sup.get("/staff/tickets", headers={"HX-Request": "true"})
    assert swap.status_code == 204 and swap.headers["HX-Redirect"] == "/account/two-factor"
    assert sup.post("/staff/notifications/read").headers["Location"] == "/account/two-factor"
    assert "Your role requires it" in text(sup.get("/account/two-factor"))
    secret = enrol(sup, clock)
    assert sup.get("/staff/tickets").status_code == 200
    off = sup.post(
        "/account/two-factor/off", data={"password": PASSWORD, "code": code_at(secret, T0 + STEP)}
    )
    assert off.status_code == 422 and "cannot be turned off" in text(off)

    # Roles not ticked carry on as before.
    other = new_client(app)
    login(other, agent.email)
    assert other.get("/staff/tickets").status_code == 200


def test_the_requirement_can_come_from_configuration(app, client, admin):
    app.config["TOTP_REQUIRED_ROLES"] = "admin"
    try:
        login(client, admin.email)
        assert client.get("/admin/users").headers["Location"] == "/account/two-factor"
    finally:
        app.config["TOTP_REQUIRED_ROLES"] = ""


def test_an_admin_reset_needs_a_tick_and_ends_the_persons_sessions(
    app, client, admin, agent, clock
):
    staff = new_client(app)
    login(staff, agent.email)
    enrol(staff, clock)
    login(client, admin.email)
    page = text(client.get(f"/admin/users/{agent.id}"))
    assert "<dt>Two-factor</dt><dd>On</dd>" in page

    unticked = client.post(f"/admin/users/{agent.id}/two-factor/reset", data={})
    assert unticked.status_code == 422 and "Tick to confirm" in text(unticked)
    db.session.refresh(agent)
    assert agent.two_factor_on

    done = client.post(f"/admin/users/{agent.id}/two-factor/reset", data={"confirm": "y"})
    assert done.status_code == 302
    db.session.refresh(agent)
    assert not agent.two_factor_on
    assert staff.get("/staff/tickets").status_code == 302  # signed out everywhere
    assert "two_factor_reset" in audit_actions(agent)
    login(staff, agent.email)  # and back in with the password alone


def test_code_guesses_are_rate_limited(app, client, supervisor, clock):
    login(client, supervisor.email)
    enrol(client, clock)
    client.post("/logout")
    password_step(client, supervisor)
    statuses = [client.post("/login/code", data={"code": "000000"}).status_code for _ in range(6)]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429
