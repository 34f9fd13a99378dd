"""Similar tickets: ranked by shared words, boosted for the category, recent first among
equals; and the "possible repeat" mark a new ticket gets when it is like N open ones."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.models import Ticket
from helpdesk.problems.services import create_problem
from helpdesk.problems.similar import find_similar, is_possible_repeat, similar_to
from helpdesk.settings import set_int
from tests import factories
from tests.helpers import close, count

DAMAGED = {
    "subject": "Kettle arrived with a cracked lid",
    "description": "The courier left the parcel outside; the kettle lid is cracked and leaks.",
}


def ids(found):
    return [s.ticket.id for s in found]


def test_tickets_sharing_more_words_rank_higher(customer, category):
    target = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    close_match = factories.make_ticket(
        customer=customer,
        category=category,
        subject="Cracked kettle lid on arrival",
        description="The kettle came with a cracked lid that leaks everywhere.",
    )
    loose_match = factories.make_ticket(
        customer=customer,
        category=category,
        subject="Parcel left outside",
        description="The courier left it by the bins.",
    )
    unrelated = factories.make_ticket(
        customer=customer,
        category=category,
        subject="Invoice address wrong",
        description="Please change the billing postcode.",
    )

    found = ids(similar_to(target))

    assert found.index(close_match.id) < found.index(loose_match.id)
    assert unrelated.id not in found


def test_the_same_category_is_boosted_over_a_newer_equal(customer, category):
    other = factories.make_category("Billing")
    target = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    older_same = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    newer_other = factories.make_ticket(customer=customer, category=other, **DAMAGED)

    found = ids(similar_to(target))

    assert found[:2] == [older_same.id, newer_other.id]


def test_recent_first_among_equals(customer, category):
    target = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    first = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    second = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    third = factories.make_ticket(customer=customer, category=category, **DAMAGED)

    assert ids(similar_to(target)) == [third.id, second.id, first.id]


def test_a_ticket_is_never_similar_to_itself(customer, category):
    target = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    twin = factories.make_ticket(customer=customer, category=category, **DAMAGED)

    assert ids(similar_to(target)) == [twin.id]
    assert ids(similar_to(twin)) == [target.id]


def test_the_problem_record_a_similar_ticket_is_in_is_shown(customer, category, agent):
    target = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    linked = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    loose = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    problem = create_problem(agent, title="Cracked lids", category_id=category.id, tickets=[linked])

    found = {s.ticket.id: s.problem_id for s in similar_to(target)}

    assert found == {linked.id: problem.id, loose.id: None}


def test_the_third_of_three_near_identical_open_tickets_is_a_possible_repeat(customer, category):
    first = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    second = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    third = factories.make_ticket(
        customer=customer,
        category=category,
        subject="Kettle arrived with a cracked lid!",
        description=DAMAGED["description"],
    )

    assert (first.possible_repeat, second.possible_repeat, third.possible_repeat) == (
        False,
        False,
        True,
    )
    assert is_possible_repeat(DAMAGED["subject"], DAMAGED["description"], category.id)
    assert not is_possible_repeat(
        "Invoice address wrong", "Please change the billing postcode.", category.id
    )


def test_only_open_tickets_count_towards_a_possible_repeat(customer, category, agent):
    first = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    factories.make_ticket(customer=customer, category=category, **DAMAGED)
    close(first, agent)

    assert not is_possible_repeat(DAMAGED["subject"], DAMAGED["description"], category.id)


def test_the_admin_set_minimum_decides_a_possible_repeat(customer, category):
    factories.make_ticket(customer=customer, category=category, **DAMAGED)
    factories.make_ticket(customer=customer, category=category, **DAMAGED)
    set_int("possible_repeat_min", 3)

    assert not is_possible_repeat(DAMAGED["subject"], DAMAGED["description"], category.id)
    set_int("possible_repeat_min", 1)
    assert is_possible_repeat(DAMAGED["subject"], DAMAGED["description"], category.id)


ODD = [
    '"',
    '"kettle',
    "kettle*",
    "NEAR(kettle lid, 2)",
    "kettle AND OR NOT lid",
    "subject:kettle",
    "^kettle",
    "{subject description}: kettle",
    "kettle' OR 1=1 --",
    "kettle & !lid | (cracked:*)",
    "<->",
    "___",
    "🫖 cracked",
    "the and of",
    "x" * 5000,
]


@pytest.mark.parametrize("odd", ODD)
def test_query_syntax_in_a_ticket_is_plain_text(customer, category, odd):
    target = factories.make_ticket(customer=customer, category=category, **DAMAGED)
    factories.make_ticket(customer=customer, category=category, subject=odd[:200], description=odd)

    similar_to(target)
    find_similar(odd, odd, category_id=category.id)
    is_possible_repeat(odd, odd, category.id)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(subject=st.text(), description=st.text())
def test_any_text_never_breaks_similarity(app, subject, description):
    # The app fixture empties the tables once for all examples: make the data only once.
    if count(Ticket) == 0:
        customer = factories.make_user("customer")
        factories.make_ticket(customer=customer, **DAMAGED)
        factories.make_ticket(customer=customer, subject="Invoice wrong", description="Postcode")

    found = find_similar(subject, description, category_id=None, limit=5)
    assert all(s.score >= 0 and 0 <= s.overlap <= 1 for s in found)
    assert isinstance(is_possible_repeat(subject, description, None), bool)
