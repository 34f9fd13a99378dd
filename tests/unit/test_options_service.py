"""The options service on the real database: weigh, confirm, offer, agree, implement.

The limits of authority are walked in test_authority_matrix.py; this file covers the
rest of an option's life.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from helpdesk.domain import Status
from helpdesk.extensions import db
from helpdesk.models import Confirmation, Option, OutboxMessage, TicketEvent
from helpdesk.tickets import options as opts
from helpdesk.tickets.options import AuthorityError
from helpdesk.tickets.workflow import WorkflowError
from helpdesk.unit_of_work import unit_of_work
from tests import factories
from tests.helpers import close, count
from tests.resolving import (
    acknowledged,
    add_option,
    agreed_option,
    mail_to,
    notices_for,
    offered_option,
    option_data,
)

BAD = [
    ({"cost_minor": -1}, "cost"),
    ({"cost_minor": 100_000_001}, "cost"),
    ({"remedy_type": "bribe"}, "remedy_type"),
    ({"description": "   "}, "description"),
    ({"description": "x" * 2001}, "description"),
    ({"duration": ""}, "duration"),
    ({"duration": "x" * 121}, "duration"),
    ({"pros_customer": "x" * 2001}, "pros_customer"),
    ({"cons_customer": "x" * 2001}, "cons_customer"),
    ({"pros_org": "x" * 2001}, "pros_org"),
    ({"cons_org": "x" * 2001}, "cons_org"),
]


@pytest.fixture
def board(ticket, agent):
    return acknowledged(ticket, agent)


# --- adding and editing ----------------------------------------------------------------


@pytest.mark.parametrize(("changes", "field"), BAD)
def test_add_option_refuses_bad_fields_naming_the_field(board, agent, changes, field):
    with pytest.raises(WorkflowError) as refused:
        opts.add_option(board, agent, option_data(**changes))
    assert refused.value.field == field
    db.session.rollback()
    assert count(Option) == 0


@pytest.mark.parametrize(("changes", "field"), BAD)
def test_edit_option_refuses_bad_fields_and_leaves_the_option(board, agent, changes, field):
    option = add_option(board, agent)
    with pytest.raises(WorkflowError) as refused:
        opts.edit_option(option, agent, option_data(**changes))
    assert refused.value.field == field
    db.session.rollback()
    db.session.refresh(option)
    assert (option.description, option.cost_minor) == ("Send a new kettle", 2_500)


def test_the_largest_cost_and_longest_texts_are_accepted(board, agent):
    option = opts.add_option(board, agent, option_data(cost_minor=100_000_000, pros_org="x" * 2000))
    assert option.cost_minor == 100_000_000
    assert len(option.pros_org) == 2000


def test_adding_an_option_moves_the_ticket_to_options_and_records_it(board, agent):
    option = add_option(board, agent, description="  Refund it  ")
    assert option.state == "draft"
    assert option.description == "Refund it"
    assert option.has_both_sides
    assert board.status == Status.OPTIONS
    event = db.session.scalars(select(TicketEvent).where(TicketEvent.kind == "option_added")).one()
    assert event.data == {"option_id": option.id, "both_sides": True}
    assert not event.is_public


def test_options_need_an_acknowledged_ticket(ticket, agent):
    with pytest.raises(WorkflowError, match="Acknowledge the problem"):
        opts.add_option(ticket, agent, option_data())
    db.session.rollback()
    assert count(Option) == 0


def test_a_closed_ticket_takes_no_options(board, agent):
    close(board, agent)
    with pytest.raises(WorkflowError, match="closed"):
        opts.add_option(board, agent, option_data())


def test_the_same_idempotency_key_adds_one_option(board, agent):
    first = opts.add_option(board, agent, option_data(), idempotency_key="k" * 32)
    again = opts.add_option(board, agent, option_data(), idempotency_key="k" * 32)
    assert again.id == first.id
    assert count(Option) == 1
    assert count(TicketEvent, kind="option_added") == 1


def test_editing_a_draft_changes_it_and_records_an_event(board, agent):
    option = add_option(board, agent)
    opts.edit_option(option, agent, option_data(description="Send two kettles", cost_minor=4_000))
    assert (option.description, option.cost_minor) == ("Send two kettles", 4_000)
    assert count(TicketEvent, kind="option_edited") == 1


@pytest.mark.parametrize("state", ["offered", "agreed"])
def test_only_a_draft_can_be_edited(board, agent, state):
    option = offered_option(board, agent) if state == "offered" else agreed_option(board, agent)
    with pytest.raises(WorkflowError, match="not yet offered"):
        opts.edit_option(option, agent, option_data(description="Changed"))
    db.session.rollback()
    db.session.refresh(option)
    assert option.description == "Send a new kettle"


def test_recommending_one_option_clears_the_others(board, agent):
    first = add_option(board, agent, description="Refund")
    second = add_option(board, agent, description="Replace")
    opts.recommend(first, agent)
    assert (first.recommended, second.recommended) == (True, False)
    opts.recommend(second, agent)
    db.session.refresh(first)
    assert (first.recommended, second.recommended) == (False, True)
    assert count(TicketEvent, kind="option_recommended") == 2


# --- a colleague confirms or challenges ------------------------------------------------


def test_asking_a_colleague_notifies_and_emails_them(board, agent, supervisor):
    option = add_option(board, agent)
    confirmation = opts.request_confirmation(option, agent, supervisor)
    assert confirmation.state == "pending"
    assert [n.kind for n in notices_for(supervisor)] == ["confirmation_requested"]
    assert len(mail_to(supervisor.email)) == 1
    # Asking again while it is pending does not ask twice.
    assert opts.request_confirmation(option, agent, supervisor).id == confirmation.id
    assert count(Confirmation) == 1


def test_you_cannot_ask_yourself_or_a_customer(board, agent, customer):
    option = add_option(board, agent)
    for colleague in (agent, customer):
        with pytest.raises(WorkflowError) as refused:
            opts.request_confirmation(option, agent, colleague)
        assert refused.value.field == "colleague_id"
        db.session.rollback()
    assert count(Confirmation) == 0


def test_only_the_colleague_asked_can_answer(board, agent, supervisor, customer):
    confirmation = opts.request_confirmation(add_option(board, agent), agent, supervisor)
    bystander = factories.make_user("supervisor", limit=1_000_000, exceptions=True)
    for someone in (agent, bystander, customer):
        with pytest.raises(AuthorityError, match="Only the colleague"):
            opts.decide_confirmation(confirmation, someone, confirm=True, comment="")
        db.session.rollback()
    assert confirmation.state == "pending"


def test_a_challenge_needs_a_comment(board, agent, supervisor):
    confirmation = opts.request_confirmation(add_option(board, agent), agent, supervisor)
    with pytest.raises(WorkflowError) as refused:
        opts.decide_confirmation(confirmation, supervisor, confirm=False, comment="  ")
    assert refused.value.field == "comment"
    db.session.rollback()
    opts.decide_confirmation(confirmation, supervisor, confirm=False, comment="Too costly")
    assert (confirmation.state, confirmation.comment) == ("challenged", "Too costly")
    assert [n.kind for n in notices_for(agent)] == ["confirmation_decided"]
    with pytest.raises(WorkflowError, match="already been answered"):
        opts.decide_confirmation(confirmation, supervisor, confirm=True, comment="")


def test_a_confirmation_needs_no_comment(board, agent, supervisor):
    confirmation = opts.request_confirmation(add_option(board, agent), agent, supervisor)
    opts.decide_confirmation(confirmation, supervisor, confirm=True, comment="")
    assert confirmation.state == "confirmed"
    assert count(TicketEvent, kind="option_confirmed") == 1


# --- offering, and what the customer says ---------------------------------------------


def test_offering_moves_to_options_and_emails_the_customer_in_the_same_commit(
    board, agent, customer
):
    option = add_option(board, agent)
    with unit_of_work():
        opts.offer(board, agent, [option])
    # Read back on another connection: the change and its email were committed together.
    with db.engine.connect() as conn:
        state = conn.scalar(select(Option.state).where(Option.id == option.id))
        mails = conn.execute(
            select(OutboxMessage.subject, OutboxMessage.kind).where(
                OutboxMessage.to_email == customer.email
            )
        ).all()
    assert state == "offered"
    assert mails == [(f"[{board.reference}] Ways to solve your problem", "options_offered")]
    assert board.status == Status.OPTIONS
    assert option.offered_at is not None
    event = db.session.scalars(select(TicketEvent).where(TicketEvent.kind == "options_offered"))
    assert event.one().is_public


def test_offering_nothing_or_twice_is_refused(board, agent):
    option = offered_option(board, agent)
    with pytest.raises(WorkflowError) as nothing:
        opts.offer(board, agent, [])
    assert nothing.value.field == "option_ids"
    with pytest.raises(WorkflowError, match="not yet offered"):
        opts.offer(board, agent, [option])


def test_the_customer_agrees_one_and_the_other_offers_are_withdrawn(board, agent, customer):
    first = add_option(board, agent, description="Refund")
    second = add_option(board, agent, description="Replace")
    draft = add_option(board, agent, description="Repair")
    opts.offer(board, agent, [first, second])
    opts.customer_agree(second, customer)
    db.session.refresh(first)
    db.session.refresh(draft)
    assert (first.state, second.state, draft.state) == ("withdrawn", "agreed", "draft")
    assert board.status == Status.AGREED
    assert [n.kind for n in notices_for(agent)] == ["option_agreed"]


def test_another_customer_cannot_agree(board, agent, other_customer):
    option = offered_option(board, agent)
    with pytest.raises(AuthorityError):
        opts.customer_agree(option, other_customer)
    db.session.rollback()
    assert option.state == "offered"
    with pytest.raises(AuthorityError):
        opts.customer_decline(option, other_customer, "Not for me")


@pytest.mark.parametrize("state", ["draft", "declined"])
def test_only_an_offered_option_can_be_agreed(board, agent, customer, state):
    option = add_option(board, agent)
    if state == "declined":
        opts.offer(board, agent, [option])
        opts.customer_decline(option, customer, "I want my money back")
        db.session.commit()
    with pytest.raises(WorkflowError, match="not on offer"):
        opts.customer_agree(option, customer)
    db.session.rollback()
    db.session.refresh(option)
    assert option.state == state
    assert board.status != Status.AGREED


def test_declining_needs_a_comment_and_keeps_it(board, agent, customer):
    option = offered_option(board, agent)
    with pytest.raises(WorkflowError) as refused:
        opts.customer_decline(option, customer, "   ")
    assert refused.value.field == "comment"
    db.session.rollback()
    opts.customer_decline(option, customer, "I would rather have a refund")
    assert (option.state, option.customer_comment) == ("declined", "I would rather have a refund")
    assert [n.kind for n in notices_for(agent)] == ["option_declined"]


# --- implementing ----------------------------------------------------------------------


def test_implementing_the_agreed_option_puts_it_in_progress(board, agent, customer):
    option = agreed_option(board, agent)
    before = len(mail_to(customer.email))
    opts.implement(option, agent, "Kettle dispatched by courier")
    assert option.state == "implemented"
    assert option.implemented_at is not None
    assert board.status == Status.IN_PROGRESS
    mails = mail_to(customer.email)
    assert len(mails) == before + 1
    assert "Kettle dispatched by courier" in mails[-1].body


@pytest.mark.parametrize("state", ["draft", "offered", "withdrawn"])
def test_only_the_agreed_option_can_be_implemented(board, agent, customer, state):
    option = add_option(board, agent)
    if state != "draft":
        other = add_option(board, agent, description="Refund")
        opts.offer(board, agent, [option, other])
        if state == "withdrawn":
            opts.customer_agree(other, customer)
        db.session.commit()
    db.session.refresh(option)
    with pytest.raises(WorkflowError, match="Only the option the customer agreed"):
        opts.implement(option, agent, "Done")
    db.session.rollback()
    db.session.refresh(option)
    assert option.state == state
    assert count(TicketEvent, kind="option_implemented") == 0


@pytest.mark.parametrize("step", ["implement", "decline"])
def test_a_closed_ticket_takes_no_more_action_on_its_options(board, agent, customer, step):
    agreed = agreed_option(board, agent)
    other = add_option(board, agent, description="Refund")
    opts.offer(board, agent, [other])
    close(board, agent)
    mails = len(mail_to(customer.email))
    with pytest.raises(WorkflowError, match="closed"):
        if step == "implement":
            opts.implement(agreed, agent, "Sent it anyway")
        else:
            opts.customer_decline(other, customer, "Too late")
    db.session.rollback()
    assert (agreed.state, other.state) == ("agreed", "offered")
    assert len(mail_to(customer.email)) == mails
    assert count(TicketEvent, kind="option_implemented") == 0


def test_implementing_needs_a_note(board, agent):
    option = agreed_option(board, agent)
    with pytest.raises(WorkflowError) as refused:
        opts.implement(option, agent, " ")
    assert refused.value.field == "note"
