"""Customers' personal data never reaches a portfolio: names become "Customer A", and
emails, phones, postcodes, addresses and order references are removed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpdesk.evidence.redaction import (
    ADDRESS_REMOVED,
    EMAIL_REMOVED,
    PHONE_REMOVED,
    POSTCODE_REMOVED,
    REFERENCE_REMOVED,
    CustomerDetails,
    build_context,
    letter,
    portfolio_context,
    redact,
)
from helpdesk.extensions import db
from helpdesk.models import EvidenceRecord, WitnessTestimony
from tests import factories
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket, records
from tests.problems import chosen, open_problem

CASEY = CustomerDetails(key=1, name="Casey Jones", email="casey@example.com", phone="07700 900123")
OLIVE = CustomerDetails(key=2, name="Olive Other", email="olive@example.org")


@pytest.fixture
def context():
    return build_context([CASEY, OLIVE], ["KX-99"])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Casey Jones rang.", "Customer A rang."),
        ("I told casey it would come.", "I told Customer A it would come."),
        ("CASEY was upset.", "Customer A was upset."),
        ("Mrs Jones's kettle", "Mrs Customer A's kettle"),
        ("Olive and Casey both wrote.", "Customer B and Customer A both wrote."),
    ],
)
def test_names_full_first_or_last_in_any_case(context, text, expected):
    assert redact(text, context) == expected


def test_names_match_whole_words_only(context):
    assert redact("Caseys and Olives and Jonesy", context) == "Caseys and Olives and Jonesy"
    assert redact("Olive oil", context) == "Customer B oil"  # a name is a name


@pytest.mark.parametrize(
    "email", ["casey@example.com", "Someone.Else+tag@mail.example.co.uk", "x_y@sub.domain.io"]
)
def test_every_email_address_is_removed(context, email):
    assert redact(f"Write to {email} today", context) == f"Write to {EMAIL_REMOVED} today"


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",
        "07700900123",
        "07700-900-123",
        "+44 7700 900123",
        "+44 (0)7700 900123",
        "(020) 7946 0018",
        "020 7946 0018",
        "+1 415-555-0100",
        "+33 1 23 45 67 89",
        "+49 30 901820",
    ],
)
def test_uk_and_international_phone_numbers_are_removed(context, phone):
    assert redact(f"Ring {phone} after 5.", context) == f"Ring {PHONE_REMOVED} after 5."


@pytest.mark.parametrize("postcode", ["SW1A 1AA", "M1 1AE", "EC1A 1BB", "B33 8TH", "sw1a1aa"])
def test_uk_postcodes_are_removed(context, postcode):
    assert redact(f"Deliver to {postcode} please", context) == (
        f"Deliver to {POSTCODE_REMOVED} please"
    )


@pytest.mark.parametrize(
    "address",
    ["12 High Street", "221B Baker Street", "3 Acacia Avenue", "7 Mill lane", "10 Downing St"],
)
def test_street_addresses_are_removed(context, address):
    assert redact(f"I live at {address}, near the park.", context) == (
        f"I live at {ADDRESS_REMOVED}, near the park."
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ref ORD-123456 please", f"Ref {REFERENCE_REMOVED} please"),
        ("Paid with #123456789", f"Paid with {REFERENCE_REMOVED}"),
        ("About order 12345678", f"About order {REFERENCE_REMOVED}"),
        ("Order number: AB-12345", f"Order number: {REFERENCE_REMOVED}"),
        ("Your account no. 99887766", f"Your account no. {REFERENCE_REMOVED}"),
        ("The order number is 55556666", f"The order number is {REFERENCE_REMOVED}"),
        ("it was kx-99 on the label", f"it was {REFERENCE_REMOVED} on the label"),
    ],
)
def test_order_and_account_references_are_removed(context, text, expected):
    assert redact(text, context) == expected


def test_text_without_personal_data_is_unchanged(context):
    text = (
        "The kettle arrived cracked on 12/03/2026; we sent a replacement costing £25.00 "
        "within 2 days (order 2 kettles next time). Ticket T-000123, problem P-00012, at "
        "10:30. A 3 way split.\nThanks for waiting!"
    )
    assert redact(text, context) == text
    assert redact("", context) == ""
    assert redact(None, context) == ""


def test_everything_at_once(context):
    text = (
        "Hi Casey, call 07700 900123 or email casey@example.com about ORD-123456; "
        "we will deliver to 12 High Street, SW1A 1AA. Olive Other agreed."
    )
    assert redact(text, context) == (
        f"Hi Customer A, call {PHONE_REMOVED} or email {EMAIL_REMOVED} about "
        f"{REFERENCE_REMOVED}; we will deliver to {ADDRESS_REMOVED}, {POSTCODE_REMOVED}. "
        "Customer B agreed."
    )


def test_letters_follow_first_appearance_and_repeat_customers_keep_theirs():
    context = build_context([OLIVE, CASEY, OLIVE])
    assert context.label_for(2) == "Customer A"
    assert context.label_for(1) == "Customer B"
    assert context.label_for(99) == "A customer"
    assert [letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_portfolios_letters_are_stable_across_calls(app, customer, other_customer):
    learner = make_learner("A")
    acknowledged_ticket(learner, other_customer, at=T0, order_ref="ZX-4455")
    acknowledged_ticket(learner, customer, at=T0 + timedelta(days=1))
    acknowledged_ticket(learner, other_customer, at=T0 + timedelta(days=2))
    customer.phone = "+44 7700 900999"
    db.session.commit()
    first = portfolio_context(learner.id)
    db.session.expire_all()
    again = portfolio_context(learner.id)
    assert first.label_for(other_customer.id) == again.label_for(other_customer.id) == "Customer A"
    assert first.label_for(customer.id) == again.label_for(customer.id) == "Customer B"
    said = "Olive Other and Casey (+44 7700 900999) about zx-4455"
    assert (
        redact(said, first)
        == redact(said, again)
        == (f"Customer A and Customer B ({PHONE_REMOVED}) about {REFERENCE_REMOVED}")
    )


def test_another_learners_portfolio_has_its_own_letters(app, customer, other_customer):
    one, two = make_learner("A"), make_learner("A")
    acknowledged_ticket(one, customer, at=T0)
    acknowledged_ticket(one, other_customer, at=T0 + timedelta(days=1))
    acknowledged_ticket(two, other_customer, at=T0 + timedelta(days=2))
    assert portfolio_context(one.id).label_for(other_customer.id) == "Customer B"
    assert portfolio_context(two.id).label_for(other_customer.id) == "Customer A"


def test_a_witness_name_hides_as_the_customers(app, customer):
    learner = make_learner("A")
    ticket = acknowledged_ticket(learner, customer)
    record = EvidenceRecord(
        learner_id=learner.id,
        framework="A",
        action="customer_confirmed",
        method="WT",
        ticket_id=ticket.id,
        summary="Witness testimony",
    )
    record.testimony = WitnessTestimony(
        ticket_id=ticket.id,
        witness_name="Cas J",
        contact="cj@home.example",
        statement="Lovely",
    )
    db.session.add(record)
    db.session.commit()
    context = portfolio_context(learner.id)
    assert redact("Cas J and cas said so", context) == "Customer A and Customer A said so"


def test_customers_of_a_problem_records_tickets_are_hidden_too(app, customer, agent):
    learner = make_learner("C")
    ticket = factories.make_ticket(customer=customer, order_ref="QQ-1234")
    problem = open_problem(agent, tickets=[ticket])
    chosen(problem, learner)
    assert [r.problem_event_id is not None for r in records(learner)] == [True, True]
    context = portfolio_context(learner.id)
    assert context.label_for(customer.id) == "Customer A"
    assert redact("Casey said qq-1234", context) == f"Customer A said {REFERENCE_REMOVED}"
