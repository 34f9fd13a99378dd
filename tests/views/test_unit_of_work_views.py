"""Each request is one unit of work: kept when the answer is not an error, dropped otherwise.

What was kept is read on a connection of its own, so only committed rows count.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, redirect
from sqlalchemy import func, select

from helpdesk import create_app
from helpdesk.config import TestConfig
from helpdesk.extensions import csrf, db
from helpdesk.feed import services as feed
from helpdesk.models import Category, FeedPost, ProblemRecord, TicketEvent
from helpdesk.unit_of_work import unit_of_work
from tests.helpers import text


def stored(stmt):
    with db.engine.connect() as conn:
        return conn.scalar(stmt)


def categories(name: str) -> int:
    return stored(select(func.count()).select_from(Category).where(Category.name == name))


@pytest.fixture
def boundary_app(app: Flask, database_url: str, tmp_path) -> Iterator[Flask]:
    """An app of its own (routes cannot be added once an app has served), on the same
    database, with views that write a row and then answer in each way a view can."""
    other = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        EXPORT_FOLDER=str(tmp_path / "exports"),
    )

    def write(name: str) -> None:
        db.session.add(Category(name=name, description=""))
        db.session.flush()

    @other.post("/_uow/<answer>")
    @csrf.exempt
    def answer(answer: str):  # noqa: ANN202 - a test view
        write(answer)
        if answer == "ok":
            return "saved", 200
        if answer == "moved":
            return redirect("/")
        if answer == "refused":
            return "refused", 422
        raise RuntimeError("a bug half-way through the request")

    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(("answer", "kept"), [("ok", 1), ("moved", 1), ("refused", 0)])
def test_a_request_keeps_its_work_unless_it_answers_with_an_error(boundary_app, answer, kept):
    response = boundary_app.test_client().post(f"/_uow/{answer}")
    assert response.status_code == {"ok": 200, "moved": 302, "refused": 422}[answer]
    assert categories(answer) == kept


def test_a_request_that_fails_keeps_nothing(boundary_app):
    with pytest.raises(RuntimeError):
        boundary_app.test_client().post("/_uow/broken")
    assert categories("broken") == 0


@pytest.fixture
def post(agent, ticket):
    with unit_of_work():
        made, _ = feed.share(
            agent, ticket=ticket, quote="The box was crushed.", comment="", tag="other"
        )
    return made


def test_two_services_in_one_request_are_kept_together(login_as, agent, post):
    response = login_as(agent).post(
        f"/staff/feed/{post.id}/problem",
        data={"title": "Crushed parcels", "root_cause": "", "category_id": ""},
    )
    assert response.status_code == 302, text(response)[:1000]
    record = stored(select(ProblemRecord.id))
    assert record is not None
    # The record (problems' service) and the post's link to it (the feed's) in one commit.
    assert stored(select(FeedPost.problem_id).where(FeedPost.id == post.id)) == record


def test_a_refused_action_writes_nothing(login_as, agent, post):
    client = login_as(agent)
    first = client.post(f"/staff/feed/{post.id}/problem", data={"title": "Crushed parcels"})
    assert first.status_code == 302
    events = stored(select(func.count()).select_from(TicketEvent))
    again = client.post(f"/staff/feed/{post.id}/problem", data={"title": "Crushed again"})
    assert again.status_code == 409
    assert "already turned into the problem record" in text(again)
    assert stored(select(func.count()).select_from(ProblemRecord)) == 1
    assert stored(select(func.count()).select_from(TicketEvent)) == events
