"""Customers' personal data never reaches a portfolio: names become "Customer A", and
emails, phones, postcodes, addresses and order references are removed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from helpdesk.evidence.redaction import (
    ADDRESS_REMOVED,
    EMAIL_REMOVED,
    NAME_REMOVED,
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
from helpdesk.feed.services import prefilled_quote
from helpdesk.models import EvidenceRecord, Notification, WitnessTestimony
from helpdesk.notifications.services import notify_staff
from tests import factories
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket, records
from tests.problems import chosen, open_problem
from tests.redaction_corpus import OWN_CASES, load, redact_case

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


# --- failing closed: every kind of personal data ------------------------------------------


def one(name: str, email: str = "", *, staff: tuple[str, ...] = ()) -> Any:
    return build_context([CustomerDetails(key=1, name=name, email=email)], staff=staff)


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("Anya Pryce-Jordan", "Mrs Jordan rang", "Mrs Customer A rang"),
        ("Anya Pryce-Jordan", "Ms Pryce was out", "Ms Customer A was out"),
        ("Anya Pryce-Jordan", "Pryce-Jordan's lamp", "Customer A's lamp"),
        ("Anya Pryce-Jordan", "ANYA PRYCE-JORDAN", "Customer A"),
        ("Luis de la Vega", "Mr de la Vega agreed", "Mr Customer A agreed"),
        ("Luis de la Vega", "Vega’s order", "Customer A’s order"),
        ("Robert Tull", "Bob here again", "Customer A here again"),
        ("Robert Tull", "thanks, robert", "thanks, Customer A"),
    ],
)
def test_every_part_of_a_known_name_in_any_form(name, text, expected):
    assert one(name).redact(text) == expected


def test_the_name_in_a_customers_email_is_theirs_too():
    context = one("Katherine Moss", "kit.moss@example.com")
    assert context.redact("Kit here, any news?") == "Customer A here, any news?"


@pytest.mark.parametrize(
    "name, text",
    [
        ("Rose Price", "The price of the rose bush was refunded."),
        ("Mark Hope", "I hope the mark comes off."),
        ("Holly Baker", "A baker's holly wreath."),
    ],
)
def test_ordinary_words_that_are_a_customers_name_stay(name, text):
    assert one(name).redact(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Spoke to Anjali Mehta at the hub.", "Spoke to Person 1 at the hub."),
        ("My neighbour Tobias took it in.", "My neighbour Person 1 took it in."),
        ("my neighbour siobhan has it", "my neighbour Person 1 has it"),
        ("The driver, Kieran, left it.", "The driver, Person 1, left it."),
        ("Declan from the warehouse rang.", "Person 1 from the warehouse rang."),
        ("Okonjo said it was loaded.", "Person 1 said it was loaded."),
        ("Ask Mrs Abernathy next door.", "Ask Mrs Person 1 next door."),
        ("It was cracked.\nKind regards,\nFenella", "It was cracked.\nKind regards,\nPerson 1"),
    ],
)
def test_people_the_text_names_who_are_not_known_become_numbered(text, expected):
    assert one("Chloe Ward").redact(text) == expected


def test_a_third_party_keeps_their_number_and_never_takes_a_customers_letter():
    priya = CustomerDetails(key=7, name="Priya Shah")
    context = build_context([CASEY, priya])
    context.learn("Spoke to Priya Raman in the depot.")
    context.learn("My neighbour Tobias signed.")
    assert context.redact("Raman rang; Tobias too.") == "Person 1 rang; Person 2 too."
    assert context.redact("Priya Shah agreed") == "Customer B agreed"
    # "Priya" alone could be either of two people: neither is named.
    assert context.redact("Priya rang") == f"{NAME_REMOVED} rang"


@pytest.mark.parametrize(
    "text",
    [
        "Offered a Morphy Richards kettle or a Russell Hobbs toaster.",
        "The Manchester warehouse has stock; dispatch on Monday in May.",
        "Refund goes back to the Visa; logged in Zendesk.",
        "Lee Learner restated the problem.",
        "Lee sorted it in one call.",
    ],
)
def test_products_places_months_and_staff_stay(text):
    assert one("Jade Turner", staff=("Lee Learner",)).redact(text) == text


def test_a_staff_members_first_name_is_someone_elses_after_my_neighbour():
    context = one("Jade Turner", staff=("Lee Learner",))
    assert context.redact("My neighbour Lee took it") == "My neighbour Person 1 took it"


CARD = "[card removed]"
BANK = "[bank details removed]"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("card ending 4242, twice", f"card ending {CARD}, twice"),
        ("the Amex ending in 1005", f"the Amex ending in {CARD}"),
        ("last four digits are 0005", f"last four digits are {CARD}"),
        ("my Mastercard 5454 within", f"my Mastercard {CARD} within"),
        ("card **** **** **** 8431", f"card {CARD}"),
        ("4111 1111 1111 1111, expiry", f"{CARD}, expiry"),
        ("use 5500-0000-0000-0004", f"use {CARD}"),
        ("sort code 20-00-00 account 55779911", f"sort code {BANK} account {REFERENCE_REMOVED}"),
        ("Sort code 40 47 84", f"Sort code {BANK}"),
        ("IBAN GB82 WEST 1234 5698 7654 32 ok", f"IBAN {BANK} ok"),
        ("IBAN DE89370400440532013000.", f"IBAN {BANK}."),
    ],
)
def test_cards_and_bank_details_are_removed(text, expected):
    assert one("Tom Okafor").redact(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("NI number is QQ 12 34 56 C.", "NI number is [NI number removed]."),
        ("ni no: jh123456a", "ni no: [NI number removed]"),
        ("my date of birth is 14/03/1987", "my date of birth is [date of birth removed]"),
        ("born on 3 July 1979", "born on [date of birth removed]"),
        ("DOB 07.11.92", "DOB [date of birth removed]"),
        ("born in 1954", "born in [date of birth removed]"),
        ("van (reg AB12 CDE) hit", "van (reg [vehicle removed]) hit"),
        ("Registration number P123 ABC", "Registration number [vehicle removed]"),
    ],
)
def test_identity_numbers_birth_dates_and_vehicles_are_removed(text, expected):
    assert one("Casey Brown").redact(text) == expected


def test_a_recent_date_is_not_a_birth_date():
    text = "Delivery booked for 14/12/2026, and it came on 3 March 2026."
    assert one("Casey Brown").redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Ring +44 (0)7700 900 123 now",
        "Ring +48 601 234 567 now",
        "Ring 0113.496.0000 now",
        "Ring 0033 6 12 34 56 78 now",
        "Ring +353 87 123 4567 now",
        "Ring (212) 555-0199 now",
        "Ring 07700-900-456 now",
    ],
)
def test_phone_numbers_in_national_and_international_forms(text):
    assert one("Nadia Kowalski").redact(text) == f"Ring {PHONE_REMOVED} now"


@pytest.mark.parametrize(
    "text",
    [
        "Write to nadia dot k at example dot com today",
        "Write to ffion [at] example [dot] org today",
        "Write to i.grant(at)mailbox(dot)co(dot)uk today",
    ],
)
def test_obfuscated_emails_are_removed(text):
    assert one("Nadia Kowalski").redact(text) == f"Write to {EMAIL_REMOVED} today"


def test_the_parts_of_a_link_that_names_someone_are_removed():
    context = one("Ian Price")
    assert context.redact("See https://x.example.com/ian.price/a") == (
        f"See https://x.example.com/{NAME_REMOVED}/a"
    )
    assert context.redact("www.example.com/ianprice/b or http://x.example/siobhan-o/c") == (
        f"www.example.com/{NAME_REMOVED}/b or http://x.example/{NAME_REMOVED}/c"
    )
    assert context.redact("See https://shop.example.com/kettles?page=2") == (
        "See https://shop.example.com/kettles?page=2"
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Deliver to 14 Larch Close, Leeds LS6 2AB please.",
            f"Deliver to {ADDRESS_REMOVED}, {ADDRESS_REMOVED} {POSTCODE_REMOVED} please.",
        ),
        ("on its way to Larch Close.", f"on its way to {ADDRESS_REMOVED}."),
        ("on the High St said", f"on the {ADDRESS_REMOVED} said"),
        ("I live in Harrogate now", f"I live in {ADDRESS_REMOVED} now"),
        ("for my mum in Swansea.", f"for my mum in {ADDRESS_REMOVED}."),
        ("deliver to postcode LS6?", f"deliver to postcode {POSTCODE_REMOVED}?"),
    ],
)
def test_streets_towns_of_an_address_and_postcodes_are_removed(text, expected):
    assert one("Ravi Patel").redact(text) == expected


def test_a_street_or_town_found_once_is_hidden_in_every_text_of_the_portfolio():
    context = one("Ravi Patel")
    context.learn("Send it to 8 Rowan Way, Thirsk YO7 1AA.")
    assert context.redact("Rowan Way is blocked; Thirsk depot") == (
        f"{ADDRESS_REMOVED} is blocked; {ADDRESS_REMOVED} depot"
    )


def test_our_own_references_stay_and_others_go():
    context = one("Casey Brown")
    assert context.redact("T-000123 and P-00012 stay") == "T-000123 and P-00012 stay"
    assert context.redact("Checked order nw-486335") == f"Checked order {REFERENCE_REMOVED}"
    assert context.redact("Rebooked BK7781230") == f"Rebooked {REFERENCE_REMOVED}"


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in load(OWN_CASES)])
def test_our_own_corpus_case_leaks_nothing_and_keeps_its_words(case):
    out = redact_case(case)
    assert [g for g in case["gone"] if g in out] == [], out
    assert [s for s in case["stay"] if s not in out] == [], out


def test_third_parties_in_a_portfolio_are_numbered_the_same_on_every_call(app, customer):
    learner = make_learner("A")
    acknowledged_ticket(
        learner, customer, at=T0, description="My neighbour Siobhan took it; Priya Raman rang."
    )
    first = portfolio_context(learner.id)
    db.session.expire_all()
    again = portfolio_context(learner.id)
    said = "Raman and Siobhan"
    assert redact(said, first) == redact(said, again) == "Person 2 and Person 1"


def test_the_feed_quote_and_staff_notices_are_redacted(app, customer, agent, supervisor):
    ticket = factories.make_ticket(
        customer=customer,
        order_ref="ORD-12345",
        description="Deliver to 14 Larch Close, Leeds LS6 2AB. Card ending 4242.",
    )
    quote = prefilled_quote(ticket)
    for secret in ("Larch", "Leeds", "LS6 2AB", "4242"):
        assert secret not in quote
    notify_staff(
        [supervisor],
        "promise_overdue",
        f"Promise overdue on {ticket.reference}: call Mrs Jones at LS6 2AB about ORD-12345 "
        "(owner Alex Agent).",
        ticket=ticket,
    )
    db.session.commit()
    [notice] = db.session.scalars(select(Notification).where(Notification.user_id == supervisor.id))
    assert notice.text == (
        f"Promise overdue on {ticket.reference}: call Mrs [customer] at {POSTCODE_REMOVED} "
        f"about {REFERENCE_REMOVED} (owner Alex Agent)."
    )
