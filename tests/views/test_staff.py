"""The staff side: the queue, the ticket workspace, logging and reporting tickets."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from helpdesk.domain import Channel, Origin, Priority, Role, Status
from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent, User
from helpdesk.tickets import services
from tests import factories
from tests.helpers import assert_fragment, assert_panels, close, count, text

STAFF_POSTS = [
    "/staff/tickets/{id}/acknowledge",
    "/staff/tickets/{id}/reply",
    "/staff/tickets/{id}/note",
    "/staff/tickets/{id}/assign",
    "/staff/tickets/{id}/classify",
    "/staff/tickets/{id}/take",
    "/staff/tickets/new",
    "/staff/proactive/new",
]
STAFF_PAGES = [
    "/staff/tickets",
    "/staff/tickets/{id}",
    "/staff/tickets/new",
    "/staff/proactive/new",
]


def refs(body: str) -> list[str]:
    """Ticket references in the order the queue lists them."""
    return re.findall(r"<td>(T-\d{6})</td>", body)


def error_of(body: str, field: str) -> str:
    """The message next to ``field`` (workspace forms prefix their ids: "note-body")."""
    found = re.search(rf'<p class="field-error" id="(?:[a-z]+-)?{field}-error">([^<]*)</p>', body)
    return found.group(1) if found else ""


# --- who may come in -----------------------------------------------------------------


@pytest.mark.parametrize("url", STAFF_POSTS)
def test_a_customer_posting_to_a_staff_action_is_forbidden(login_as, customer, ticket, url):
    client = login_as(customer)
    before = count(TicketEvent)
    response = client.post(url.format(id=ticket.id), data={"body": "x", "need": "x"})
    assert response.status_code == 403
    assert count(TicketEvent) == before
    assert count(Ticket) == 1


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_a_customer_cannot_open_staff_pages(login_as, customer, ticket, url, hx):
    client = login_as(customer)
    assert client.get(url.format(id=ticket.id)).status_code == 403
    assert client.get(url.format(id=ticket.id), headers=hx).status_code == 403


def test_a_signed_in_person_without_a_staff_role_is_forbidden(login_as, assessor, ticket):
    client = login_as(assessor)
    assert client.get("/staff/tickets").status_code == 403
    assert client.post(f"/staff/tickets/{ticket.id}/note", data={"body": "x"}).status_code == 403


@pytest.mark.parametrize("url", STAFF_PAGES + STAFF_POSTS)
def test_anonymous_is_sent_to_sign_in_or_told_401_over_htmx(client, ticket, url, hx):
    path = url.format(id=ticket.id)
    response = client.post(path) if url in STAFF_POSTS else client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    partial = client.post(path, headers=hx) if url in STAFF_POSTS else client.get(path, headers=hx)
    assert partial.status_code == 401
    assert "<html" not in text(partial)
    assert count(TicketEvent) == 1


@pytest.mark.parametrize(
    "url", ["/staff/tickets/99999", "/staff/tickets/99999999999999999999999999"]
)
def test_a_forged_ticket_id_is_not_found(login_as, agent, url, hx):
    client = login_as(agent)
    assert client.get(url).status_code == 404
    assert client.get(url, headers=hx).status_code == 404
    for action in ("acknowledge", "reply", "note", "assign", "classify", "take"):
        assert client.post(f"{url}/{action}", data={"body": "x"}).status_code == 404


@pytest.mark.parametrize("headers", [{}, {"X-CSRFToken": "wrong"}])
def test_a_staff_action_without_a_valid_csrf_token_is_refused(login_as, agent, ticket, headers):
    client = login_as(agent)
    data = {"body": "A note", "idempotency_key": uuid.uuid4().hex}
    response = client.post(
        f"/staff/tickets/{ticket.id}/note", data=data, headers=headers, csrf=bool(headers)
    )
    assert response.status_code == 400
    assert count(TicketEvent, kind="note") == 0


# --- the queue -----------------------------------------------------------------------


@pytest.fixture
def queue(customer, other_customer, agent, supervisor, category):
    """A small queue with one ticket standing out on each filter."""
    refunds = factories.make_category("Refunds")
    late = factories.make_ticket(customer=customer, category=category, subject="Late parcel")
    phoned = factories.make_ticket(
        customer=other_customer,
        created_by=agent,
        category=refunds,
        channel=Channel.PHONE,
        priority=Priority.URGENT,
        subject="Refund not received",
        description="Paid twice, nothing back.",
    )
    proactive = factories.make_ticket(
        customer=None,
        created_by=agent,
        category=category,
        channel=Channel.INTERNAL,
        origin=Origin.INTERNAL,
        subject="Label printer jams",
        description="Labels 100% smudged_on the night shift.",
    )
    mine = factories.make_ticket(
        customer=customer,
        category=category,
        subject="Broken handle",
        description="The handle snapped off.",
    )
    services.acknowledge(mine, agent, need="A handle", impact="Cannot pour", feeling="Annoyed")
    theirs = factories.make_ticket(customer=customer, category=refunds, subject="Wrong colour")
    services.assign(theirs, supervisor, supervisor)
    closed = factories.make_ticket(customer=customer, category=refunds, subject="Old complaint")
    close(closed, agent)
    return {
        "late": late,
        "phoned": phoned,
        "proactive": proactive,
        "mine": mine,
        "theirs": theirs,
        "closed": closed,
        "refunds": refunds,
    }


FILTERS = [
    ("", ["late", "phoned", "proactive", "mine", "theirs"]),
    ("status=open", ["late", "phoned", "proactive", "mine", "theirs"]),
    ("status=closed", ["closed"]),
    ("status=any", ["late", "phoned", "proactive", "mine", "theirs", "closed"]),
    ("status=acknowledged", ["mine"]),
    ("status=new", ["late", "phoned", "proactive", "theirs"]),
    ("category={refunds}", ["phoned", "theirs"]),
    ("category={refunds}&status=any", ["phoned", "theirs", "closed"]),
    ("priority=1", ["phoned"]),
    ("assigned=me", ["mine"]),
    ("assigned=unassigned", ["late", "phoned", "proactive"]),
    ("channel=phone", ["phoned"]),
    ("channel=internal", ["proactive"]),
    ("origin=internal", ["proactive"]),
    ("origin=customer", ["late", "phoned", "mine", "theirs"]),
    ("q=handle", ["mine"]),
    ("q=SNAPPED", ["mine"]),
    ("q=refund+twice", ["phoned"]),
    ("q=refund+colour", []),
    ("q=100%25", ["proactive"]),
    ("q=zzz", []),
    ("channel=phone&priority=4", []),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_queue_filters(login_as, agent, queue, hx, query, expected):
    client = login_as(agent)
    response = client.get("/staff/tickets?" + query.format(refunds=queue["refunds"].id), headers=hx)
    assert response.status_code == 200
    want = sorted((queue[name] for name in expected), key=lambda t: -t.id)
    assert refs(text(response)) == [t.reference for t in want]
    if not expected:
        assert "No tickets match these filters." in text(response)


def test_queue_page_shows_the_filters_and_the_staff_limit(login_as, agent, queue):
    client = login_as(agent)
    body = text(client.get("/staff/tickets?status=closed&sort=oldest&q=old"))
    assert '<option value="closed" selected>' in body
    assert '<option value="oldest" selected>' in body
    assert 'value="old"' in body
    assert "You can offer up to £50.00" in body
    assert refs(body) == [queue["closed"].reference]


@pytest.mark.parametrize("query", ["q=%25", "q=_", "q=%22%28%2A", "q=the+and+of"])
def test_a_search_without_words_filters_nothing(login_as, agent, queue, hx, query):
    # Full-text search works on words: wildcards and syntax characters are not words
    # (and never reach the engine as syntax), so they leave the queue as it was.
    client = login_as(agent)
    everything = refs(text(client.get("/staff/tickets", headers=hx)))
    response = client.get("/staff/tickets?" + query, headers=hx)
    assert response.status_code == 200
    assert refs(text(response)) == everything


def test_queue_over_htmx_is_the_list_only_and_varies_on_hx_request(login_as, agent, queue, hx):
    client = login_as(agent)
    partial = client.get("/staff/tickets", headers=hx)
    body = text(partial)
    assert_fragment(body, "ticket-list")
    assert body.lstrip().startswith('<div id="ticket-list">')
    assert "Filter the queue" not in body
    assert "HX-Request" in partial.headers["Vary"]
    page = client.get("/staff/tickets")
    assert "<html" in text(page)
    assert "HX-Request" in page.headers["Vary"]


def test_a_boosted_htmx_navigation_gets_the_whole_page(login_as, agent, queue, hx):
    client = login_as(agent)
    response = client.get("/staff/tickets", headers=hx | {"HX-Boosted": "true"})
    assert "<html" in text(response)


MANGLED = [
    "after=abc",
    "after=" + "9" * 60,
    "after=-" + "9" * 40,
    "after=%00",
    "after=1.2.3",
    "sort=oldest&after=" + "9" * 30,
    "sort=priority&after=abc",
    "sort=priority&after=3.x",
    "sort=priority&after=" + "9" * 30 + ".1",
    "sort=priority&after=1." + "9" * 30,
    "sort=updated&after=abc",
    "sort=updated&after=1e400.5",
    "sort=updated&after=nan.5",
    "sort=updated&after=inf.5",
    "sort=updated&after=-1e20.5",
    "sort=updated&after=1." + "9" * 30,
    "sort=bogus",
    "status=bogus",
    "status=",
    "assigned=everyone",
    "priority=9",
    "priority=-1",
    "priority=%C2%B2",
    "priority=abc",
    "category=%C2%B2",
    "category=99999999999",
    "category=-3",
    "channel=%3Cscript%3E",
    "origin=nowhere",
    "q=" + "x" * 1000,
    "q=%27%3B+DROP+TABLE+tickets%3B--",
    "q=%5C",
    "q=a%00b",
    "q=+++",
    "status=any&status=closed",
]


@pytest.mark.parametrize("query", MANGLED)
def test_mangled_cursor_and_filter_values_are_ignored(login_as, agent, queue, query, hx):
    client = login_as(agent)
    assert client.get("/staff/tickets?" + query).status_code == 200
    assert client.get("/staff/tickets?" + query, headers=hx).status_code == 200
    assert count(Ticket) == 6


def test_a_mangled_cursor_starts_from_the_top(login_as, agent, queue, hx):
    client = login_as(agent)
    top = refs(text(client.get("/staff/tickets", headers=hx)))
    assert refs(text(client.get("/staff/tickets?after=abc", headers=hx))) == top


def expected_order(tickets: list[Ticket], sort: str) -> list[str]:
    keys = {
        "newest": lambda t: -t.id,
        "oldest": lambda t: t.id,
        "priority": lambda t: (t.priority, t.id),
        "updated": lambda t: (-t.updated_at.timestamp(), -t.id),
    }
    return [t.reference for t in sorted(tickets, key=keys[sort])]


def next_link(body: str) -> str | None:
    found = re.search(r'<a href="([^"]+)"\s+hx-get="[^"]+"[^>]*>Next page</a>', body)
    return html.unescape(found.group(1)) if found else None


@pytest.mark.parametrize("sort", ["newest", "oldest", "priority", "updated"])
def test_keyset_paging_walks_every_ticket_once_in_order(
    app, login_as, agent, customer, category, hx, monkeypatch, sort
):
    monkeypatch.setitem(app.config, "QUEUE_PAGE_SIZE", 3)
    tickets = [
        factories.make_ticket(
            customer=customer, category=category, subject=f"Problem {n}", priority=1 + n % 4
        )
        for n in range(8)
    ]
    # Touch a few out of order so "recently updated" differs from "newest".
    for t in (tickets[1], tickets[5], tickets[0]):
        services.add_note(t, agent, "Looked at it")
    client = login_as(agent)

    pages: list[list[str]] = []
    url: str | None = f"/staff/tickets?sort={sort}"
    while url is not None:
        assert len(pages) < 5, "the pager does not end"
        response = client.get(url, headers=hx)
        assert response.status_code == 200
        pages.append(refs(text(response)))
        url = next_link(text(response))
        if url is not None:
            assert f"sort={sort}" in url or sort == "newest"
            assert "after=" in url

    walked = [ref for page in pages for ref in page]
    assert [len(p) for p in pages] == [3, 3, 2]
    assert not set(pages[0]) & set(pages[1])
    assert len(walked) == len(set(walked)) == 8
    db.session.expire_all()
    assert walked == expected_order(tickets, sort)


def test_paging_keeps_the_filters(app, login_as, agent, customer, category, hx, monkeypatch):
    monkeypatch.setitem(app.config, "QUEUE_PAGE_SIZE", 2)
    urgent = [
        factories.make_ticket(customer=customer, category=category, priority=1) for _ in range(3)
    ]
    factories.make_ticket(customer=customer, category=category, priority=4)
    client = login_as(agent)
    first = text(client.get("/staff/tickets?priority=1", headers=hx))
    url = next_link(first)
    assert url is not None and "priority=1" in url
    second = text(client.get(url, headers=hx))
    assert refs(first) + refs(second) == [t.reference for t in reversed(urgent)]
    assert next_link(second) is None
    assert "First page" in second


def test_customer_text_is_escaped_in_the_queue_and_the_workspace(login_as, agent, customer):
    nasty = factories.make_ticket(
        customer=customer,
        subject="<script>alert(1)</script>",
        description="<b onmouseover=alert(2)>hi</b>",
    )
    client = login_as(agent)
    for url in ("/staff/tickets", f"/staff/tickets/{nasty.id}"):
        body = text(client.get(url))
        assert "<script>alert(1)</script>" not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
    assert "<b onmouseover" not in text(client.get(f"/staff/tickets/{nasty.id}"))


# --- the workspace -------------------------------------------------------------------


def test_workspace_shows_everything_including_internal_notes(login_as, agent, ticket):
    services.add_note(ticket, agent, "Supplier batch 42 is faulty")
    client = login_as(agent)
    body = text(client.get(f"/staff/tickets/{ticket.id}"))
    assert "Supplier batch 42 is faulty" in body
    assert "Casey Jones" in body and "casey@example.com" in body
    assert f'name="version" type="hidden" value="{ticket.version}"' in body
    assert "You can offer up to £50.00" in body


def action_data(name: str, ticket: Ticket, supervisor: User, category) -> dict[str, str]:
    """What the workspace form for ``name`` posts, with the version the agent saw."""
    version = str(ticket.version)
    if name == "acknowledge":
        return {
            "need": "A lid that fits",
            "impact": "Cannot make tea",
            "feeling": "Fed up",
            "version": version,
        }
    if name == "reply":
        return {"body": "A new lid is on its way.", "idempotency_key": "r" * 32, "version": version}
    if name == "note":
        return {"body": "Check the supplier batch.", "idempotency_key": "n" * 32}
    if name == "assign":
        return {"assignee_id": str(supervisor.id), "version": version}
    if name == "take":
        return {"version": version}
    assert name == "classify"
    return {
        "priority": "1",
        "category_id": str(category.id),
        "channel": "email",
        "origin": "customer",
        "cause": "system",
        "version": version,
    }


ACTIONS = {
    "acknowledge": "acknowledged",
    "reply": "reply",
    "note": "note",
    "assign": "assigned",
    "take": "assigned",
    "classify": "classified",
}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_a_workspace_action_as_a_full_page_post_redirects_back(
    login_as, agent, supervisor, ticket, category, name
):
    client = login_as(agent)
    response = client.post(
        f"/staff/tickets/{ticket.id}/{name}",
        data=action_data(name, ticket, supervisor, category),
    )
    assert response.status_code == 302, text(response)[:2000]
    assert response.headers["Location"] == f"/staff/tickets/{ticket.id}"
    assert count(TicketEvent, kind=ACTIONS[name]) == 1


# The panel each action's form sits in, and the panels its answer must also redraw.
PANELS = {
    "acknowledge": ("acknowledge", {"header", "timeline", "options", "reply", "facts", "assign"}),
    "reply": ("reply", {"timeline"}),
    "note": ("note", {"timeline"}),
    "assign": ("assign", {"timeline", "facts"}),
    "take": ("facts", {"timeline", "assign"}),
    "classify": ("classify", {"timeline", "facts"}),
}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_a_workspace_action_over_htmx_returns_its_panel_and_what_it_changed(
    login_as, agent, supervisor, ticket, category, name, hx
):
    client = login_as(agent)
    response = client.post(
        f"/staff/tickets/{ticket.id}/{name}",
        data=action_data(name, ticket, supervisor, category),
        headers=hx,
    )
    assert response.status_code == 200
    body = text(response)
    target, oob = PANELS[name]
    assert_panels(body, target, oob)
    assert count(TicketEvent, kind=ACTIONS[name]) == 1
    db.session.refresh(ticket)
    # The fresh forms carry the new version, so the next action is not refused as stale.
    assert f'name="version" type="hidden" value="{ticket.version}"' in body


def test_the_workspace_reflects_each_action(login_as, agent, supervisor, ticket, category):
    client = login_as(agent)
    url = f"/staff/tickets/{ticket.id}"
    client.post(f"{url}/acknowledge", data=action_data("acknowledge", ticket, supervisor, category))
    db.session.refresh(ticket)
    assert ticket.status == Status.ACKNOWLEDGED
    assert ticket.assignee_id == agent.id
    body = text(client.get(url))
    assert "Acknowledge</h2>" not in body
    assert "A lid that fits" in body
    client.post(f"{url}/classify", data=action_data("classify", ticket, supervisor, category))
    db.session.refresh(ticket)
    assert (ticket.priority, ticket.channel, ticket.cause) == (1, "email", "system")
    client.post(f"{url}/assign", data={"assignee_id": "", "version": str(ticket.version)})
    db.session.refresh(ticket)
    assert ticket.assignee_id is None


@pytest.mark.parametrize("name", ["acknowledge", "reply", "assign", "take", "classify"])
@pytest.mark.parametrize("over_htmx", [False, True], ids=["page", "htmx"])
def test_a_stale_version_gets_409_with_the_fresh_state(
    login_as, agent, supervisor, ticket, category, name, over_htmx, hx
):
    client = login_as(agent)
    data = action_data(name, ticket, supervisor, category)  # what the agent saw
    services.add_note(ticket, supervisor, "Sam got here first")  # meanwhile...
    response = client.post(
        f"/staff/tickets/{ticket.id}/{name}", data=data, headers=hx if over_htmx else {}
    )
    body = text(response)
    assert response.status_code == 409
    assert "changed since you opened it" in body
    assert "Sam got here first" in body
    db.session.refresh(ticket)
    assert f'name="version" type="hidden" value="{ticket.version}"' in body
    assert count(TicketEvent, kind=ACTIONS[name]) == 0
    assert ticket.status == Status.NEW and ticket.assignee_id is None
    if over_htmx:
        # Someone else's change may be anywhere: the whole workspace is redrawn.
        assert_fragment(body, "workspace")
        assert response.headers["HX-Retarget"] == "#workspace"
    if name == "reply":
        assert "A new lid is on its way." in body  # what was typed is kept


def test_a_double_submitted_staff_reply_adds_one_event(login_as, agent, supervisor, ticket, hx):
    client = login_as(agent)
    data = action_data("reply", ticket, supervisor, None)
    first = client.post(f"/staff/tickets/{ticket.id}/reply", data=data)
    second = client.post(f"/staff/tickets/{ticket.id}/reply", data=data, headers=hx)
    assert first.status_code == 302
    assert second.status_code == 200
    assert count(TicketEvent, kind="reply") == 1


def test_a_double_submitted_note_adds_one_event(login_as, agent, ticket):
    client = login_as(agent)
    data = {"body": "Once only", "idempotency_key": uuid.uuid4().hex}
    client.post(f"/staff/tickets/{ticket.id}/note", data=data)
    client.post(f"/staff/tickets/{ticket.id}/note", data=data)
    assert count(TicketEvent, kind="note") == 1


def test_a_closed_ticket_cannot_be_replied_to(login_as, agent, supervisor, ticket, hx):
    close(ticket, agent)
    client = login_as(agent)
    assert "Send reply" not in text(client.get(f"/staff/tickets/{ticket.id}"))
    data = action_data("reply", ticket, supervisor, None)
    for headers in ({}, hx):
        response = client.post(f"/staff/tickets/{ticket.id}/reply", data=data, headers=headers)
        assert response.status_code == 422
        assert "This ticket is closed; replies can no longer be sent." in text(response)
    assert count(TicketEvent, kind="reply") == 0


def test_a_proactive_ticket_has_no_customer_to_reply_to(login_as, agent, supervisor, category):
    report = factories.make_ticket(
        customer=None, created_by=agent, category=category, origin="internal", channel="internal"
    )
    client = login_as(agent)
    data = action_data("reply", report, supervisor, None)
    response = client.post(f"/staff/tickets/{report.id}/reply", data=data)
    assert response.status_code == 422
    assert "This ticket has no customer to reply to." in text(response)
    assert count(TicketEvent, kind="reply") == 0


@pytest.mark.parametrize("blank", ["need", "impact", "feeling"])
def test_acknowledge_needs_all_three_and_keeps_what_was_typed(
    login_as, agent, supervisor, ticket, category, blank
):
    client = login_as(agent)
    data = action_data("acknowledge", ticket, supervisor, category) | {blank: "  "}
    response = client.post(f"/staff/tickets/{ticket.id}/acknowledge", data=data)
    body = text(response)
    assert response.status_code == 422
    assert error_of(body, blank)
    for field in {"need", "impact", "feeling"} - {blank}:
        assert data[field] in body
    db.session.refresh(ticket)
    assert ticket.acknowledged_at is None


def test_acknowledge_refuses_oversized_text(login_as, agent, supervisor, ticket, category):
    client = login_as(agent)
    data = action_data("acknowledge", ticket, supervisor, category) | {"need": "n" * 2001}
    response = client.post(f"/staff/tickets/{ticket.id}/acknowledge", data=data)
    assert response.status_code == 422
    assert "2000" in error_of(text(response), "need")


def test_acknowledging_twice_is_refused(login_as, agent, supervisor, ticket, category, hx):
    client = login_as(agent)
    data = action_data("acknowledge", ticket, supervisor, category)
    client.post(f"/staff/tickets/{ticket.id}/acknowledge", data=data)
    db.session.refresh(ticket)
    data["version"] = str(ticket.version)
    again = client.post(f"/staff/tickets/{ticket.id}/acknowledge", data=data, headers=hx)
    assert again.status_code == 422
    assert "already been acknowledged" in text(again)
    assert count(TicketEvent, kind="acknowledged") == 1


@pytest.mark.parametrize("body", ["", "   ", "x" * 10_001])
def test_empty_or_oversized_notes_and_replies_are_refused(
    login_as, agent, supervisor, ticket, body
):
    client = login_as(agent)
    for name in ("note", "reply"):
        data = action_data(name, ticket, supervisor, None) | {"body": body}
        response = client.post(f"/staff/tickets/{ticket.id}/{name}", data=data)
        assert response.status_code == 422
        assert error_of(text(response), "body")
    assert count(TicketEvent) == 1


def test_assign_only_to_listed_active_staff(login_as, agent, customer, ticket):
    gone = factories.make_user("agent", email="gone@example.com", name="Gone Agent")
    gone.active = False
    db.session.commit()
    client = login_as(agent)
    page = text(client.get(f"/staff/tickets/{ticket.id}"))
    assert "Alex Agent" in page and "Gone Agent" not in page
    for who in (str(customer.id), str(gone.id), "99999", "abc"):
        response = client.post(
            f"/staff/tickets/{ticket.id}/assign",
            data={"assignee_id": who, "version": str(ticket.version)},
        )
        assert response.status_code == 422
        assert "Choose one of the listed options" in error_of(text(response), "assignee_id")
    assert count(TicketEvent, kind="assigned") == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category_id", "99999"),
        ("priority", "9"),
        ("channel", "fax"),
        ("origin", "moon"),
        ("cause", "gremlins"),
    ],
)
def test_classify_refuses_values_not_on_offer(
    login_as, agent, supervisor, ticket, category, field, value
):
    client = login_as(agent)
    data = action_data("classify", ticket, supervisor, category) | {field: value}
    response = client.post(f"/staff/tickets/{ticket.id}/classify", data=data)
    assert response.status_code == 422
    assert "Choose one of the listed options" in error_of(text(response), field)
    assert count(TicketEvent, kind="classified") == 0


def test_a_mangled_version_is_a_422_not_a_500(login_as, agent, supervisor, ticket, category):
    client = login_as(agent)
    data = action_data("assign", ticket, supervisor, category) | {"version": "abc"}
    assert client.post(f"/staff/tickets/{ticket.id}/assign", data=data).status_code == 422


# --- logging a ticket for a customer -------------------------------------------------


def log_data(category, **changes):
    return {
        "customer_email": "new.person@example.com",
        "customer_name": "New Person",
        "channel": "phone",
        "subject": "Phoned about a broken lamp",
        "description": "The lamp flickers and then goes out.",
        "category_id": str(category.id),
        "priority": "2",
        "order_ref": "",
        "idempotency_key": uuid.uuid4().hex,
    } | changes


def test_log_form_offers_offline_channels_only(login_as, agent, category):
    client = login_as(agent)
    body = text(client.get("/staff/tickets/new"))
    assert 'value="phone"' in body and 'value="in_person"' in body
    assert 'value="internal"' not in body


def test_log_a_ticket_for_a_new_customer(login_as, agent, category):
    client = login_as(agent)
    response = client.post("/staff/tickets/new", data=log_data(category))
    ticket = db.session.scalar(db.select(Ticket))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/tickets/{ticket.id}"
    made = db.session.scalar(db.select(User).filter_by(email="new.person@example.com"))
    assert made is not None
    assert made.name == "New Person"
    assert made.role_names == {Role.CUSTOMER}
    assert made.password_hash is None
    assert ticket.customer_id == made.id
    assert ticket.created_by_id == agent.id
    assert ticket.channel == Channel.PHONE
    assert ticket.origin == Origin.CUSTOMER
    assert ticket.priority == Priority.HIGH
    created = ticket.events[0]
    assert created.kind == "created"
    assert created.data == {"channel": "phone", "origin": "customer", "on_behalf": True}
    page = text(client.get(response.headers["Location"]))
    assert f"Logged {ticket.reference} for New Person." in page
    assert "raised the ticket for the customer (Phone)" in page


def test_log_a_ticket_for_an_existing_customer_reuses_the_account(
    login_as, agent, customer, category
):
    client = login_as(agent)
    users = count(User)
    data = log_data(category, customer_email="CASEY@example.com", customer_name="Casey J")
    client.post("/staff/tickets/new", data=data)
    assert count(User) == users
    assert db.session.scalar(db.select(Ticket)).customer_id == customer.id


LOG_BAD = [
    ("subject", ""),
    ("subject", "s" * 201),
    ("description", ""),
    ("description", "d" * 10_001),
    ("customer_email", ""),
    ("customer_email", "not-an-email"),
    ("customer_name", ""),
    ("channel", "internal"),
    ("priority", "7"),
    ("order_ref", "r" * 61),
]


@pytest.mark.parametrize(("field", "value"), LOG_BAD)
def test_log_refuses_bad_fields_and_keeps_the_rest(login_as, agent, category, field, value):
    client = login_as(agent)
    users = count(User)
    data = log_data(category, **{field: value})
    response = client.post("/staff/tickets/new", data=data)
    body = text(response)
    assert response.status_code == 422
    assert error_of(body, field)
    for other in ("subject", "description", "customer_email", "customer_name"):
        if other != field:
            assert html.escape(data[other], quote=True) in body, f"{other} was not kept"
    if len(value) > 100:
        assert value in body
    assert count(Ticket) == 0
    assert count(User) == users


@pytest.mark.parametrize(
    "changes",
    [{"subject": "Lamp\x00"}, {"customer_name": "\x00"}, {"idempotency_key": "k" * 65}],
)
def test_log_refuses_forged_values_with_400_not_500(login_as, agent, category, changes):
    client = login_as(agent)
    response = client.post("/staff/tickets/new", data=log_data(category, **changes))
    assert response.status_code == 400
    assert count(Ticket) == 0


def test_a_forged_note_key_is_refused(login_as, agent, ticket):
    client = login_as(agent)
    data = {"body": "A note", "idempotency_key": "k" * 65}
    assert client.post(f"/staff/tickets/{ticket.id}/note", data=data).status_code == 400
    assert count(TicketEvent, kind="note") == 0


def test_log_refuses_an_unknown_category(login_as, agent, category):
    client = login_as(agent)
    response = client.post("/staff/tickets/new", data=log_data(category, category_id="99999"))
    body = text(response)
    assert response.status_code == 422
    assert "Choose one of the listed options" in error_of(body, "category_id")
    assert "Phoned about a broken lamp" in body and "new.person@example.com" in body
    assert count(Ticket) == 0


def test_a_double_submitted_log_makes_one_ticket(login_as, agent, category):
    client = login_as(agent)
    data = log_data(category)
    first = client.post("/staff/tickets/new", data=data)
    second = client.post("/staff/tickets/new", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Ticket) == 1
    assert count(User, email="new.person@example.com") == 1


# --- reporting a problem before it reaches customers ---------------------------------


def proactive_data(category, **changes):
    return {
        "what": "Label printer drops lines",
        "where": "The label printer on the dispatch bench.",
        "risk": "Postcodes lose their last line; parcels may go astray.",
        "category_id": str(category.id),
        "priority": "2",
        "idempotency_key": uuid.uuid4().hex,
    } | changes


def test_report_a_proactive_problem(login_as, agent, category):
    client = login_as(agent)
    assert client.get("/staff/proactive/new").status_code == 200
    response = client.post("/staff/proactive/new", data=proactive_data(category))
    ticket = db.session.scalar(db.select(Ticket))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/tickets/{ticket.id}"
    assert ticket.origin == Origin.INTERNAL
    assert ticket.channel == Channel.INTERNAL
    assert ticket.customer_id is None
    assert ticket.created_by_id == agent.id
    assert not ticket.events[0].is_public
    page = text(client.get(response.headers["Location"]))
    assert f"Reported as {ticket.reference}." in page
    assert "Proactive report" in page
    assert "None (internal)" in page
    assert "Proactive" in text(client.get("/staff/tickets"))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("what", ""),
        ("what", "s" * 201),
        ("where", ""),
        ("where", "w" * 2001),
        ("risk", " "),
        ("risk", "r" * 2001),
        ("category_id", ""),
        ("category_id", "99999"),
        ("priority", "0"),
    ],
)
def test_proactive_refuses_bad_fields_and_keeps_the_rest(login_as, agent, category, field, value):
    client = login_as(agent)
    data = proactive_data(category, **{field: value})
    response = client.post("/staff/proactive/new", data=data)
    body = text(response)
    assert response.status_code == 422
    assert error_of(body, field)
    if field == "category_id" and value:
        assert "Choose one of the listed options" in error_of(body, field)
    for other in ("what", "where", "risk"):
        if other != field:
            assert html.escape(data[other], quote=True) in body
    if len(value) > 100:
        assert value in body
    assert count(Ticket) == 0


def test_a_double_submitted_proactive_report_makes_one_ticket(login_as, agent, category):
    client = login_as(agent)
    data = proactive_data(category)
    client.post("/staff/proactive/new", data=data)
    client.post("/staff/proactive/new", data=data)
    assert count(Ticket) == 1
