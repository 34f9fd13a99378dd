"""Problem records group repeats: opening one or reaching the admin-set threshold alerts
the category's supervisors (or every supervisor), in the app and by email, once."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from helpdesk.extensions import db
from helpdesk.models import (
    Notification,
    OutboxMessage,
    ProblemLink,
    ProblemRecord,
    TicketEvent,
)
from helpdesk.models.problem import category_supervisors
from helpdesk.problems import linking
from helpdesk.problems.services import ProblemError, create_problem, link_tickets
from helpdesk.settings import set_int
from tests import factories
from tests.helpers import close, count

DAMAGED = {
    "subject": "Kettle arrived with a cracked lid",
    "description": "The courier left the parcel outside; the kettle lid is cracked and leaks.",
}


def alerts(user=None):
    stmt = select(Notification).where(Notification.kind == "repeat_alert")
    if user is not None:
        stmt = stmt.where(Notification.user_id == user.id)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def alert_emails(user=None):
    stmt = select(OutboxMessage).where(OutboxMessage.kind == "repeat_alert")
    if user is not None:
        stmt = stmt.where(OutboxMessage.to_email == user.email)
    return list(db.session.scalars(stmt.order_by(OutboxMessage.id)))


def name_supervisor(category, user):
    db.session.execute(
        insert(category_supervisors).values(category_id=category.id, user_id=user.id)
    )
    db.session.commit()


@pytest.fixture
def tickets(customer, category):
    return [factories.make_ticket(customer=customer, category=category) for _ in range(5)]


@pytest.fixture
def other_supervisor(app):
    return factories.make_user("supervisor", email="sue@example.com", name="Sue Supervisor")


def test_opening_a_record_alerts_the_categorys_supervisors(
    agent, supervisor, other_supervisor, category, tickets
):
    name_supervisor(category, other_supervisor)

    problem = create_problem(
        agent, title="Parcels crushed", category_id=category.id, tickets=tickets[:2]
    )

    assert [n.user_id for n in alerts()] == [other_supervisor.id]
    notice = alerts()[0]
    assert "2 linked tickets" in notice.text
    assert tickets[0].reference in notice.text and tickets[1].reference in notice.text
    assert notice.url == f"/staff/problems/{problem.id}"
    [email] = alert_emails()
    assert email.to_email == other_supervisor.email
    assert "2 linked tickets" in email.body
    assert tickets[1].reference in email.body and tickets[1].subject in email.body
    assert problem.alerted_at_count == 2


def test_with_no_one_named_every_supervisor_is_alerted(
    agent, supervisor, other_supervisor, category, tickets
):
    create_problem(agent, title="Parcels crushed", category_id=category.id, tickets=tickets[:1])

    assert sorted(n.user_id for n in alerts()) == sorted([supervisor.id, other_supervisor.id])
    assert sorted(m.to_email for m in alert_emails()) == sorted(
        [supervisor.email, other_supervisor.email]
    )
    assert all("1 linked tickets" in n.text for n in alerts())


def test_the_latest_tickets_are_listed_newest_first_and_at_most_five(
    agent, supervisor, category, customer
):
    many = [factories.make_ticket(customer=customer, category=category) for _ in range(7)]

    create_problem(agent, title="Parcels crushed", category_id=category.id, tickets=many)

    text = alerts()[0].text
    assert "7 linked tickets" in text
    shown = [t for t in many if t.reference in text]
    assert shown == many[2:]
    assert text.index(many[6].reference) < text.index(many[2].reference)


def test_reaching_the_threshold_alerts_once_and_not_again_after(
    agent, supervisor, category, tickets
):
    set_int("repeat_alert_threshold", 3)
    problem = create_problem(
        agent, title="Parcels crushed", category_id=category.id, tickets=tickets[:1]
    )
    assert len(alerts()) == 1  # opening it

    link_tickets(problem, agent, [tickets[1]])
    assert len(alerts()) == 1  # two: below the threshold

    link_tickets(problem, agent, [tickets[2]])
    assert len(alerts()) == 2  # the third: the threshold
    assert "reached 3 repeats" in alerts()[-1].text
    assert "3 linked tickets" in alerts()[-1].text
    assert len(alert_emails(supervisor)) == 2

    link_tickets(problem, agent, [tickets[3]])
    link_tickets(problem, agent, [tickets[4]])
    assert len(alerts()) == 2  # N+1 and beyond: no more
    assert len(alert_emails()) == 2


def test_a_record_opened_at_the_threshold_alerts_only_once(agent, supervisor, category, tickets):
    set_int("repeat_alert_threshold", 3)
    problem = create_problem(
        agent, title="Parcels crushed", category_id=category.id, tickets=tickets[:3]
    )
    link_tickets(problem, agent, [tickets[3]])

    assert len(alerts()) == 1


def test_a_ticket_already_in_another_record_is_refused(agent, supervisor, category, tickets):
    first = create_problem(agent, title="Crushed", category_id=category.id, tickets=tickets[:1])
    second = create_problem(agent, title="Late", category_id=category.id, tickets=tickets[1:2])
    db.session.commit()

    with pytest.raises(ProblemError, match=f"already belongs to {first.reference}"):
        link_tickets(second, agent, [tickets[2], tickets[0]])
    db.session.rollback()

    assert (
        db.session.scalar(
            select(ProblemLink.problem_id).where(ProblemLink.ticket_id == tickets[0].id)
        )
        == first.id
    )
    assert count(ProblemLink, problem_id=second.id) == 1
    with pytest.raises(ProblemError, match="already belongs to"):
        create_problem(agent, title="Again", category_id=category.id, tickets=[tickets[0]])
    db.session.rollback()
    assert count(ProblemRecord) == 2


def test_linking_the_same_ticket_twice_to_one_record_is_a_no_op(
    agent, supervisor, category, tickets
):
    problem = create_problem(agent, title="Crushed", category_id=category.id, tickets=tickets[:1])

    assert link_tickets(problem, agent, [tickets[0]]) == []
    assert count(ProblemLink) == 1


def test_each_linked_ticket_gets_a_linked_to_problem_event(agent, supervisor, category, tickets):
    problem = create_problem(agent, title="Crushed", category_id=category.id, tickets=tickets[:2])
    link_tickets(problem, agent, [tickets[2]])

    for ticket in tickets[:3]:
        events = [e for e in ticket.events if e.kind == "linked_to_problem"]
        assert len(events) == 1
        assert events[0].data == {"problem_id": problem.id}
        assert problem.reference in events[0].body
        assert not events[0].is_public
    assert count(TicketEvent, kind="linked_to_problem") == 3


# --- linking from the panel and the queue --------------------------------------------


def test_link_with_chosen_opens_a_record_in_the_tickets_category(
    agent, supervisor, category, tickets
):
    problem, linked = linking.link_with_chosen(
        agent, tickets[0], [tickets[1].id, tickets[2].id, tickets[0].id], new=True, title="Lids"
    )

    assert problem.category_id == category.id
    assert linked == tickets[:3]
    assert count(ProblemLink, problem_id=problem.id) == 3


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"new": True, "title": "  "}, "title cannot be empty"),
        ({"new": False, "problem_id": None}, "Choose one of the open problem records"),
        ({"new": False, "problem_id": 99999}, "Choose one of the open problem records"),
    ],
)
def test_link_with_chosen_refusals(agent, supervisor, tickets, kwargs, message):
    with pytest.raises(ProblemError, match=message):
        linking.link_with_chosen(agent, tickets[0], [tickets[1].id], **kwargs)
    db.session.rollback()
    assert count(ProblemLink) == 0


def test_link_with_chosen_refuses_unknown_tickets_and_nothing_new(
    agent, supervisor, category, tickets
):
    problem = create_problem(agent, title="Lids", category_id=category.id, tickets=tickets[:2])

    with pytest.raises(ProblemError, match="Tick only the tickets listed"):
        linking.link_with_chosen(agent, tickets[2], [123456], new=False, problem_id=problem.id)
    with pytest.raises(ProblemError, match="Nothing to link"):
        linking.link_with_chosen(
            agent, tickets[0], [tickets[1].id], new=False, problem_id=problem.id
        )


def test_link_with_chosen_refuses_a_closed_record(agent, supervisor, category, tickets):
    problem = create_problem(agent, title="Lids", category_id=category.id, tickets=tickets[:1])
    problem.status = "closed"
    db.session.commit()

    with pytest.raises(ProblemError, match="closed"):
        linking.link_with_chosen(agent, tickets[1], [], new=False, problem_id=problem.id)


def test_one_click_opens_a_record_for_the_ticket_and_its_very_similar_open_ones(
    agent, supervisor, customer, category
):
    first = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    second = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    shut = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    close(shut, agent)
    loose = factories.make_ticket(
        customer=customer,
        category=category,
        subject="Lid of my teapot",
        description="Something about a lid.",
    )
    third = factories.make_ticket(customer=customer, category=category, **DAMAGED)

    problem, linked = linking.link_similar(agent, third)

    assert problem.title == DAMAGED["subject"]
    assert problem.category_id == category.id
    assert sorted(t.id for t in linked) == sorted([first.id, second.id, third.id])
    assert count(ProblemLink, ticket_id=loose.id) == 0
    assert count(ProblemLink, ticket_id=shut.id) == 0


def test_one_click_joins_the_newest_open_record_holding_a_similar_ticket(
    agent, supervisor, customer, category
):
    older = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    newer = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    in_closed = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    old_record = create_problem(agent, title="Old", category_id=category.id, tickets=[older])
    new_record = create_problem(agent, title="New", category_id=category.id, tickets=[newer])
    shut = create_problem(agent, title="Shut", category_id=category.id, tickets=[in_closed])
    shut.status = "closed"
    db.session.commit()
    unlinked = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    target = factories.make_ticket(customer=customer, category=category, **DAMAGED)

    problem, linked = linking.link_similar(agent, target)

    assert problem.id == new_record.id
    assert sorted(t.id for t in linked) == sorted([unlinked.id, target.id])
    assert count(ProblemLink, problem_id=old_record.id) == 1  # left where they were
    assert count(ProblemRecord) == 3


def test_one_click_on_a_ticket_already_linked_adds_its_similar_ones_there(
    agent, supervisor, customer, category
):
    target = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    record = create_problem(agent, title="Lids", category_id=category.id, tickets=[target])
    twin = factories.make_ticket(customer=customer, category=category, **DAMAGED)

    problem, linked = linking.link_similar(agent, target)

    assert problem.id == record.id
    assert linked == [twin]
    with pytest.raises(ProblemError, match="already in"):
        linking.link_similar(agent, target)


def test_problem_ids_for_and_open_problems(agent, supervisor, customer, category, tickets):
    other = factories.make_category("Billing")
    mine_old = create_problem(agent, title="A", category_id=category.id, tickets=tickets[:1])
    theirs = create_problem(agent, title="B", category_id=other.id)
    mine_new = create_problem(agent, title="C", category_id=category.id, tickets=tickets[1:2])
    shut = create_problem(agent, title="D", category_id=category.id)
    shut.status = "closed"
    db.session.commit()

    assert linking.problem_ids_for([t.id for t in tickets]) == {
        tickets[0].id: mine_old.id,
        tickets[1].id: mine_new.id,
    }
    assert linking.problem_ids_for([]) == {}
    assert [p.id for p in linking.open_problems(category.id)] == [
        mine_new.id,
        mine_old.id,
        theirs.id,
    ]
    assert [p.id for p in linking.open_problems(None)] == [mine_new.id, theirs.id, mine_old.id]
