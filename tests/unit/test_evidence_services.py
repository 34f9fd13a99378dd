"""A learner's note and untagging on their own evidence; decided evidence never changes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from helpdesk.evidence.services import EvidenceError, add_note, untag
from helpdesk.extensions import db
from helpdesk.models import EvidenceCode, EvidenceRecord, TicketEvent, User
from helpdesk.models.types import utcnow
from helpdesk.tickets.options import OptionData, add_option
from helpdesk.tickets.services import acknowledge
from tests.factories import make_learner
from tests.resolving import ACK

pytestmark = pytest.mark.learner(framework="C")


@pytest.fixture
def record(learner: User, ticket: Any) -> EvidenceRecord:
    """C's acknowledgement: two PCs (P1, P2) on one record."""
    acknowledge(ticket, learner, **ACK)
    return db.session.scalars(
        select(EvidenceRecord).where(EvidenceRecord.learner_id == learner.id)
    ).one()


def decide(record: EvidenceRecord, status: str) -> None:
    """Stand in for an assessor's decision."""
    record.status = status
    record.assessor_initials = "AA"
    record.decided_at = utcnow()
    db.session.commit()


def test_the_learner_adds_a_note_to_their_pending_evidence(record, learner):
    add_note(record, learner, "  The customer was upset; I slowed down.  ")
    db.session.expire_all()
    assert db.session.get(EvidenceRecord, record.id).note == (
        "The customer was upset; I slowed down."
    )
    add_note(record, learner, "Changed my mind about the wording.")
    assert db.session.get(EvidenceRecord, record.id).note == "Changed my mind about the wording."


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_a_note_must_have_words_and_not_too_many(record, learner, text):
    with pytest.raises(EvidenceError) as refused:
        add_note(record, learner, text)
    assert refused.value.status == 422 and refused.value.field == "note"
    assert db.session.get(EvidenceRecord, record.id).note == ""


def test_untagging_keeps_the_code_in_the_history_with_when_and_why(record, learner):
    assert {c.code for c in record.live_codes} == {"P1", "P2"}
    gone = untag(record, learner, "P1", "I did not follow a procedure here")
    db.session.expire_all()
    fresh = db.session.get(EvidenceRecord, record.id)
    assert {c.code for c in fresh.codes} == {"P1", "P2"}  # the row stays
    assert [c.code for c in fresh.live_codes] == ["P2"]
    row = db.session.get(EvidenceCode, gone.id)
    assert row.untagged_at is not None
    assert row.untag_reason == "I did not follow a procedure here"
    # Still the same evidence, kept in place on the live ticket event.
    assert fresh.status == "pending"
    assert isinstance(fresh.ticket_event, TicketEvent)
    assert fresh.ticket_event.kind == "acknowledged"


def test_untagging_needs_a_reason_and_a_code_the_record_still_carries(record, learner):
    with pytest.raises(EvidenceError) as no_reason:
        untag(record, learner, "P1", "  ")
    assert (no_reason.value.status, no_reason.value.field) == (422, "reason")
    with pytest.raises(EvidenceError) as unknown:
        untag(record, learner, "P9", "Not this one")
    assert (unknown.value.status, unknown.value.field) == (422, "code")
    untag(record, learner, "P2", "Not this one")
    with pytest.raises(EvidenceError) as again:
        untag(record, learner, "P2", "Twice")
    assert (again.value.status, again.value.field) == (422, "code")
    assert db.session.get(EvidenceRecord, record.id).live_codes[0].code == "P1"


def test_only_the_learner_changes_their_own_evidence(record, learner, assessor, agent):
    other = make_learner("C", name="Olly Otherlearner")
    for person in (other, assessor, agent):
        with pytest.raises(EvidenceError) as refused:
            add_note(record, person, "Mine now")
        assert refused.value.status == 403
        with pytest.raises(EvidenceError) as refused:
            untag(record, person, "P1", "Mine now")
        assert refused.value.status == 403
    db.session.expire_all()
    fresh = db.session.get(EvidenceRecord, record.id)
    assert fresh.note == "" and len(fresh.live_codes) == 2


@pytest.mark.parametrize("status", ["accepted", "rejected"])
def test_decided_evidence_is_immutable(record, learner, status):
    add_note(record, learner, "Before the decision")
    decide(record, status)
    with pytest.raises(EvidenceError) as note:
        add_note(record, learner, "After the decision")
    assert note.value.status == 409
    assert status in note.value.message and "cannot change" in note.value.message
    with pytest.raises(EvidenceError) as untagged:
        untag(record, learner, "P1", "After the decision")
    assert untagged.value.status == 409
    db.session.expire_all()
    fresh = db.session.get(EvidenceRecord, record.id)
    assert fresh.note == "Before the decision"
    assert all(c.untagged_at is None and c.untag_reason == "" for c in fresh.codes)


def test_a_decision_made_a_moment_ago_still_wins(record, learner):
    """Checked again on the row as stored (under a lock), not only on the copy in hand."""
    session = db.session()
    assert record.status == "pending"  # what the learner's request loaded
    session.expire_on_commit = False  # keep that copy in hand as it was
    try:
        session.commit()
        with db.engine.begin() as conn:  # the assessor's decision, on another connection
            conn.execute(
                update(EvidenceRecord)
                .where(EvidenceRecord.id == record.id)
                .values(status="accepted", assessor_initials="AA")
            )
        assert record.status == "pending"
        with pytest.raises(EvidenceError) as refused:
            untag(record, learner, "P1", "Too late")
    finally:
        session.expire_on_commit = True
    assert refused.value.status == 409
    db.session.expire_all()
    assert all(c.untagged_at is None for c in db.session.get(EvidenceRecord, record.id).codes)


def test_an_option_with_both_sides_can_lose_one_code_and_keep_the_other(app, ticket):
    # Unit A: adding an option shows 2.1 (C's P12 needs a colleague's confirmation).
    learner = make_learner("A", name="Ali Learner")
    acknowledge(ticket, learner, **ACK)
    add_option(
        ticket,
        learner,
        OptionData(
            description="Send a new kettle",
            remedy_type="replacement",
            cost_minor=2_500,
            duration="2 days",
            within_policy=True,
            pros_customer="Soon",
            cons_customer="Two days",
            pros_org="Keeps them",
            cons_org="Costs",
        ),
    )
    pros_cons = db.session.scalars(
        select(EvidenceRecord).where(EvidenceRecord.action == "option_pros_cons")
    ).one()
    added = db.session.scalars(
        select(EvidenceRecord).where(EvidenceRecord.action == "option_added")
    ).one()
    untag(pros_cons, learner, "2.3", "The cons for us were thin")
    db.session.expire_all()
    assert db.session.get(EvidenceRecord, pros_cons.id).live_codes == []
    assert [c.code for c in db.session.get(EvidenceRecord, added.id).live_codes] == ["2.1"]
