"""The controls for practice work over HTTP: staff (not learners, not customers) flag a
ticket as training from its workspace, admins mark a customer account as a training
account, both audited; the assessor's review shows why evidence is practice; signing in
remembers the browser, so a customer account used on the learner's device is flagged.
Also the rule-version controls: the admin's reason, the assessor moving a learner on."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from helpdesk.auth.sessions import DEVICE_COOKIE
from helpdesk.evidence.portfolio import build
from helpdesk.extensions import db
from helpdesk.models import AuditEntry, FrameworkRule, Ticket, User, UserSession
from tests import factories
from tests.conftest import CSRFClient, login
from tests.helpers import count, text
from tests.portfolio import acknowledged_ticket, profile_of


@pytest.fixture
def worked(learner, customer):
    return acknowledged_ticket(learner, customer)


def fresh_client(app, user=None):
    """Another browser (its own cookies), signed in through the real form if given."""
    app.test_client_class = CSRFClient
    client = app.test_client()
    if user is not None:
        login(client, user.email)
    return client


def flag(client, ticket, kind, **extra):
    return client.post(
        f"/staff/tickets/{ticket.id}/training",
        data={"training_kind": kind, "version": str(ticket.version)},
        **extra,
    )


def test_staff_flag_a_ticket_as_training_from_the_workspace(app, worked, supervisor, hx):
    client = fresh_client(app, supervisor)
    page = text(client.get(f"/staff/tickets/{worked.id}"))
    assert 'id="training-form"' in page and 'id="training-kind-role_play"' in page
    response = flag(client, worked, "role_play", headers=hx)
    assert response.status_code == 200
    assert 'id="training-flag"' in text(response) and "Role play" in text(response)
    db.session.expire_all()
    assert db.session.get(Ticket, worked.id).training_kind == "role_play"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "ticket_training_flagged")
    ).one()
    assert (entry.actor_id, entry.target_id, entry.details["new"]) == (
        supervisor.id,
        worked.id,
        "role_play",
    )
    # Without JavaScript: a redirect back to the workspace; a stale version is a 409.
    db.session.expire_all()
    ticket = db.session.get(Ticket, worked.id)
    assert flag(client, ticket, "").status_code == 302
    stale = client.post(
        f"/staff/tickets/{worked.id}/training", data={"training_kind": "training", "version": "1"}
    )
    assert stale.status_code == 409
    assert count(AuditEntry, action="ticket_training_flagged") == 2


def test_learners_and_customers_cannot_flag(app, worked, learner, customer):
    as_learner = fresh_client(app, learner)
    assert 'id="training-form"' not in text(as_learner.get(f"/staff/tickets/{worked.id}"))
    assert flag(as_learner, worked, "training").status_code == 403
    assert flag(fresh_client(app, customer), worked, "training").status_code == 403
    db.session.expire_all()
    assert db.session.get(Ticket, worked.id).training_kind is None
    assert count(AuditEntry, action="ticket_training_flagged") == 0


def test_an_admin_marks_a_customer_account_as_training(app, admin, customer, agent, learner):
    worked = acknowledged_ticket(learner, customer)
    client = fresh_client(app, admin)
    assert 'id="training-account"' in text(client.get(f"/admin/users/{customer.id}"))
    assert 'id="training-account"' not in text(client.get(f"/admin/users/{agent.id}"))
    response = client.post(f"/admin/users/{customer.id}/training", data={"training": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, customer.id).is_training_account
    assert count(AuditEntry, action="training_account_changed") == 1
    assert build(profile_of(learner)).pc("1.1").simulated == 1
    refused = client.post(f"/admin/users/{agent.id}/training", data={"training": "y"})
    assert refused.status_code == 422
    assert "Only a customer account can be a training account." in text(refused)
    assert fresh_client(app, agent).post(f"/admin/users/{customer.id}/training").status_code == 403
    assert worked.training_kind is None


def test_the_assessors_review_shows_practice_apart(app, learner, worked, assessor, supervisor):
    client = fresh_client(app, assessor)
    review = text(client.get(f"/assess/{learner.id}/review"))
    assert 'id="review-' in review and "Practice: does not count" not in review
    flag(fresh_client(app, supervisor), worked, "training")
    review = text(client.get(f"/assess/{learner.id}/review"))
    assert "Practice: does not count</span> Flagged by staff as training." in review


def test_a_customer_account_used_on_the_learners_browser_is_flagged(app, learner, customer):
    browser = fresh_client(app, learner)
    device = browser.get_cookie(DEVICE_COOKIE)
    assert device is not None and device.http_only
    browser.post("/logout")
    login(browser, customer.email)  # the same browser, now as the customer
    other = fresh_client(app, customer)  # and from the customer's own
    assert other.get_cookie(DEVICE_COOKIE).value != device.value
    devices = {s.user_id: s.device for s in db.session.scalars(select(UserSession)) if s.device}
    assert len(devices) == 2
    acknowledged_ticket(learner, customer)
    log = text(fresh_client(app, learner).get(f"/portfolio/{learner.id}/evidence"))
    assert "Practice: does not count" in log
    assert build(profile_of(learner)).pc("1.1").simulated == 1


def test_the_admin_gives_a_reason_for_a_rule_change_next_to_its_field(app, admin):
    client = fresh_client(app, admin)
    data = {"A-tickets_per_pc": "1", "A-min_days": "0", "A-methods": ["O", "WP"]}
    response = client.post("/admin/frameworks/A", data=data)
    assert response.status_code == 422
    assert re.search(
        r'id="A-reason-error">[^<]*The reason for the change cannot be empty', text(response)
    )
    assert db.session.get(FrameworkRule, "A") is None
    data["A-reason"] = "A pilot term."
    assert client.post("/admin/frameworks/A", data=data).status_code == 302
    page = text(client.get("/admin/frameworks"))
    assert "Version 2." in page and "A pilot term." in page
    audit = text(client.get("/admin/audit?action=framework_rule_changed"))
    assert "Framework rule changed" in audit and "A pilot term." in audit


def test_the_assessor_moves_a_learner_on_to_the_newest_rules(app, admin, assessor, learner):
    fresh_client(app, admin).post(
        "/admin/frameworks/A",
        data={
            "A-tickets_per_pc": "2",
            "A-min_days": "0",
            "A-methods": ["O", "WP", "WT"],
            "A-reason": "Two tickets.",
        },
    )
    client = fresh_client(app, assessor)
    page = text(client.get(f"/assess/{learner.id}/sign-off"))
    assert "Rule version 1 of A" in page and "Move on to version 2" in page
    missing = client.post(f"/assess/{learner.id}/rules/move-on", data={"reason": " "})
    assert missing.status_code == 422
    assert re.search(r'id="reason-error">[^<]*The reason cannot be empty', text(missing))
    assert count(AuditEntry, action="learner_rules_moved") == 0
    moved = client.post(f"/assess/{learner.id}/rules/move-on", data={"reason": "Agreed."})
    assert moved.status_code == 302
    assert count(AuditEntry, action="learner_rules_moved") == 1
    page = text(client.get(f"/assess/{learner.id}/sign-off"))
    assert "Rule version 2 of A" in page and "Move on to version" not in page
    other = factories.make_user("assessor", email="oz@example.com", name="Oz Other")
    assert (
        fresh_client(app, other)
        .post(f"/assess/{learner.id}/rules/move-on", data={"reason": "x"})
        .status_code
        == 403
    )
