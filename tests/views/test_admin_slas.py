"""Admins set the service targets per priority; new tickets' clocks follow them."""

from datetime import timedelta

import pytest

from helpdesk.extensions import db
from helpdesk.models import SlaPolicy
from tests import factories


def test_the_page_shows_the_defaults_for_every_priority(login_as, admin):
    page = login_as(admin).get("/admin/slas")
    assert page.status_code == 200
    for label in ("Urgent", "High", "Normal", "Low"):
        assert f">{label}</h2>" in page.get_data(as_text=True)
    assert 'value="480"' in page.get_data(as_text=True)  # normal: 8 h to first response


def test_saving_targets_applies_to_new_tickets(login_as, admin, customer):
    client = login_as(admin)
    response = client.post(
        "/admin/slas/3",
        data={
            "p3-first_response_minutes": "60",
            "p3-update_interval_minutes": "120",
            "p3-resolution_minutes": "1440",
        },
    )
    assert response.status_code == 302
    policy = db.session.scalar(db.select(SlaPolicy).where(SlaPolicy.priority == 3))
    assert (policy.first_response_minutes, policy.resolution_minutes) == (60, 1440)
    ticket = factories.make_ticket(customer=customer)
    assert ticket.first_response_due_at - ticket.created_at == timedelta(minutes=60)
    assert ticket.resolution_due_at - ticket.created_at == timedelta(days=1)


@pytest.mark.parametrize(
    "values,message",
    [
        (("0", "120", "1440"), "Between 1 minute and 90 days"),
        (("abc", "120", "1440"), "Not a valid integer value"),
        (("600", "120", "60"), "Resolution cannot come before the first response"),
        (("60", "", "1440"), "Give a number of minutes"),
    ],
)
def test_bad_targets_are_refused_next_to_the_field(login_as, admin, values, message):
    client = login_as(admin)
    names = ("first_response_minutes", "update_interval_minutes", "resolution_minutes")
    data = {f"p2-{n}": v for n, v in zip(names, values, strict=True)}
    response = client.post("/admin/slas/2", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(SlaPolicy)) is None


@pytest.mark.parametrize("role", ["agent", "supervisor", "customer", "assessor"])
def test_only_admins_may_change_targets(client, role):
    user = factories.make_user(role)
    from tests.conftest import login

    login(client, user.email)
    assert client.get("/admin/slas").status_code == 403
    assert client.post("/admin/slas/1", data={}).status_code == 403


def test_an_unknown_priority_is_not_found(login_as, admin):
    assert login_as(admin).post("/admin/slas/9", data={}).status_code == 404
