"""The audit log, a customer's data download and erasure."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models import AuditEntry, Ticket, TicketEvent, User
from helpdesk.models.guards import ERASED_TEXT, AppendOnlyError, erasure
from helpdesk.tickets.services import customer_reply, reply
from tests import factories
from tests.views.test_attachments import PNG, raise_with, upload

NAME, EMAIL = "Casey Jones", "casey@example.com"


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_sign_in_failure_and_sign_out_are_audited(client, customer) -> None:
    client.post("/login", data={"email": EMAIL, "password": "wrong-password-123"})
    client.post("/login", data={"email": EMAIL, "password": factories.PASSWORD})
    client.post("/logout")
    assert actions() == ["login_failed", "login", "logout"]
    failed = db.session.scalars(select(AuditEntry)).first()
    assert failed is not None and failed.target_id == customer.id
    assert "password" not in json.dumps(failed.details)


def test_role_limit_and_disabling_are_audited(client, login_as, admin, agent) -> None:
    login_as(admin)
    response = client.post(
        f"/admin/users/{agent.id}",
        data={"name": agent.name, "roles": ["agent", "supervisor"], "authority_limit": "75.00"},
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
    assert {"roles_changed", "limit_changed", "account_disabled"} <= set(actions())
    page = client.get("/admin/audit?action=roles_changed&actor=ada@example.com")
    assert page.status_code == 200 and "Roles changed" in page.get_data(as_text=True)
    assert "No entries match" in client.get("/admin/audit?actor=nobody@x.example").get_data(
        as_text=True
    )


def test_the_audit_log_pages_by_keyset(client, login_as, admin) -> None:
    from helpdesk.audit import audit, list_entries

    for _ in range(5):
        audit("data_exported", admin, admin)
    db.session.commit()
    first = list_entries(action="data_exported", page_size=3)
    assert len(first.entries) == 3 and first.next_before is not None
    second = list_entries(action="data_exported", page_size=3, before=first.next_before)
    assert len(second.entries) == 2 and second.next_before is None
    login_as(admin)
    assert client.get(f"/admin/audit?before={first.next_before}").status_code == 200


def test_customers_cannot_read_the_audit_log(client, login_as, customer) -> None:
    login_as(customer)
    assert client.get("/admin/audit").status_code in (403, 404)


def test_audit_entries_are_append_only(app, admin) -> None:
    from helpdesk.audit import audit

    entry = audit("login", admin, admin)
    db.session.commit()
    entry.action = "logout"
    with pytest.raises(AppendOnlyError), erasure(db.session):
        db.session.flush()
    db.session.rollback()


def test_erasure_may_only_write_erased_over_an_event(app, ticket) -> None:
    event = ticket.events[0]
    event.body = "something else"
    with pytest.raises(AppendOnlyError), erasure(db.session):
        db.session.flush()
    db.session.rollback()


def test_a_customer_downloads_their_data(client, login_as, customer, category) -> None:
    login_as(customer)
    assert raise_with(client, category, upload(PNG, "photo.png")).status_code == 302
    page = client.get("/my/data")
    assert page.status_code == 200 and "Download my data" in page.get_data(as_text=True)
    response = client.post("/my/data/download")
    assert response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == EMAIL
    assert data["tickets"][0]["subject"] == "Photo of the damage"
    assert any(n.endswith("photo.png") for n in archive.namelist())
    assert client.post("/my/data/download", csrf=False).status_code == 400
    assert "data_exported" in actions()


def _text_everywhere() -> str:
    chunks = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            chunks.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(chunks)


def test_erasure_removes_the_customer_everywhere(
    client, login_as, customer, agent, category
) -> None:
    customer.phone, customer.department = "01234 567890", "Accounts"
    db.session.commit()
    ticket = factories.make_ticket(customer=customer, category=category, order_ref="ORD-991")
    reply(ticket, agent, f"Hello {NAME}, we are on it.")
    customer_reply(ticket, customer, "Thanks, my number is 01234 567890.")
    before = db.session.scalar(select(func.count(Ticket.id)))
    assert NAME in _text_everywhere() and EMAIL in _text_everywhere()

    login_as(customer)
    assert client.post("/my/data/erase", data={}).status_code == 422  # must confirm
    response = client.post("/my/data/erase", data={"confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()

    text = _text_everywhere()
    for personal in (NAME, EMAIL, "01234 567890", "ORD-991", "Accounts"):
        assert personal not in text, personal
    user = db.session.get(User, customer.id)
    assert user is not None
    assert user.name == f"Erased customer #{user.id}"
    assert user.email == f"erased-{user.id}@invalid"
    assert user.password_hash is None and not user.active
    assert db.session.scalar(select(func.count(Ticket.id))) == before
    bodies = [e.body for e in db.session.scalars(select(TicketEvent)) if e.body]
    assert ERASED_TEXT in bodies
    assert "account_erased" in actions()
    # The session has ended, and the old password no longer works.
    assert client.get("/my/tickets").status_code in (302, 401)
    assert (
        client.post("/login", data={"email": EMAIL, "password": factories.PASSWORD}).status_code
        == 422
    )


def test_an_admin_erases_a_customer_and_staff_still_see_the_ticket(
    client, login_as, admin, agent, customer, ticket
) -> None:
    login_as(admin)
    assert client.get(f"/admin/users/{customer.id}/erase").status_code == 200
    response = client.post(f"/admin/users/{customer.id}/erase", data={"confirm": "y"})
    assert response.status_code == 302
    assert client.post(f"/admin/users/{agent.id}/erase", data={"confirm": "y"}).status_code == 422
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "account_erased")
    ).one()
    assert entry.actor_id == admin.id and entry.target_id == customer.id
    client.post("/logout")
    login_as(agent)
    page = client.get(f"/staff/tickets/{ticket.id}")
    assert page.status_code == 200
    assert f"Erased customer #{customer.id}" in page.get_data(as_text=True)


def test_an_erased_customers_ticket_still_renders_in_a_portfolio(
    client, login_as, customer
) -> None:
    from helpdesk.data_rights import erase
    from tests.factories import make_learner
    from tests.portfolio import acknowledged_ticket

    learner = make_learner()
    ticket = acknowledged_ticket(learner, customer)
    erase(customer, learner)
    login_as(learner)
    assert client.get(f"/portfolio/{learner.id}").status_code == 200
    assert client.get(f"/staff/tickets/{ticket.id}").status_code in (200, 403, 404)
