"""The demo loader: logins that work, routes that match, and tickets that look lived in."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from itertools import takewhile

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from helpdesk.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from helpdesk.domain import (
    Cause,
    Channel,
    Origin,
    Priority,
    ProblemStatus,
    Role,
    RouteKind,
    Status,
)
from helpdesk.extensions import db
from helpdesk.models import Category, ProblemRecord, Route, Ticket, TicketEvent, User
from helpdesk.models.types import utcnow
from helpdesk.selfservice.matching import suggest_routes
from tests.conftest import empty_tables, login
from tests.demo_data import demo  # noqa: F401 - the fixture, shared by the tests below


def _tickets() -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


def _timelines() -> dict[int, list[TicketEvent]]:
    timelines: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in db.session.scalars(select(TicketEvent).order_by(TicketEvent.id)):
        timelines[event.ticket_id].append(event)
    return timelines


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
    }


def test_every_role_gets_a_login_that_signs_in_through_the_form(app, client):
    assert load_demo(tickets=0) is True

    assert set().union(*(roles for _e, _n, roles, _l, _x in DEMO_USERS)) == {r.value for r in Role}
    for email, _name, roles, limit, _exceptions in DEMO_USERS:
        fresh = app.test_client()  # a new cookie jar: each sign-in is checked from scratch
        login(fresh, email, DEMO_PASSWORD)
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        assert user.role_names == set(roles)
        assert user.authority_limit_minor == limit


def test_wrong_password_does_not_sign_a_demo_login_in(app, client):
    load_demo(tickets=0)

    response = client.post("/login", data={"email": "agent@example.com", "password": "nope-nope-1"})

    assert response.status_code != 302


def test_extra_customers_look_real_but_cannot_reach_anyone(app):
    load_demo(tickets=0)

    demo_emails = {email for email, *_ in DEMO_USERS}
    extras = [u for u in db.session.scalars(select(User)) if u.email not in demo_emails]
    assert len(extras) >= 12
    assert all(u.is_customer and not u.is_staff for u in extras)
    assert all(u.email.endswith(("@example.com", "@example.org")) for u in extras)
    assert all(u.phone and u.phone.startswith("07700 900") for u in extras)
    internal = [u for u in extras if u.is_internal_customer]
    assert internal and all(u.department for u in internal)
    assert any(not u.is_internal_customer for u in extras)


def test_second_load_returns_false_and_adds_nothing(app):
    assert load_demo(tickets=15) is True
    before = _row_counts()

    assert load_demo(tickets=15) is False

    assert _row_counts() == before


def test_same_seed_tells_the_same_stories(app):
    def story() -> list[tuple[str, str, str, int, str | None]]:
        return [(t.subject, t.status, t.channel, t.priority, t.cause) for t in _tickets()]

    load_demo(tickets=20, seed=3)
    first = story()
    # End this context's transaction first: PostgreSQL's TRUNCATE would wait on it.
    db.session.remove()
    empty_tables(app)
    load_demo(tickets=20, seed=3)

    assert story() == first


def test_catalogue_has_categories_and_every_kind_of_route(app):
    load_demo(tickets=0)

    names = set(db.session.scalars(select(Category.name)))
    assert {"Deliveries", "Billing", "Returns & refunds", "Internal systems"} <= names
    routes = list(db.session.scalars(select(Route)))
    assert {r.kind for r in routes} == {k.value for k in RouteKind}
    for route in routes:
        assert route.keywords.strip(), route.title
        # Articles carry their text; the other routes say how to reach them.
        if route.kind == RouteKind.ARTICLE:
            assert len(route.body) > 200, route.title
        else:
            assert route.contact.strip(), route.title


def test_typical_customer_texts_are_offered_a_relevant_route(app):
    load_demo(tickets=0)
    expected = {
        "my parcel is late": "Track a late delivery",
        "refund not received": "How refunds work",
        "can't log in": "Reset your password",
        "forgot my password": "Reset your password",
        "kettle stopped working": "Kettle or toaster not heating: quick checks",
        "I was charged twice for one order": "Billing specialists",
        "I want to make a complaint to the ombudsman": "Ombudsman and Citizens Advice",
    }

    for text, title in expected.items():
        suggested = [r.title for r in suggest_routes(text)[:3]]
        assert title in suggested, (text, suggested)


def test_a_small_load_still_covers_every_value(app):
    load_demo(tickets=30)

    tickets = _tickets()
    assert len(tickets) == 30
    assert {t.status for t in tickets} == {s.value for s in Status}
    assert {t.channel for t in tickets} == {c.value for c in Channel}
    assert {t.origin for t in tickets} == {o.value for o in Origin}
    assert {t.priority for t in tickets} == {p.value for p in Priority}
    assert {c.value for c in Cause} <= {t.cause for t in tickets}


@pytest.mark.usefixtures("demo")
def test_default_load_spreads_simulated_tickets_across_every_value(app):

    tickets = _tickets()
    assert len(tickets) == 200
    assert all(t.is_simulated for t in tickets)
    assert {t.status for t in tickets} == {s.value for s in Status}
    assert {t.channel for t in tickets} == {c.value for c in Channel}
    assert {t.origin for t in tickets} == {o.value for o in Origin}
    assert {t.priority for t in tickets} == {p.value for p in Priority}
    assert {t.cause for t in tickets} == {c.value for c in Cause} | {None}
    assert {t.category.name for t in tickets if t.category} >= {
        "Deliveries",
        "Billing",
        "Product faults",
        "Returns & refunds",
        "Account & login",
        "Internal systems",
    }
    assert any(t.assignee_id is None for t in tickets)
    assert any(t.assignee_id is not None for t in tickets)
    assert any(t.customer and t.customer.is_internal_customer for t in tickets)
    for t in tickets:
        if t.origin == Origin.INTERNAL:
            assert t.customer_id is None and t.channel == Channel.INTERNAL, t.reference
        else:
            assert t.customer_id is not None and t.channel != Channel.INTERNAL, t.reference
        assert (t.closed_at is not None) == (not t.is_open), t.reference

    now = utcnow()
    ages = [now - t.created_at for t in tickets]
    assert max(ages) > timedelta(days=40)
    assert min(ages) < timedelta(days=2)
    # Ids rise with the time raised, as they would in a live system.
    created = [t.created_at for t in tickets]
    assert created == sorted(created)


@pytest.mark.usefixtures("demo")
def test_default_load_timelines_are_in_order_and_match_their_tickets(app):
    now = utcnow()
    timelines = _timelines()

    for ticket in _tickets():
        events = timelines[ticket.id]
        ref = ticket.reference
        assert events[0].kind == "created", ref
        times = [e.created_at for e in events]
        assert times == sorted(times), ref
        assert all(t.tzinfo is not None for t in times), ref
        assert times[-1] < now, ref
        assert ticket.created_at <= times[0], ref
        assert ticket.updated_at == times[-1], ref
        kinds = [e.kind for e in events]
        if ticket.status != Status.NEW:
            assert "status_changed" in kinds, ref
        if "acknowledged" in kinds:
            assert ticket.acknowledged_at == times[kinds.index("acknowledged")], ref
        if ticket.closed_at is not None:
            # Only a link to a problem record (repeats found later) may follow the close.
            trailing = len(list(takewhile(lambda e: e.kind == "linked_to_problem", events[::-1])))
            closing = events[-1 - trailing]
            assert closing.kind == "status_changed", ref
            assert closing.data["to"] == ticket.status, ref
            assert timedelta(0) <= closing.created_at - ticket.closed_at < timedelta(seconds=1)
        # The last move on the timeline is where the ticket now stands.
        moves = [e.data["to"] for e in events if e.kind == "status_changed"]
        assert (moves[-1] if moves else Status.NEW) == ticket.status, ref


@pytest.mark.usefixtures("demo")
def test_demo_load_names_what_a_newcomer_can_open(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])

    assert result.exit_code == 0, result.output
    assert "nothing added" in result.output
    records = list(db.session.scalars(select(ProblemRecord)))
    assert records
    for record in records:
        assert f"{record.reference}  {record.status}" in result.output
        assert record.title in result.output
    assert "confirmed" in result.output and "challenged" in result.output


@pytest.mark.usefixtures("demo")
def test_the_supervisor_login_can_open_every_problem_record_and_decide_the_waiting_one(app, client):
    login(client, "supervisor@example.com", DEMO_PASSWORD)
    records = list(db.session.scalars(select(ProblemRecord)))

    listing = client.get("/staff/problems?status=all").get_data(as_text=True)
    for record in records:
        page = client.get(f"/staff/problems/{record.id}")
        assert page.status_code == 200, record.reference
        assert str(escape(record.title)) in page.get_data(as_text=True)
        assert record.reference in listing
    waiting = next(r for r in records if r.status == ProblemStatus.SOLUTION_CHOSEN)
    approval = waiting.chosen_solution.approvals[-1]
    inbox = client.get("/staff/approvals").get_data(as_text=True)
    assert f"problem-approval-{approval.id}" in inbox

    response = client.post(
        f"/staff/problem-approvals/{approval.id}",
        data={"decision": "approve", "reason": "Fine: it costs nothing to try."},
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProblemRecord, waiting.id).status == ProblemStatus.APPROVED
