"""Admin pages: accounts, categories, self-service routes; only admins may use them."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, func, select

from helpdesk.admin.services import list_routes
from helpdesk.extensions import db
from helpdesk.models import Category, Route, User
from helpdesk.money import MoneyError, parse_money
from tests import factories
from tests.conftest import login

NAV = 'aria-label="Admin sections"'


@pytest.fixture
def things(app, agent, category):
    """One of each thing an admin URL can point at."""
    route = factories.make_route(title="Track a parcel", body="Use the tracking link.")
    return {"user": agent.id, "category": category.id, "route": route.id}


def form_urls(ids):
    return [
        "/admin/users/new",
        f"/admin/users/{ids['user']}",
        "/admin/categories/new",
        f"/admin/categories/{ids['category']}",
        "/admin/routes/new",
        f"/admin/routes/{ids['route']}",
    ]


def all_urls(ids):
    return ["/admin/users", "/admin/categories", "/admin/routes", *form_urls(ids)]


def text(response):
    return response.get_data(as_text=True)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def new_user_data(**changes):
    return {
        "name": "Nia New",
        "email": "nia@example.com",
        "roles": ["agent", "learner"],
        "password": "a-long-enough-password",
        "authority_limit": "99.50",
        "can_approve_exceptions": "y",
    } | changes


def user_data(user, **changes):
    data = {
        "name": user.name,
        "roles": sorted(user.role_names),
        "authority_limit": str(user.authority_limit_minor // 100),
        "active": "y",
    }
    return {k: v for k, v in (data | changes).items() if v is not None}


# --- Who may use it ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "customer", "supervisor", "assessor"])
def test_non_admins_get_403_on_every_admin_url(client, login_as, things, role):
    login_as(factories.make_user(role))
    before = (count(User), count(Category), count(Route))
    for url in all_urls(things):
        assert client.get(url).status_code == 403, url
    for url in form_urls(things):
        assert client.post(url, data={"name": "Sneaky", "kind": "article"}).status_code == 403
    assert (count(User), count(Category), count(Route)) == before


def test_anonymous_is_sent_to_sign_in_from_every_admin_url(client, things):
    for url in all_urls(things):
        response = client.get(url)
        assert response.status_code == 302, url
        assert urlsplit(response.headers["Location"]).path == "/login"
    for url in form_urls(things):
        response = client.post(url, data={"name": "Sneaky"})
        assert response.status_code == 302, url
        assert urlsplit(response.headers["Location"]).path == "/login"
    assert db.session.get(Category, things["category"]).name == "Deliveries"


def test_every_admin_page_works_for_an_admin_with_the_admin_nav(client, login_as, admin, things):
    login_as(admin)
    for url in all_urls(things):
        response = client.get(url)
        assert response.status_code == 200, url
        page = text(response)
        assert NAV in page
        assert "Routes &amp; articles" in page and "Categories" in page


def test_unknown_ids_are_404(client, login_as, admin):
    login_as(admin)
    for url in ("/admin/users/999", "/admin/categories/999", "/admin/routes/999"):
        assert client.get(url).status_code == 404


# --- Users list ---------------------------------------------------------------------


def test_users_list_shows_limits_as_money_and_filters(client, login_as, admin, agent, customer):
    login_as(admin)
    page = text(client.get("/admin/users"))
    assert "Alex Agent" in page and "Casey Jones" in page
    assert "£50.00" in page  # the agent's 5,000 pence
    assert "Not staff" in page  # the customer has no limit to show
    agents = text(client.get("/admin/users?role=agent"))
    assert "Alex Agent" in agents and "Casey Jones" not in agents
    found = text(client.get("/admin/users?q=CASEY@"))
    assert "Casey Jones" in found and "Alex Agent" not in found
    assert "No accounts match" in text(client.get("/admin/users?q=100%25"))


def test_users_list_pages_by_id_fifty_at_a_time(client, login_as, admin):
    db.session.add_all(User(name=f"Bulk {n:02d}", email=f"bulk{n}@example.com") for n in range(60))
    db.session.commit()
    login_as(admin)
    first = text(client.get("/admin/users"))
    assert first.count("/admin/users/") == 50 + 1  # fifty rows and the create link
    assert "Bulk 48" in first and "Bulk 49" not in first
    last_id = db.session.scalar(select(User.id).where(User.email == "bulk48@example.com"))
    assert f"after={last_id}" in first
    second = text(client.get(f"/admin/users?after={last_id}"))
    assert "Bulk 49" in second and "Bulk 59" in second and "Bulk 48" not in second
    assert "Next page" not in second and "First page" in second


# --- Creating accounts ------------------------------------------------------------


def test_admin_creates_a_staff_account(app, client, login_as, admin):
    login_as(admin)
    response = client.post("/admin/users/new", data=new_user_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/users")
    user = db.session.scalar(select(User).where(User.email == "nia@example.com"))
    assert user.role_names == {"agent", "learner"}
    assert user.authority_limit_minor == 9950
    assert user.can_approve_exceptions is True
    page = text(client.get("/admin/users"))
    assert "Account created for Nia New" in page and "£99.50" in page
    other = app.test_client()
    login(other, "nia@example.com", "a-long-enough-password")
    assert other.get("/staff/tickets").status_code == 200


def test_duplicate_email_is_422_and_keeps_what_was_typed(client, login_as, admin, agent):
    login_as(admin)
    response = client.post("/admin/users/new", data=new_user_data(email="ALEX@example.com"))
    assert response.status_code == 422
    page = text(response)
    assert "An account with that email already exists." in page
    assert 'value="Nia New"' in page and 'value="99.50"' in page
    assert 'value="learner" checked' in page
    assert count(User) == 2


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("-5", "The amount cannot be negative."),
        ("abc", "Give an amount in pounds, like 250 or 99.50."),
        ("2000000", "That is more than £1,000,000: check the amount."),
    ],
)
def test_bad_limit_is_422_with_the_message_and_typed_values(
    client, login_as, admin, limit, message
):
    login_as(admin)
    response = client.post("/admin/users/new", data=new_user_data(authority_limit=limit))
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert f'value="{limit}"' in page and 'value="nia@example.com"' in page
    assert db.session.scalar(select(User).where(User.email == "nia@example.com")) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"roles": []}, "Choose at least one role."),
        ({"roles": ["wizard"]}, "Unknown role: wizard."),
        ({"password": "short"}, "Use at least 10 characters."),
        ({"name": "  "}, "Give the person&#39;s name."),
    ],
)
def test_other_bad_account_input_is_422(client, login_as, admin, changes, message):
    login_as(admin)
    response = client.post("/admin/users/new", data=new_user_data(**changes))
    assert response.status_code == 422
    assert message in text(response)
    assert count(User) == 1


# --- Editing accounts -------------------------------------------------------------


def test_edit_form_shows_the_account_as_it_is(client, login_as, admin, agent):
    login_as(admin)
    page = text(client.get(f"/admin/users/{agent.id}"))
    assert 'value="Alex Agent"' in page and 'value="50"' in page
    assert 'value="agent" checked' in page and 'value="admin" checked' not in page
    assert "<legend>Roles</legend>" in page


def test_changing_limit_keeps_the_persons_sessions(app, client, login_as, admin, agent):
    theirs = app.test_client()
    login(theirs, agent.email)
    login_as(admin)
    data = user_data(agent, authority_limit="250", can_approve_exceptions="y")
    assert client.post(f"/admin/users/{agent.id}", data=data).status_code == 302
    db.session.refresh(agent)
    assert (agent.authority_limit_minor, agent.can_approve_exceptions) == (25_000, True)
    assert agent.session_generation == 0
    assert theirs.get("/staff/tickets").status_code == 200


def test_disabling_a_user_ends_their_sessions(app, client, login_as, admin, agent):
    theirs = app.test_client()
    login(theirs, agent.email)
    assert theirs.get("/staff/tickets").status_code == 200
    login_as(admin)
    response = client.post(f"/admin/users/{agent.id}", data=user_data(agent, active=None))
    assert response.status_code == 302
    db.session.refresh(agent)
    assert agent.active is False and agent.session_generation == 1
    after = theirs.get("/staff/tickets")
    assert after.status_code == 302 and urlsplit(after.headers["Location"]).path == "/login"
    assert "Disabled" in text(client.get("/admin/users"))


def test_changing_roles_ends_the_persons_sessions(app, client, login_as, admin, agent):
    theirs = app.test_client()
    login(theirs, agent.email)
    login_as(admin)
    data = user_data(agent, roles=["agent", "supervisor"])
    assert client.post(f"/admin/users/{agent.id}", data=data).status_code == 302
    db.session.refresh(agent)
    assert agent.role_names == {"agent", "supervisor"} and agent.session_generation == 1
    assert urlsplit(theirs.get("/staff/tickets").headers["Location"]).path == "/login"


def test_admin_cannot_disable_themselves(client, login_as, admin):
    login_as(admin)
    response = client.post(f"/admin/users/{admin.id}", data=user_data(admin, active=None))
    assert response.status_code == 422
    assert "You cannot disable your own account." in text(response)
    db.session.refresh(admin)
    assert admin.active is True and admin.session_generation == 0


def test_admin_cannot_remove_their_own_admin_role(client, login_as, admin):
    login_as(admin)
    data = user_data(admin, roles=["agent"], name="Ada Renamed")
    response = client.post(f"/admin/users/{admin.id}", data=data)
    assert response.status_code == 422
    assert "You cannot remove your own admin role." in text(response)
    assert 'value="Ada Renamed"' in text(response)
    db.session.refresh(admin)
    assert admin.role_names == {"admin"} and admin.name == "Ada Admin"


def test_admin_adding_a_role_to_themselves_stays_signed_in(client, login_as, admin):
    login_as(admin)
    data = user_data(admin, roles=["admin", "agent"])
    assert client.post(f"/admin/users/{admin.id}", data=data).status_code == 302
    db.session.refresh(admin)
    assert admin.session_generation == 1
    assert client.get("/admin/users").status_code == 200


# --- Categories ---------------------------------------------------------------------


def test_admin_adds_and_edits_a_category(client, login_as, admin):
    login_as(admin)
    data = {"name": "Refunds", "description": "Money back", "active": "y"}
    assert client.post("/admin/categories/new", data=data).status_code == 302
    category = db.session.scalar(select(Category).where(Category.name == "Refunds"))
    assert category.active and category.description == "Money back"
    data = {"name": "Refunds and credits", "description": "Money back"}
    assert client.post(f"/admin/categories/{category.id}", data=data).status_code == 302
    db.session.refresh(category)
    assert category.name == "Refunds and credits" and category.active is False
    page = text(client.get("/admin/categories"))
    assert "Refunds and credits" in page and "Inactive" in page


def test_duplicate_category_name_is_422(client, login_as, admin, category):
    login_as(admin)
    data = {"name": " deliveries ", "description": "Typed words", "active": "y"}
    response = client.post("/admin/categories/new", data=data)
    assert response.status_code == 422
    assert "There is already a category called “deliveries”." in text(response)
    assert "Typed words" in text(response)
    other = factories.make_category("Returns")
    response = client.post(f"/admin/categories/{other.id}", data={"name": "Deliveries"})
    assert response.status_code == 422
    db.session.refresh(other)
    assert other.name == "Returns" and count(Category) == 2


def test_blank_category_name_is_422(client, login_as, admin):
    login_as(admin)
    response = client.post("/admin/categories/new", data={"name": "", "description": "x"})
    assert response.status_code == 422
    assert "Give the category a name." in text(response)


# --- Routes and articles ------------------------------------------------------------


def test_admin_creates_edits_and_deactivates_a_route(client, login_as, admin):
    login_as(admin)
    data = {
        "kind": "article",
        "title": "Change a delivery address",
        "summary": "Before dispatch",
        "body": "Open your order and choose Change address.",
        "keywords": "address, delivery,  move",
        "active": "y",
    }
    assert client.post("/admin/routes/new", data=data).status_code == 302
    route = db.session.scalar(select(Route).where(Route.title == "Change a delivery address"))
    assert route.keywords == "address delivery move" and route.active
    assert client.get(f"/help/routes/{route.id}").status_code == 200
    edited = data | {"title": "Change where we deliver"}
    assert client.post(f"/admin/routes/{route.id}", data=edited).status_code == 302
    db.session.refresh(route)
    assert route.title == "Change where we deliver"
    deactivated = {k: v for k, v in edited.items() if k != "active"}
    response = client.post(f"/admin/routes/{route.id}", data=deactivated)
    assert response.status_code == 302
    db.session.refresh(route)
    assert route.active is False and count(Route) == 1
    assert client.get(f"/help/routes/{route.id}").status_code == 404
    assert "Inactive" in text(client.get("/admin/routes"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "specialist", "title": "Returns team"}, "Say how to reach it"),
        ({"kind": "article", "title": "How to return"}, "A help article needs its text."),
        ({"kind": "wizard", "title": "Magic"}, "Choose one of the listed options."),
        ({"kind": "article", "title": "", "body": "Text"}, "Give it a title"),
    ],
)
def test_bad_route_input_is_422_and_keeps_it(client, login_as, admin, data, message):
    login_as(admin)
    response = client.post("/admin/routes/new", data=data | {"summary": "Kept summary"})
    assert response.status_code == 422
    assert message in text(response) and "Kept summary" in text(response)
    assert count(Route) == 0


def test_routes_list_shows_deflection_counts(client, login_as, admin):
    helped = factories.make_route(title="Track a parcel", body="Use the link.")
    factories.make_route(title="Never used", body="Nobody read me.")
    for _ in range(2):  # customers say it solved their problem, through the real page
        assert (
            client.post(f"/help/routes/{helped.id}/solved", data={"query": "parcel"}).status_code
            == 200
        )
    login_as(admin)
    page = text(client.get("/admin/routes"))
    assert f'data-deflections="{helped.id}">2 customers' in page
    assert "0 customers" in page


def test_route_counts_come_from_one_query(app):
    for n in range(5):
        route = factories.make_route(title=f"Route {n}", body="x")
        db.session.add_all(factories_deflections(route, n))
    db.session.commit()
    db.session.expunge_all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        rows = list_routes()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sorted(r.deflections for r in rows) == [0, 1, 2, 3, 4]
    assert len(statements) == 1


def factories_deflections(route, n):
    from helpdesk.models import Deflection

    return [Deflection(route=route, query_text="q") for _ in range(n)]


# --- Money as typed, shared with the CLI ---------------------------------------------


@pytest.mark.parametrize(
    ("typed", "minor"), [("250", 25_000), ("99.50", 9_950), ("£1,000", 100_000), ("0.5", 50)]
)
def test_parse_money_reads_pounds(typed, minor):
    assert parse_money(typed) == minor


@pytest.mark.parametrize("typed", ["-5", "abc", "2000000", "1.999", ""])
def test_parse_money_refuses_bad_amounts(typed):
    with pytest.raises(MoneyError):
        parse_money(typed)


def test_cli_uses_the_same_money_rules(app):
    runner = app.test_cli_runner()
    args = ["users", "create", "--email", "cli@example.com", "--name", "Cli Person"]
    args += ["--role", "agent", "--password", "a-long-enough-password"]
    refused = runner.invoke(args=[*args, "--limit", "-5"])
    assert refused.exit_code != 0 and "cannot be negative" in refused.output
    made = runner.invoke(args=[*args, "--limit", "99.50"])
    assert made.exit_code == 0, made.output
    user = db.session.scalar(select(User).where(User.email == "cli@example.com"))
    assert user.authority_limit_minor == 9_950
