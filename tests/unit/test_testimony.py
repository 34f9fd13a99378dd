"""Witness testimony from customers: who handled a ticket, the emailed link, the evidence."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from helpdesk.domain import Status
from helpdesk.evidence.testimony import (
    FeedbackLinkError,
    consent_wording,
    learner_for,
    make_feedback_token,
    read_feedback_token,
    record_testimony,
)
from helpdesk.extensions import db
from helpdesk.models import (
    EvidenceCode,
    EvidenceRecord,
    SatisfactionResponse,
    WitnessTestimony,
)
from helpdesk.models.types import utcnow
from helpdesk.tickets import resolution
from helpdesk.tickets.services import assign, customer_reply, reply
from helpdesk.tickets.workflow import WorkflowError
from tests import factories
from tests.factories import make_learner
from tests.helpers import count
from tests.resolving import acknowledged
from tests.witnesses import resolved_by

STATEMENT = "Lee listened, and rang me back\nexactly when she said she would. <Thanks!>  "


def wt_records() -> list[EvidenceRecord]:
    return list(db.session.scalars(select(EvidenceRecord).where(EvidenceRecord.method == "WT")))


def confirm(ticket, **testimony):
    return resolution.customer_confirm(
        ticket, ticket.customer, solved=True, rating=5, comment="", **testimony
    )


# --- who handled it -------------------------------------------------------------------------


def test_the_learner_with_the_most_evidence_handled_it(ticket, agent, learner):
    other = make_learner(name="Mo Trainee")
    acknowledged(ticket, other)  # one record for Mo, who holds the ticket
    resolution.ask_question(ticket, learner, "Which lid?")
    resolution.ask_question(ticket, learner, "And which colour?")
    assert learner_for(ticket) == learner


def test_the_assignee_in_learner_mode_when_no_one_has_evidence(ticket, agent, learner):
    assert learner_for(ticket) is None
    assign(ticket, agent, learner)
    assert learner_for(ticket) == learner


def test_staff_not_in_learner_mode_never_count(ticket, agent):
    acknowledged(ticket, agent)
    assert learner_for(ticket) is None
    # The role alone is not learner mode: without a profile nothing is assessed.
    trainee = factories.make_user("agent", "learner", name="Pat Noprofile")
    assign(ticket, agent, trainee)
    assert learner_for(ticket) is None


# --- the signed link ------------------------------------------------------------------------


def test_the_token_names_the_ticket_and_this_resolution(ticket, learner):
    resolved_by(ticket, learner)
    assert read_feedback_token(make_feedback_token(ticket)) == ticket


def test_an_unresolved_ticket_has_no_token(ticket):
    with pytest.raises(ValueError):
        make_feedback_token(ticket)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "x" + t,
        lambda t: t.split(".")[0],
        lambda t: "",
        lambda t: "not-a-token",
        lambda t: URLSafeTimedSerializer("another key", salt="satisfaction-feedback").dumps([1, 1]),
    ],
    ids=["signature", "payload", "truncated", "empty", "garbage", "other-key"],
)
def test_a_tampered_token_is_refused_as_bad(ticket, learner, mangle):
    resolved_by(ticket, learner)
    with pytest.raises(FeedbackLinkError) as refused:
        read_feedback_token(mangle(make_feedback_token(ticket)))
    assert refused.value.status == 400


def test_a_signed_payload_of_the_wrong_shape_is_refused(app, ticket, learner):
    resolved_by(ticket, learner)
    sign = URLSafeTimedSerializer(app.secret_key, salt="satisfaction-feedback").dumps
    for payload in ({"t": ticket.id}, [ticket.id], ["1", 2], [2**64, 1], [0, 1], [True, 1]):
        with pytest.raises(FeedbackLinkError) as refused:
            read_feedback_token(sign(payload))
        assert refused.value.status == 400


def test_the_link_expires_after_the_configured_days(app, ticket, learner, monkeypatch):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        resolved_by(ticket, learner)
        token = make_feedback_token(ticket)
    with time_machine.travel(start + timedelta(days=13, hours=23), tick=False):
        assert read_feedback_token(token) == ticket
    with time_machine.travel(start + timedelta(days=14, minutes=1), tick=False):
        with pytest.raises(FeedbackLinkError) as refused:
            read_feedback_token(token)
    assert refused.value.status == 410
    monkeypatch.setitem(app.config, "FEEDBACK_LINK_DAYS", 30)
    with time_machine.travel(start + timedelta(days=29), tick=False):
        assert read_feedback_token(token) == ticket


def test_the_link_is_spent_once_answered(ticket, learner):
    resolved_by(ticket, learner)
    token = make_feedback_token(ticket)
    confirm(ticket)
    with pytest.raises(FeedbackLinkError) as refused:
        read_feedback_token(token)
    assert refused.value.status == 410


def test_an_answer_after_this_resolution_spends_it_even_if_still_resolved(ticket, learner):
    resolved_by(ticket, learner)
    token = make_feedback_token(ticket)
    db.session.add(SatisfactionResponse(ticket_id=ticket.id, solved=True, rating=4))
    db.session.commit()
    assert ticket.status == Status.RESOLVED
    with pytest.raises(FeedbackLinkError):
        read_feedback_token(token)


def test_a_disabled_customers_link_is_spent(ticket, learner, customer):
    resolved_by(ticket, learner)
    token = make_feedback_token(ticket)
    customer.active = False
    db.session.commit()
    with pytest.raises(FeedbackLinkError) as refused:
        read_feedback_token(token)
    assert refused.value.status == 410


def test_resolving_again_replaces_the_earlier_link(ticket, learner):
    resolved_by(ticket, learner)
    first = make_feedback_token(ticket)
    resolution.customer_confirm(
        ticket, ticket.customer, solved=False, rating=None, comment="Still leaks"
    )
    with pytest.raises(FeedbackLinkError):
        read_feedback_token(first)  # reopened: nothing to answer
    resolution.resolve(ticket, learner, "A second kettle")
    second = make_feedback_token(ticket)
    with pytest.raises(FeedbackLinkError):
        read_feedback_token(first)  # the earlier answer came before this resolution
    assert read_feedback_token(second) == ticket


# --- the evidence ---------------------------------------------------------------------------


def test_consent_makes_wt_evidence_with_what_makes_testimony_acceptable(ticket, learner):
    resolved_by(ticket, learner, question=True)
    before = utcnow()
    answer = confirm(
        ticket,
        did_well=STATEMENT,
        consent=True,
        witness_name="  Casey J. ",
        witness_contact=" casey@example.com ",
    )
    assert (answer.did_well, answer.testimony_consent) == (STATEMENT, True)
    [record] = wt_records()
    assert (record.learner_id, record.framework, record.action) == (
        learner.id,
        "A",
        "customer_confirmed",
    )
    assert record.ticket_id == ticket.id and record.status == "pending"
    assert record.ticket_event is not None and record.ticket_event.kind == "customer_confirmed"
    assert record.is_simulated is False
    # "listened" speaks to 1.1 and "solved" to 3.5; the question (1.2) the statement does
    # not mention, and the ringing back was no promise recorded on the ticket.
    assert [c.code for c in record.codes] == ["1.1", "3.5"]
    assert {c.kind for c in record.codes} == {"pc"}
    assert record.summary.startswith(f"Witness testimony from the customer on {ticket.reference}")
    testimony = record.testimony
    assert testimony is not None
    assert testimony.statement == STATEMENT  # exactly as typed
    assert (testimony.witness_name, testimony.contact) == ("Casey J.", "casey@example.com")
    assert testimony.relationship_to_learner == "Customer"
    assert testimony.ticket_id == ticket.id
    assert before <= testimony.consented_at <= utcnow()
    assert ticket.status == Status.CLOSED_SATISFIED


def test_the_codes_leave_out_untagged_and_other_peoples_and_frameworks(ticket, learner):
    other = make_learner(name="Mo Trainee")
    acknowledged(ticket, learner)
    resolution.ask_question(ticket, other, "Which lid?")  # Mo's 1.2: not Lee's evidence
    asked = resolution.ask_question(ticket, learner, "Which colour?")
    [lee_question] = db.session.scalars(
        select(EvidenceRecord).where(EvidenceRecord.ticket_event_id == asked.id)
    )
    lee_question.codes[0].untagged_at = utcnow()  # the assessor's correction stands
    db.session.add(
        EvidenceRecord(
            learner=learner,
            framework="B",
            action="update",
            ticket=ticket,
            summary="From an earlier framework",
            codes=[EvidenceCode(code="14", kind="pc")],
        )
    )
    db.session.commit()
    customer_reply(ticket, ticket.customer, "The blue one")
    resolution.resolve(ticket, learner, "A new kettle was delivered")
    confirm(ticket, did_well="Kind", consent=True, witness_name="Casey")
    [record] = wt_records()
    assert [c.code for c in record.codes] == ["3.5"]  # "Kind" speaks only to "solved"


def test_without_consent_it_stays_ordinary_feedback(ticket, learner):
    resolved_by(ticket, learner)
    answer = confirm(ticket, did_well=STATEMENT, consent=False, witness_name="Casey")
    assert (answer.did_well, answer.testimony_consent) == (STATEMENT, False)
    assert wt_records() == [] and count(WitnessTestimony) == 0


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({"did_well": "  ", "witness_name": "Casey"}, "did_well", "what Lee did well"),
        ({"did_well": "Kind", "witness_name": " "}, "witness_name", "Give your name"),
        ({"did_well": "x" * 4001, "witness_name": "Casey"}, "did_well", "under 4,000"),
        ({"did_well": "Kind", "witness_name": "C" * 121}, "witness_name", "under 120"),
        (
            {"did_well": "Kind", "witness_name": "Casey", "witness_contact": "c" * 201},
            "witness_contact",
            "under 200",
        ),
    ],
)
def test_consent_needs_a_statement_and_a_name(ticket, learner, given, field, words):
    resolved_by(ticket, learner)
    with pytest.raises(WorkflowError) as refused:
        confirm(ticket, consent=True, **given)
    assert refused.value.field == field and words in refused.value.message
    db.session.rollback()
    db.session.refresh(ticket)
    assert ticket.status == Status.RESOLVED
    assert count(SatisfactionResponse) == 0 and wt_records() == []


def test_a_ticket_no_learner_handled_takes_no_testimony(ticket, agent):
    resolved_by(ticket, agent)
    answer = confirm(ticket, did_well=STATEMENT, consent=True, witness_name="Casey")
    assert (answer.did_well, answer.testimony_consent) == ("", False)
    assert wt_records() == []


def test_callers_that_ask_nothing_more_are_unchanged(ticket, learner):
    resolved_by(ticket, learner)
    answer = confirm(ticket)
    assert (answer.did_well, answer.testimony_consent) == ("", False)
    assert wt_records() == []


def test_not_solved_can_still_carry_testimony(ticket, learner):
    resolved_by(ticket, learner)
    resolution.customer_confirm(
        ticket,
        ticket.customer,
        solved=False,
        rating=None,
        comment="The lid still leaks",
        did_well="Lee was patient",
        consent=True,
        witness_name="Casey",
    )
    [record] = wt_records()
    assert record.testimony is not None and record.testimony.statement == "Lee was patient"
    assert ticket.status == Status.ACKNOWLEDGED
    # Resolved again: a second statement, tagged from the events, not the first statement.
    resolution.resolve(ticket, learner, "A second kettle")
    confirm(ticket, did_well="Lee kept at it", consent=True, witness_name="C.")
    first, second = wt_records()
    assert [c.code for c in first.codes] == []  # "patient", not solved: nothing named
    assert [c.code for c in second.codes] == ["3.5"]


def test_statements_from_simulated_tickets_are_marked_simulated(customer, category, learner):
    demo = factories.make_ticket(customer=customer, category=category, is_simulated=True)
    resolved_by(demo, learner)
    confirm(demo, did_well="Kind", consent=True, witness_name="Casey")
    [record] = wt_records()
    assert record.is_simulated is True


def test_record_testimony_needs_a_learner(ticket, agent):
    resolved_by(ticket, agent)
    response = SatisfactionResponse(ticket_id=ticket.id, solved=True, did_well="Kind")
    assert record_testimony(ticket, response, "Casey", "") is None


def test_the_consent_wording():
    assert consent_wording("Lee") == (
        "I agree that this feedback may be used as witness testimony in Lee's training record"
    )


def test_testimony_is_tagged_with_the_pcs_the_statement_speaks_to(ticket, learner):
    resolved_by(ticket, learner, question=True)
    reply(ticket, learner, "The courier comes tomorrow.", update_kind="volunteered")
    confirm(
        ticket,
        did_well="She asked the right questions and kept me informed.",
        consent=True,
        witness_name="Casey",
    )
    [record] = wt_records()
    # Asked (1.2), kept informed (3.4), solved (3.5); not listening (1.1), never mentioned.
    assert [c.code for c in record.codes] == ["1.2", "3.4", "3.5"]
