"""Staff notifications: the unread count in the header, the list, and marking them read."""

from __future__ import annotations

import re

import pytest

from helpdesk.extensions import db
from helpdesk.models import Notification
from helpdesk.tickets import options as opts
from tests.helpers import assert_fragment, text
from tests.resolving import acknowledged, add_option, notices_for


def unread_badge(body: str) -> int | None:
    found = re.search(r'<span class="badge count">(\d+)<span class="visually-hidden"> unread', body)
    return int(found.group(1)) if found else None


@pytest.fixture
def two_notices(ticket, agent, supervisor):
    """The agent asks Sam to confirm two options: Sam is notified twice."""
    acknowledged(ticket, agent)
    for description in ("Refund", "Replace"):
        option = add_option(ticket, agent, description=description)
        opts.request_confirmation(option, agent, supervisor)
    return supervisor


def test_the_header_shows_the_unread_count_to_staff(login_as, client, agent, two_notices):
    assert unread_badge(text(login_as(two_notices).get("/staff/tickets"))) == 2
    assert unread_badge(text(client.get("/staff/approvals"))) == 2
    client.post("/logout")
    assert unread_badge(text(login_as(agent).get("/staff/tickets"))) is None


def test_customers_see_no_notification_count(login_as, customer, two_notices):
    body = text(login_as(customer).get("/my/tickets"))
    assert unread_badge(body) is None
    assert "Notifications" not in body


def test_the_list_shows_ones_own_notifications_with_links(login_as, ticket, two_notices, hx):
    client = login_as(two_notices)
    body = text(client.get("/staff/notifications"))
    assert body.count("Alex Agent asks you to confirm an option") == 2
    assert body.count('<span class="badge status-new">New</span>') == 2
    assert f'href="/staff/tickets/{ticket.id}"' in body
    partial = client.get("/staff/notifications", headers=hx)
    assert partial.status_code == 200
    assert_fragment(text(partial), "notification-list")


@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_marking_all_read_clears_the_count(login_as, agent, two_notices, over_htmx, hx):
    agent_notice = Notification(user_id=agent.id, kind="test", text="For Alex")
    db.session.add(agent_notice)
    db.session.commit()
    client = login_as(two_notices)
    if over_htmx:
        # htmx follows the redirect itself and swaps in the list.
        response = client.post("/staff/notifications/read", headers=hx, follow_redirects=True)
        assert response.status_code == 200
        assert_fragment(text(response), "notification-list")
        assert "New</span>" not in text(response)
    else:
        response = client.post("/staff/notifications/read")
        assert response.status_code == 302
        assert response.headers["Location"] == "/staff/notifications"
    assert all(n.read_at is not None for n in notices_for(two_notices))
    assert unread_badge(text(client.get("/staff/tickets"))) is None
    db.session.refresh(agent_notice)
    assert agent_notice.read_at is None  # someone else's stay unread


@pytest.mark.parametrize(
    ("method", "url"), [("get", "/staff/notifications"), ("post", "/staff/notifications/read")]
)
def test_customers_are_forbidden_and_anonymous_sent_to_sign_in(
    client, login_as, customer, method, url
):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login_as(customer)
    assert getattr(client, method)(url).status_code == 403


# --- the development outbox page -------------------------------------------------------


def test_the_dev_mail_page_shows_each_message_rendered_and_escaped(
    app, login_as, admin, monkeypatch
):
    from helpdesk.extensions import db
    from helpdesk.models import OutboxMessage

    db.session.add(
        OutboxMessage(
            to_email="casey@example.com",
            subject="Not solved\nStill leaking",
            body="We will **refund** you.\n\n<script>alert(1)</script>",
            kind="update",
        )
    )
    db.session.commit()
    client = login_as(admin)
    assert client.get("/staff/dev/mail").status_code == 404  # not in debug, not switched on
    monkeypatch.setitem(app.config, "DEV_MAIL_PAGE", True)
    page = client.get("/staff/dev/mail").get_data(as_text=True)
    assert "Not solved" in page and "Still leaking" not in page
    assert "<strong>refund</strong>" in page
    assert "We will refund you." in page  # the plain part, without asterisks
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_the_dev_mail_page_is_for_admins_only(app, login_as, agent, monkeypatch):
    monkeypatch.setitem(app.config, "DEV_MAIL_PAGE", True)
    assert login_as(agent).get("/staff/dev/mail").status_code == 403
