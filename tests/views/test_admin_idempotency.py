"""Create forms carry an idempotency key: a replayed POST answers like the first and makes
nothing more. Admin: categories, routes and articles, accounts; self-service: "this
solved my problem".
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from helpdesk.admin import accounts, routes, services
from helpdesk.admin.services import AdminError, RouteFields
from helpdesk.extensions import db
from helpdesk.models import Category, Deflection, Route, User
from helpdesk.models.problem import category_supervisors
from helpdesk.selfservice.matching import record_deflection
from helpdesk.unit_of_work import unit_of_work
from tests import factories
from tests.helpers import count, text

KEY_FIELD = re.compile(r'<input[^>]*name="idempotency_key"[^>]*>')


def keys_in(body: str) -> list[str]:
    """The values of the page's hidden idempotency_key inputs, in order."""
    found = []
    for tag in KEY_FIELD.findall(body):
        assert 'type="hidden"' in tag, tag
        value = re.search(r'value="([^"]*)"', tag)
        found.append(value.group(1) if value else "")
    return found


def page_key(body: str) -> str:
    keys = keys_in(body)
    assert len(keys) == 1, keys
    assert re.fullmatch(r"[0-9a-f]{32}", keys[0]), keys[0]
    return keys[0]


def table_counts() -> dict[str, int]:
    """Rows in every table: a replay must add none anywhere (audit, notices, links…)."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
    }


def post_twice(client: Any, url: str, data: dict[str, Any]) -> tuple[Any, Any, dict, dict]:
    """Post, then replay the same post; the table counts after each."""
    first = client.post(url, data=data)
    after_first = table_counts()
    again = client.post(url, data=data)
    return first, again, after_first, table_counts()


def assert_same_answer(first: Any, again: Any, status: int = 302) -> None:
    assert first.status_code == again.status_code == status, text(again)[:500]
    assert first.headers.get("Location") == again.headers.get("Location")


# --- Categories ------------------------------------------------------------------------


def category_data(key: str, **changes: Any) -> dict[str, Any]:
    return (
        {"name": "Refunds", "description": "Money back", "active": "y"}
        | changes
        | {"idempotency_key": key}
    )


def test_new_category_form_carries_a_fresh_key_each_time(login_as, admin, category):
    client = login_as(admin)
    first = page_key(text(client.get("/admin/categories/new")))
    assert page_key(text(client.get("/admin/categories/new"))) != first
    # The edit form makes nothing, so it has no key.
    assert keys_in(text(client.get(f"/admin/categories/{category.id}"))) == []


def test_a_replayed_new_category_answers_like_the_first_and_adds_one(login_as, admin):
    client = login_as(admin)
    key = page_key(text(client.get("/admin/categories/new")))

    first, again, after_first, after_again = post_twice(
        client, "/admin/categories/new", category_data(key)
    )

    assert_same_answer(first, again)
    assert first.headers["Location"].endswith("/admin/categories")
    assert count(Category, name="Refunds") == 1
    assert after_again == after_first
    category = db.session.scalar(select(Category).where(Category.name == "Refunds"))
    assert category.idempotency_key == key
    assert "Category “Refunds” added." in text(client.get("/admin/categories"))  # flash too


def test_another_key_makes_another_category_but_not_the_same_name(login_as, admin):
    client = login_as(admin)
    assert client.post("/admin/categories/new", data=category_data("a" * 32)).status_code == 302
    other = category_data("b" * 32, name="Returns")
    assert client.post("/admin/categories/new", data=other).status_code == 302
    same_name = client.post("/admin/categories/new", data=category_data("c" * 32))
    assert same_name.status_code == 422
    assert "There is already a category called “Refunds”." in text(same_name)
    assert count(Category) == 2


def test_a_refused_category_keeps_its_key_and_the_corrected_post_adds_one(login_as, admin):
    client = login_as(admin)
    key = page_key(text(client.get("/admin/categories/new")))
    refused = client.post("/admin/categories/new", data=category_data(key, name=""))
    assert refused.status_code == 422
    assert page_key(text(refused)) == key
    assert client.post("/admin/categories/new", data=category_data(key)).status_code == 302
    assert client.post("/admin/categories/new", data=category_data(key)).status_code == 302
    assert count(Category) == 1


def test_a_category_replay_keeps_its_supervisors_and_is_not_refused_later(
    login_as, admin, supervisor
):
    client = login_as(admin)
    data = category_data(uuid.uuid4().hex, supervisor_ids=[str(supervisor.id)])
    first = client.post("/admin/categories/new", data=data)
    # Between the post and its replay the supervisor leaves the role: the replay still
    # answers like the first post instead of "choose from the listed supervisors".
    supervisor.set_roles({"agent"})
    db.session.commit()
    again = client.post("/admin/categories/new", data=data)
    assert_same_answer(first, again)
    links = db.session.execute(select(category_supervisors)).all()
    assert [row.user_id for row in links] == [supervisor.id]
    assert count(Category) == 1


def test_a_new_category_naming_a_non_supervisor_is_refused_and_adds_nothing(
    login_as, admin, supervisor, agent
):
    data = category_data(uuid.uuid4().hex, supervisor_ids=[str(supervisor.id), str(agent.id)])
    response = login_as(admin).post("/admin/categories/new", data=data)
    assert response.status_code == 422
    assert "Choose from the listed supervisors." in text(response)
    assert count(Category) == 0
    assert db.session.execute(select(category_supervisors)).all() == []


# --- Routes and articles ---------------------------------------------------------------


def route_data(key: str, **changes: Any) -> dict[str, Any]:
    return (
        {
            "kind": "article",
            "title": "Change a delivery address",
            "summary": "Before dispatch",
            "body": "Open your order and choose Change address.",
            "keywords": "address delivery",
            "active": "y",
        }
        | changes
        | {"idempotency_key": key}
    )


def test_new_route_form_carries_a_key_and_the_edit_form_none(login_as, admin):
    client = login_as(admin)
    page_key(text(client.get("/admin/routes/new")))
    route = factories.make_route(title="Track a parcel", body="Use the link.")
    assert keys_in(text(client.get(f"/admin/routes/{route.id}"))) == []


def test_a_replayed_new_route_answers_like_the_first_and_adds_one(login_as, admin):
    client = login_as(admin)
    key = page_key(text(client.get("/admin/routes/new")))

    first, again, after_first, after_again = post_twice(
        client, "/admin/routes/new", route_data(key)
    )

    assert_same_answer(first, again)
    assert first.headers["Location"].endswith("/admin/routes")
    assert count(Route) == 1 and after_again == after_first
    assert "“Change a delivery address” added." in text(client.get("/admin/routes"))


def test_another_key_adds_another_route(login_as, admin):
    client = login_as(admin)
    assert client.post("/admin/routes/new", data=route_data("a" * 32)).status_code == 302
    assert client.post("/admin/routes/new", data=route_data("b" * 32)).status_code == 302
    assert count(Route) == 2


def test_a_refused_route_keeps_its_key(login_as, admin):
    client = login_as(admin)
    key = uuid.uuid4().hex
    refused = client.post("/admin/routes/new", data=route_data(key, body=""))
    assert refused.status_code == 422
    assert "A help article needs its text." in text(refused)
    assert page_key(text(refused)) == key
    assert client.post("/admin/routes/new", data=route_data(key)).status_code == 302
    assert count(Route) == 1


def test_route_posts_without_a_key_still_work_undeduplicated(login_as, admin):
    client = login_as(admin)
    data = {k: v for k, v in route_data("").items() if k != "idempotency_key"}
    assert client.post("/admin/routes/new", data=data).status_code == 302
    assert client.post("/admin/routes/new", data=data).status_code == 302
    assert count(Route) == 2


# --- Accounts --------------------------------------------------------------------------


def user_data(key: str, **changes: Any) -> dict[str, Any]:
    return (
        {
            "name": "Nia New",
            "email": "nia@example.com",
            "roles": ["agent"],
            "password": "a-long-enough-password",
            "authority_limit": "50",
        }
        | changes
        | {"idempotency_key": key}
    )


def test_new_user_form_carries_a_key_and_the_edit_form_none(login_as, admin, agent):
    client = login_as(admin)
    page_key(text(client.get("/admin/users/new")))
    assert keys_in(text(client.get(f"/admin/users/{agent.id}"))) == []


def test_a_replayed_new_user_is_not_a_duplicate_email(login_as, admin):
    client = login_as(admin)
    key = page_key(text(client.get("/admin/users/new")))

    first, again, after_first, after_again = post_twice(client, "/admin/users/new", user_data(key))

    assert_same_answer(first, again)
    assert first.headers["Location"].endswith("/admin/users")
    assert "already exists" not in text(again)
    assert count(User, email="nia@example.com") == 1 and after_again == after_first
    page = text(client.get("/admin/users"))
    assert "Account created for Nia New (nia@example.com)." in page  # the replay's flash
    made = db.session.scalar(select(User).where(User.email == "nia@example.com"))
    assert made.idempotency_key == key


def test_another_key_with_the_same_email_is_still_a_duplicate(login_as, admin):
    client = login_as(admin)
    assert client.post("/admin/users/new", data=user_data("a" * 32)).status_code == 302
    response = client.post("/admin/users/new", data=user_data("b" * 32, name="Nia Again"))
    assert response.status_code == 422
    assert "An account with that email already exists." in text(response)
    assert page_key(text(response)) == "b" * 32  # the refused post keeps its key
    other = client.post("/admin/users/new", data=user_data("b" * 32, email="nia2@example.com"))
    assert other.status_code == 302
    assert count(User) == 3  # the admin and the two made


def test_a_refused_account_keeps_its_key_and_makes_nothing(login_as, admin):
    client = login_as(admin)
    key = uuid.uuid4().hex
    refused = client.post("/admin/users/new", data=user_data(key, password="short"))
    assert refused.status_code == 422
    assert page_key(text(refused)) == key
    assert count(User) == 1
    assert client.post("/admin/users/new", data=user_data(key)).status_code == 302
    assert count(User) == 2


# --- "This solved my problem" ----------------------------------------------------------


@pytest.fixture
def lid(app):
    return factories.make_route(
        title="Replacing a cracked kettle lid",
        keywords="kettle lid",
        body="Go to Spares and choose your kettle model.",
    )


def test_every_solved_button_has_a_key_of_its_own(client, lid, hx):
    factories.make_route(title="Kettle guarantee", keywords="kettle", body="Two years.")
    article = page_key(text(client.get(f"/help/routes/{lid.id}")))
    assert page_key(text(client.get(f"/help/routes/{lid.id}"))) != article
    fragment = text(client.get("/help/suggest?description=kettle+lid", headers=hx))
    keys = keys_in(fragment)
    assert len(keys) == 2 and len(set(keys)) == 2 and article not in keys
    assert all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)
    page = text(client.get("/help/suggest?description=kettle+lid"))  # the same, as a page
    assert len(set(keys_in(page))) == 2 and not set(keys_in(page)) & set(keys)


def test_a_replayed_solved_press_counts_once(login_as, customer, lid):
    client = login_as(customer)
    key = page_key(text(client.get(f"/help/routes/{lid.id}")))
    url = f"/help/routes/{lid.id}/solved"

    first, again, after_first, after_again = post_twice(
        client, url, {"query": "kettle lid", "idempotency_key": key}
    )

    assert_same_answer(first, again, status=200)
    assert "No ticket has been raised." in text(again) and lid.title in text(again)
    assert count(Deflection) == 1 and after_again == after_first
    assert client.post(url, data={"idempotency_key": uuid.uuid4().hex}).status_code == 200
    assert count(Deflection) == 2


def test_a_solved_replay_answers_even_after_the_route_is_retired(client, lid):
    url = f"/help/routes/{lid.id}/solved"
    key = uuid.uuid4().hex
    assert client.post(url, data={"idempotency_key": key}).status_code == 200
    lid.active = False
    db.session.commit()
    again = client.post(url, data={"idempotency_key": key})
    assert again.status_code == 200 and lid.title in text(again)
    assert client.post(url, data={"idempotency_key": uuid.uuid4().hex}).status_code == 404
    assert count(Deflection) == 1


# --- Services, without HTTP ------------------------------------------------------------


def test_create_account_replay_returns_the_first_account(app):
    key = uuid.uuid4().hex
    with unit_of_work():  # the first post, committed
        made = services.create_account(
            name="Nia New", email="nia@example.com", roles={"agent"}, idempotency_key=key
        )
    again = services.create_account(
        name="Nia New", email="nia@example.com", roles={"agent"}, idempotency_key=key
    )
    assert again.id == made.id and made.idempotency_key == key
    with pytest.raises(AdminError, match="already exists"):
        services.create_account(
            name="Nia New", email="nia@example.com", roles={"agent"}, idempotency_key="other"
        )
    with pytest.raises(AdminError, match="already exists"):
        services.create_account(name="Nia New", email="nia@example.com", roles={"agent"})
    assert count(User) == 1


def test_create_account_replay_racing_the_first_returns_it(app, monkeypatch):
    """The replay looked for its key before the first post committed, then found the
    email taken: it returns the first account, not a duplicate-email refusal."""
    key = uuid.uuid4().hex
    with unit_of_work():  # the first post, committed
        made = services.create_account(
            name="Nia New", email="nia@example.com", roles={"agent"}, idempotency_key=key
        )
    real, calls = accounts.first_made, []

    def looked_too_early(model: Any, k: str | None) -> Any:
        calls.append(k)
        return None if len(calls) == 1 else real(model, k)

    monkeypatch.setattr(accounts, "first_made", looked_too_early)
    again = services.create_account(
        name="Nia New", email="nia@example.com", roles={"agent"}, idempotency_key=key
    )
    assert again.id == made.id and len(calls) == 2 and count(User) == 1


def test_create_route_replay_racing_the_first_commit_returns_it(app, monkeypatch):
    """The unique key refuses the racing replay's row at commit; the first is returned."""
    key = uuid.uuid4().hex
    fields = RouteFields(kind="article", title="Track a parcel", body="Use the link.")
    with unit_of_work():  # the first post, committed
        made = services.create_route(fields, idempotency_key=key)
    monkeypatch.setattr(routes, "first_made", lambda model, k: None)
    again = services.create_route(fields, idempotency_key=key)
    assert again.id == made.id and count(Route) == 1
    assert services.create_route(fields).id != made.id  # no key: not deduplicated


def test_create_category_replay_returns_the_first_before_the_name_check(app):
    key = uuid.uuid4().hex
    made = services.create_category(name="Refunds", idempotency_key=key)
    assert services.create_category(name="Refunds", idempotency_key=key).id == made.id
    with pytest.raises(AdminError, match="already a category"):
        services.create_category(name="refunds", idempotency_key=uuid.uuid4().hex)
    assert count(Category) == 1


def test_record_deflection_replay_returns_the_first(app, customer):
    route = factories.make_route(title="Track a parcel")
    key = uuid.uuid4().hex
    made = record_deflection(route, customer, "parcel", key)
    assert record_deflection(route, customer, "parcel", key).id == made.id
    assert record_deflection(route, customer, "parcel").id != made.id
    assert count(Deflection) == 2
