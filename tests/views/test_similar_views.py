"""The similar-tickets panel, linking to problem records from it and from the queue, the
admin settings page and category supervisors; and customers kept out of all of it."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, insert, select

from helpdesk.extensions import db
from helpdesk.models import Notification, ProblemLink, ProblemRecord, Setting
from helpdesk.models.problem import category_supervisors
from helpdesk.problems.services import create_problem
from helpdesk.settings import get_int
from tests import factories
from tests.conftest import login
from tests.helpers import assert_fragment, close, count, text

DAMAGED = {
    "subject": "Kettle arrived with a cracked lid",
    "description": "The courier left the parcel outside; the kettle lid is cracked and leaks.",
}
UNRELATED = {"subject": "Invoice address wrong", "description": "Change the billing postcode."}


def refs(body: str) -> list[str]:
    return re.findall(r"<td>(T-\d{6})</td>", body)


def is_ticked(body: str, ticket) -> bool:
    return re.search(rf'id="similar-{ticket.id}" checked', body) is not None


def error_of(body: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', body)
    return found.group(1) if found else ""


@pytest.fixture
def kettles(customer, category):
    """Three near-identical open tickets: the third arrives as a possible repeat."""
    return [factories.make_ticket(customer=customer, category=category, **DAMAGED) for _ in "abc"]


@pytest.fixture
def staff(login_as, agent, supervisor):
    return login_as(agent)


# --- the panel ------------------------------------------------------------------------


def test_the_workspace_loads_the_panel_after_opening(staff, kettles):
    body = text(staff.get(f"/staff/tickets/{kettles[0].id}"))

    section = re.search(r'<section id="similar-panel"[^>]*>', body).group(0)
    assert f'hx-get="/staff/tickets/{kettles[0].id}/similar"' in section
    assert 'hx-trigger="load"' in section and 'hx-swap="outerHTML"' in section
    assert "Finding similar tickets…" in body
    assert body.index('id="facts-heading"') < body.index('id="similar-panel"')


def test_the_panel_is_a_fragment_listing_similar_tickets(staff, hx, kettles, customer, category):
    unrelated = factories.make_ticket(customer=customer, category=category, **UNRELATED)
    problem = create_problem(
        factories.make_user("agent"), title="Lids", category_id=category.id, tickets=[kettles[1]]
    )

    response = staff.get(f"/staff/tickets/{kettles[0].id}/similar", headers=hx)

    assert response.status_code == 200
    body = text(response)
    assert_fragment(body, "similar-panel")
    assert f'href="/staff/tickets/{kettles[1].id}">{kettles[1].reference}</a>' in body
    assert kettles[2].reference in body and DAMAGED["subject"] in body
    assert unrelated.reference not in body
    assert kettles[0].reference + "</a>" not in body  # never itself
    assert "New</span>" in body and "Deliveries" in body
    assert f'in <a href="/staff/problems/{problem.id}">{problem.reference}</a>' in body
    assert '<caption class="visually-hidden">' in body and "<legend>" in body
    assert f'<label for="similar-{kettles[1].id}" class="visually-hidden">' in body
    assert 'name="csrf_token"' in body
    # The title starts as the subject; the open record of a similar ticket is suggested.
    assert f'value="{DAMAGED["subject"]}"' in body
    assert f'<option selected value="{problem.id}">' in body


def test_the_panel_is_also_a_plain_page(staff, kettles):
    response = staff.get(f"/staff/tickets/{kettles[0].id}/similar")

    assert response.status_code == 200
    assert "<html" in text(response) and 'id="similar-panel"' in text(response)


def test_customer_text_is_escaped_in_the_panel(staff, hx, kettles, customer, category):
    factories.make_ticket(
        customer=customer,
        category=category,
        subject="<b>Kettle</b> lid cracked <script>alert(1)</script>",
        description=DAMAGED["description"],
    )

    body = text(staff.get(f"/staff/tickets/{kettles[0].id}/similar", headers=hx))

    assert "&lt;b&gt;Kettle&lt;/b&gt;" in body
    assert "<script>alert(1)" not in body


def test_no_similar_tickets_says_so(staff, hx, ticket):
    body = text(staff.get(f"/staff/tickets/{ticket.id}/similar", headers=hx))

    assert "No similar tickets found." in body
    assert "No problem record is open yet." in body


def test_open_records_are_offered_same_category_first_newest_first(
    staff, hx, kettles, agent, category
):
    other = factories.make_category("Billing")
    mine = create_problem(agent, title="Mine", category_id=category.id)
    theirs = create_problem(agent, title="Theirs", category_id=other.id)
    newer_mine = create_problem(agent, title="Newer mine", category_id=category.id)
    shut = create_problem(agent, title="Shut", category_id=category.id)
    shut.status = "closed"
    db.session.commit()

    body = text(staff.get(f"/staff/tickets/{kettles[0].id}/similar", headers=hx))

    offered = re.findall(r'<option (?:selected )?value="(\d+)">', body)
    assert offered == [str(newer_mine.id), str(mine.id), str(theirs.id)]


# --- linking from the panel -----------------------------------------------------------


def test_link_to_a_new_record_re_renders_the_panel(staff, hx, kettles, supervisor, category):
    response = staff.post(
        f"/staff/tickets/{kettles[0].id}/link-problem",
        data={"mode": "new", "title": "Cracked kettle lids", "ticket_ids": [kettles[2].id]},
        headers=hx,
    )

    assert response.status_code == 200
    body = text(response)
    assert_fragment(body, "similar-panel")
    problem = db.session.scalar(select(ProblemRecord))
    assert (problem.title, problem.category_id) == ("Cracked kettle lids", category.id)
    assert f"Linked {kettles[0].reference}, {kettles[2].reference} to {problem.reference}." in body
    assert f'This ticket is in <a href="/staff/problems/{problem.id}">' in body
    linked = set(db.session.scalars(select(ProblemLink.ticket_id)))
    assert linked == {kettles[0].id, kettles[2].id}
    assert count(Notification, user_id=supervisor.id, kind="repeat_alert") == 1


def test_link_without_javascript_redirects_to_the_ticket(staff, kettles):
    response = staff.post(
        f"/staff/tickets/{kettles[0].id}/link-problem",
        data={"mode": "new", "title": "Cracked kettle lids", "ticket_ids": [kettles[1].id]},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/tickets/{kettles[0].id}#similar-panel"
    assert count(ProblemLink) == 2


def test_link_to_an_existing_record(staff, hx, kettles, agent, category):
    problem = create_problem(agent, title="Lids", category_id=category.id, tickets=[kettles[1]])

    response = staff.post(
        f"/staff/tickets/{kettles[0].id}/link-problem",
        data={"mode": "existing", "problem_id": problem.id, "ticket_ids": [kettles[2].id]},
        headers=hx,
    )

    assert response.status_code == 200
    assert count(ProblemLink, problem_id=problem.id) == 3
    assert count(ProblemRecord) == 1
    assert f"to {problem.reference}." in text(response)


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"mode": "new", "title": "  "}, "similar-title", "The title cannot be empty."),
        (
            {"mode": "existing", "problem_id": ""},
            "similar-problem_id",
            "Choose one of the open problem records.",
        ),
        (
            {"mode": "existing", "problem_id": "99999"},
            "similar-problem_id",
            "Choose one of the open problem records.",
        ),
        ({"mode": "sideways", "title": "x"}, "similar-mode", "Not a valid choice."),
    ],
)
def test_refusals_are_422_with_the_message_and_the_ticks_kept(
    staff, hx, kettles, data, field, message
):
    response = staff.post(
        f"/staff/tickets/{kettles[0].id}/link-problem",
        data=data | {"ticket_ids": [kettles[1].id]},
        headers=hx,
    )

    assert response.status_code == 422
    body = text(response)
    assert_fragment(body, "similar-panel")
    assert error_of(body, field) == message
    assert is_ticked(body, kettles[1]) and not is_ticked(body, kettles[2])
    assert count(ProblemRecord) == 0 and count(ProblemLink) == 0


def test_a_ticket_already_in_another_record_is_refused(staff, hx, kettles, agent, category):
    other = create_problem(agent, title="Other", category_id=category.id, tickets=[kettles[2]])

    response = staff.post(
        f"/staff/tickets/{kettles[0].id}/link-problem",
        data={"mode": "new", "title": "Lids", "ticket_ids": [kettles[1].id, kettles[2].id]},
        headers=hx,
    )

    assert response.status_code == 422
    body = text(response)
    assert f"{kettles[2].reference} already belongs to {other.reference}." in body
    assert is_ticked(body, kettles[1]) and is_ticked(body, kettles[2])
    assert 'value="Lids"' in body
    assert count(ProblemRecord) == 1 and count(ProblemLink) == 1


def test_nothing_new_to_link_is_refused(staff, hx, kettles, agent, category):
    problem = create_problem(agent, title="Lids", category_id=category.id, tickets=kettles[:2])

    response = staff.post(
        f"/staff/tickets/{kettles[0].id}/link-problem",
        data={"mode": "existing", "problem_id": problem.id, "ticket_ids": [kettles[1].id]},
        headers=hx,
    )

    assert response.status_code == 422
    assert "Nothing to link" in text(response)


@pytest.mark.parametrize("forged", ["abc", "-1", "99999999999999999999999", "١"])
def test_forged_ticket_ids_are_refused(staff, hx, kettles, forged):
    response = staff.post(
        f"/staff/tickets/{kettles[0].id}/link-problem",
        data={"mode": "new", "title": "Lids", "ticket_ids": [forged]},
        headers=hx,
    )

    assert response.status_code == 422
    assert "Tick only the tickets listed here." in text(response)
    assert count(ProblemRecord) == 0


def test_a_post_without_csrf_is_refused(staff, kettles):
    response = staff.post(
        f"/staff/tickets/{kettles[0].id}/link-problem",
        data={"mode": "new", "title": "Lids"},
        csrf=False,
    )

    assert response.status_code == 400
    assert count(ProblemRecord) == 0


# --- the queue ------------------------------------------------------------------------


def test_the_queue_marks_possible_repeats_with_a_one_click_link(staff, kettles):
    body = text(staff.get("/staff/tickets"))

    row = body[body.index(f"<td>{kettles[2].reference}</td>") :].split("</tr>")[0]
    assert "Possible repeat" in row
    assert f'action="/staff/tickets/{kettles[2].id}/link-similar"' in row
    assert 'name="csrf_token"' in row and "Link to problem…" in row
    first_row = body[body.index(f"<td>{kettles[0].reference}</td>") :].split("</tr>")[0]
    assert "Possible repeat" not in first_row


def test_one_click_links_the_ticket_and_its_very_similar_open_ones(
    staff, kettles, customer, category, supervisor
):
    unrelated = factories.make_ticket(customer=customer, category=category, **UNRELATED)

    response = staff.post(
        f"/staff/tickets/{kettles[2].id}/link-similar", data={"next": "/staff/tickets?repeat=1"}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/tickets?repeat=1"
    problem = db.session.scalar(select(ProblemRecord))
    assert problem.title == DAMAGED["subject"]
    assert set(db.session.scalars(select(ProblemLink.ticket_id))) == {t.id for t in kettles}
    assert count(ProblemLink, ticket_id=unrelated.id) == 0
    assert count(Notification, user_id=supervisor.id, kind="repeat_alert") >= 1
    page = text(staff.get("/staff/tickets"))
    assert f"to {problem.reference}" in page  # the flash
    row = page[page.index(f"<td>{kettles[2].reference}</td>") :].split("</tr>")[0]
    assert f'In <a href="/staff/problems/{problem.id}">{problem.reference}</a>' in row
    assert "Possible repeat" not in row


def test_one_click_joins_the_open_record_a_similar_ticket_is_in(staff, kettles, agent, category):
    problem = create_problem(agent, title="Lids", category_id=category.id, tickets=[kettles[0]])

    staff.post(f"/staff/tickets/{kettles[2].id}/link-similar")

    assert count(ProblemRecord) == 1
    assert count(ProblemLink, problem_id=problem.id) == 3


@pytest.mark.parametrize(
    "forged", ["https://evil.example/staff/tickets", "//evil.example/staff/tickets", "/login"]
)
def test_one_click_goes_back_only_to_the_queue(staff, kettles, forged):
    response = staff.post(f"/staff/tickets/{kettles[2].id}/link-similar", data={"next": forged})

    assert response.headers["Location"] == "/staff/tickets"


def test_a_refused_one_click_says_why(staff, kettles, agent, category):
    problem = create_problem(agent, title="Lids", category_id=category.id, tickets=kettles)

    response = staff.post(f"/staff/tickets/{kettles[2].id}/link-similar", follow_redirects=True)

    assert f"already in {problem.reference}" in text(response)
    assert count(ProblemLink) == 3


def test_the_repeat_filter_lists_possible_repeats_not_yet_linked(
    staff, hx, kettles, customer, category, agent
):
    fourth = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    factories.make_ticket(customer=customer, category=category, **UNRELATED)
    create_problem(agent, title="Lids", category_id=category.id, tickets=[fourth])

    response = staff.get("/staff/tickets?repeat=1", headers=hx)

    assert refs(text(response)) == [kettles[2].reference]
    page = text(staff.get("/staff/tickets?repeat=1"))
    assert '<option value="1" selected>Possible repeats not yet linked</option>' in page
    assert len(refs(text(staff.get("/staff/tickets?repeat=yes")))) == 5  # junk: no filter


@contextmanager
def statements():
    seen: list[str] = []

    def count_it(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count_it)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count_it)


def test_queue_pages_make_no_query_per_row(staff, customer, category, agent):
    def queries() -> int:
        with statements() as seen:
            assert staff.get("/staff/tickets").status_code == 200
        return len(seen)

    for _ in range(3):
        factories.make_ticket(customer=customer, category=category, **DAMAGED)
    create_problem(agent, title="Lids", category_id=category.id, tickets=[])
    few = queries()
    more = [factories.make_ticket(customer=customer, category=category, **DAMAGED) for _ in "ab"]
    problem = db.session.scalar(select(ProblemRecord))
    db.session.execute(
        insert(ProblemLink), [{"problem_id": problem.id, "ticket_id": t.id} for t in more]
    )
    db.session.commit()

    assert queries() == few


# --- admin: settings and category supervisors -----------------------------------------


def test_the_settings_page_shows_the_current_numbers(login_as, admin):
    body = text(login_as(admin).get("/admin/settings"))

    assert 'aria-current="page">Settings</a>' in body
    for key, value in (
        ("repeat_alert_threshold", 3),
        ("possible_repeat_min", 2),
        ("monitoring_days", 28),
    ):
        assert re.search(rf'id="{key}"[^>]*value="{value}"', body), key


def test_settings_are_saved(login_as, admin):
    client = login_as(admin)

    response = client.post(
        "/admin/settings",
        data={
            "repeat_alert_threshold": "5",
            "possible_repeat_min": "1",
            "monitoring_days": "14",
            "observation_record_days": "7",
        },
    )

    assert response.status_code == 302
    assert (get_int("repeat_alert_threshold"), get_int("possible_repeat_min")) == (5, 1)
    assert get_int("monitoring_days") == 14
    assert re.search(r'id="monitoring_days"[^>]*value="14"', text(client.get("/admin/settings")))


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("repeat_alert_threshold", "1", "Between 2 and 1,000."),
        ("repeat_alert_threshold", "1001", "Between 2 and 1,000."),
        ("possible_repeat_min", "0", "Between 1 and 100."),
        ("monitoring_days", "366", "Between 1 and 365."),
        ("monitoring_days", "abc", "Not a valid integer value."),
        ("monitoring_days", "", "Give a whole number."),
    ],
)
def test_out_of_range_settings_are_refused_next_to_the_field(login_as, admin, key, value, message):
    data = {"repeat_alert_threshold": "4", "possible_repeat_min": "2", "monitoring_days": "7"}

    response = login_as(admin).post("/admin/settings", data=data | {key: value})

    assert response.status_code == 422
    body = text(response)
    assert error_of(body, key).startswith(message)
    assert re.search(rf'id="{key}"[^>]*value="{value}"', body)  # what was typed is kept
    assert count(Setting) == 0


@pytest.mark.parametrize("role", ["agent", "supervisor", "assessor"])
def test_only_admins_may_change_settings(client, role):
    login(client, factories.make_user(role).email)

    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings", data={"monitoring_days": "2"}).status_code == 403
    assert count(Setting) == 0


def named_supervisors(category) -> set[int]:
    return set(
        db.session.scalars(
            select(category_supervisors.c.user_id).where(
                category_supervisors.c.category_id == category.id
            )
        )
    )


def test_category_supervisors_are_saved_and_alerted(
    login_as, admin, supervisor, category, agent, customer
):
    other = factories.make_user("supervisor", email="sue@example.com", name="Sue Supervisor")
    client = login_as(admin)
    page = text(client.get(f"/admin/categories/{category.id}"))
    assert "<legend>Supervisors alerted about repeats in this category</legend>" in page
    assert f'value="{other.id}"' in page and "Sue Supervisor" in page
    assert f'value="{agent.id}"' not in page  # only supervisors are offered

    response = client.post(
        f"/admin/categories/{category.id}",
        data={"name": "Deliveries", "description": "", "active": "y", "supervisor_ids": other.id},
    )

    assert response.status_code == 302
    assert named_supervisors(category) == {other.id}
    page = text(client.get(f"/admin/categories/{category.id}"))
    assert re.search(rf'value="{other.id}" checked', page)
    assert not re.search(rf'value="{supervisor.id}" checked', page)
    ticket = factories.make_ticket(customer=customer, category=category)
    create_problem(agent, title="Lids", category_id=category.id, tickets=[ticket])
    alerted = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "repeat_alert")
    )
    assert list(alerted) == [other.id]

    client.post(
        f"/admin/categories/{category.id}",
        data={"name": "Deliveries", "description": "", "active": "y"},
    )
    assert named_supervisors(category) == set()


def test_a_new_category_can_name_its_supervisors(login_as, admin, supervisor):
    response = login_as(admin).post(
        "/admin/categories/new",
        data={"name": "Returns", "description": "", "active": "y", "supervisor_ids": supervisor.id},
    )

    assert response.status_code == 302
    category = db.session.scalar(
        select(factories.Category).where(factories.Category.name == "Returns")
    )
    assert named_supervisors(category) == {supervisor.id}


def test_only_supervisors_can_be_named(login_as, admin, supervisor, agent, category):
    response = login_as(admin).post(
        f"/admin/categories/{category.id}",
        data={"name": "Deliveries", "active": "y", "supervisor_ids": [supervisor.id, agent.id]},
    )

    assert response.status_code == 422
    assert "Choose from the listed supervisors." in text(response)
    assert named_supervisors(category) == set()


# --- who may come in ------------------------------------------------------------------

URLS = [
    ("get", "/staff/tickets/{id}/similar"),
    ("post", "/staff/tickets/{id}/link-problem"),
    ("post", "/staff/tickets/{id}/link-similar"),
    ("get", "/admin/settings"),
    ("post", "/admin/settings"),
]


@pytest.mark.parametrize("method,url", URLS)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_customer_is_forbidden_everywhere(client, customer, ticket, method, url, htmx):
    login(client, customer.email)
    headers = {"HX-Request": "true"} if htmx else {}

    response = getattr(client, method)(
        url.format(id=ticket.id), data={"mode": "new", "title": "Mine"}, headers=headers
    )

    assert response.status_code == 403
    assert "Similar tickets" not in text(response)
    assert count(ProblemRecord) == 0 and count(Setting) == 0


@pytest.mark.parametrize("method,url", URLS)
def test_anonymous_is_sent_to_sign_in_or_told_401_over_htmx(client, ticket, method, url):
    target = url.format(id=ticket.id)

    response = getattr(client, method)(target)
    partial = getattr(client, method)(target, headers={"HX-Request": "true"})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert partial.status_code == 401
    assert count(ProblemRecord) == 0


def test_an_unknown_ticket_is_not_found(staff):
    assert staff.get("/staff/tickets/99999/similar").status_code == 404
    assert staff.post("/staff/tickets/99999/link-problem", data={}).status_code == 404
    assert staff.post("/staff/tickets/99999/link-similar").status_code == 404


def test_a_closed_ticket_can_still_be_linked(staff, hx, kettles, agent):
    close(kettles[1], agent)

    response = staff.post(
        f"/staff/tickets/{kettles[0].id}/link-problem",
        data={"mode": "new", "title": "Lids", "ticket_ids": [kettles[1].id]},
        headers=hx,
    )

    assert response.status_code == 200
    assert count(ProblemLink) == 2
