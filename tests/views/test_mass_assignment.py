"""Mass assignment: names a form does not declare are ignored, and the attempt is logged."""

from __future__ import annotations

import importlib
import pkgutil

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields.core import UnboundField

import helpdesk
from helpdesk.domain import Role, Status
from helpdesk.extensions import db
from helpdesk.forms import PROTECTED_FIELDS
from helpdesk.models import AuditEntry, Ticket, TicketEvent, User
from tests.conftest import login
from tests.factories import PASSWORD

PROBE = {
    "role": "admin",
    "author_id": "1",
    "internal": "1",
    "status": Status.CLOSED_SATISFIED.value,
    "customer_id": "1",
    "limit": "99999999",
}


def logged() -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).filter_by(action="undeclared_fields")))


def all_forms() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(helpdesk.__path__, "helpdesk."):
        importlib.import_module(module.name)
    found, todo = [], [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        found.append(cls)
    return found


def test_no_form_of_ours_declares_a_protected_name(app):
    declared = {
        (form.__qualname__, name)
        for form in all_forms()
        for name in dir(form)
        if isinstance(getattr(form, name, None), UnboundField)
    }
    assert len(declared) > 100  # the walk found the forms
    clashes = sorted((form, name) for form, name in declared if name in PROTECTED_FIELDS)
    assert not clashes, clashes


def test_registering_with_a_role_makes_a_plain_customer_and_is_logged(client):
    data = {
        "name": "Mallory",
        "email": "mallory@example.com",
        "password": PASSWORD,
        "confirm": PASSWORD,
        **PROBE,
    }
    response = client.post("/register", data=data)
    assert response.status_code == 302
    user = db.session.scalar(select(User).filter_by(email="mallory@example.com"))
    assert user is not None
    assert user.role_names == {Role.CUSTOMER} and user.authority_limit_minor == 0
    (entry,) = logged()
    assert entry.details["fields"] == sorted(PROBE)
    assert entry.details["path"] == "/register"
    assert entry.actor_id is None  # not signed in yet when the form was posted


def test_a_customer_reply_cannot_be_made_internal_or_someone_elses(client, customer, agent, ticket):
    login(client, customer.email)
    probe = PROBE | {"author_id": str(agent.id), "customer_id": str(agent.id)}
    response = client.post(f"/my/tickets/{ticket.id}/reply", data={"body": "Still broken", **probe})
    assert response.status_code in (200, 302)
    event = db.session.scalars(
        select(TicketEvent).filter_by(ticket_id=ticket.id, body="Still broken")
    ).one()
    assert event.actor_id == customer.id and event.is_public
    db.session.refresh(ticket)
    assert ticket.customer_id == customer.id and ticket.status != Status.CLOSED_SATISFIED
    (entry,) = logged()
    assert entry.actor_id == customer.id and "internal" in entry.details["fields"]


def test_an_agent_cannot_raise_their_own_limit_through_another_form(client, agent, category):
    login(client, agent.email)
    client.post(
        "/staff/proactive/new",
        data={"subject": "Courier delay", "body": "Heads up", "authority_limit_minor": "999999"},
    )
    db.session.refresh(agent)
    assert agent.authority_limit_minor == 5_000
    (entry,) = logged()
    assert entry.details["fields"] == ["authority_limit_minor"] and entry.actor_id == agent.id


def test_ordinary_posts_write_nothing(client, customer, ticket):
    login(client, customer.email)
    client.post(f"/my/tickets/{ticket.id}/reply", data={"body": "Thanks"})
    assert logged() == []
    assert db.session.scalar(select(Ticket.id)) == ticket.id
