"""The assessor's rules: decisions are immutable (a re-decision is a new record, counted
once), rejections need feedback, only the learner's assessor decides, must-observe PCs need
a confirmed "met" observation, knowledge needs Q/PD/WR, and sign-off needs everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from helpdesk.evidence.assessment import (
    AssessmentError,
    SignOffRefused,
    confirm_observation,
    decide,
    decide_many,
    declare_own_work,
    mark_answer,
    newest_in_chain,
    pin,
    record_knowledge,
    record_observation,
    redecide,
    sign_off,
    signoff_check,
    write_answer,
)
from helpdesk.evidence.portfolio import build
from helpdesk.extensions import db
from helpdesk.models import (
    EvidenceRecord,
    FrameworkRule,
    Notification,
    SignOff,
    WitnessTestimony,
)
from helpdesk.tickets import resolution
from helpdesk.tickets.services import customer_reply
from tests import factories
from tests.assessing import T0, everything, observe
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket, profile_of, records


def refused(status: int, call, *args, **kwargs) -> AssessmentError:
    db.session.commit()  # what the test did so far was earlier requests' work
    with pytest.raises(AssessmentError) as caught:
        call(*args, **kwargs)
    assert caught.value.status == status, caught.value.message
    db.session.rollback()
    return caught.value


def acknowledged(learner, customer, *offsets: int) -> list:
    return [acknowledged_ticket(learner, customer, at=T0 + timedelta(days=d)) for d in offsets]


def evidence(learner) -> EvidenceRecord:
    return records(learner, "acknowledged")[0]


# --- decisions ---------------------------------------------------------------------------


def test_accepting_stamps_the_assessor_and_tells_the_learner(learner, assessor, customer):
    acknowledged(learner, customer, 0)
    record = decide(evidence(learner), assessor, True, "A clear restatement.")
    assert (record.status, record.assessor_initials, record.assessor_id) == (
        "accepted",
        "AA",
        assessor.id,
    )
    assert record.decided_at is not None and record.feedback == "A clear restatement."
    note = db.session.scalar(select(Notification).where(Notification.user_id == learner.id))
    assert note is not None and note.url == f"/portfolio/{learner.id}/evidence/{record.id}"
    assert "accepted" in note.text


def test_rejecting_needs_feedback(learner, assessor, customer):
    acknowledged(learner, customer, 0)
    error = refused(422, decide, evidence(learner), assessor, False, "  ")
    assert error.field == "feedback"
    assert evidence(learner).status == "pending"
    assert decide(evidence(learner), assessor, False, "The impact is missing.").status == (
        "rejected"
    )


def test_a_decided_record_never_changes(learner, assessor, customer):
    acknowledged(learner, customer, 0)
    decide(evidence(learner), assessor, False, "The impact is missing.")
    refused(409, decide, evidence(learner), assessor, True, "")
    record = evidence(learner)
    assert (record.status, record.feedback) == ("rejected", "The impact is missing.")


def test_a_redecision_is_a_new_record_and_counts_once(learner, assessor, customer):
    acknowledged(learner, customer, 0)
    old = decide(evidence(learner), assessor, False, "The impact is missing.")
    new = redecide(old, assessor, True, "On reflection, the impact is there.")
    assert new.id != old.id and new.supersedes_id == old.id
    assert [c.code for c in new.codes] == [c.code for c in old.codes]
    assert (new.ticket_id, new.ticket_event_id, new.summary, new.method) == (
        old.ticket_id,
        old.ticket_event_id,
        old.summary,
        old.method,
    )
    db.session.refresh(old)
    assert (old.status, old.feedback) == ("rejected", "The impact is missing.")
    # Decided again, from the newest: the chain is counted once, as its newest says.
    newest = redecide(new, assessor, False, "Missing the customer's feeling after all.")
    assert newest_in_chain(old).id == newest.id
    row = build(profile_of(learner)).pc("1.1")
    assert (row.accepted, row.pending, row.rejected) == (0, 0, 1)
    assert len(records(learner)) == 3
    refused(409, redecide, old, assessor, True, "")  # only the newest can be re-decided
    refused(409, redecide, new, assessor, True, "")


def test_a_redecided_witness_testimony_keeps_its_statement(learner, assessor, customer):
    (ticket,) = acknowledged(learner, customer, 0)
    record = EvidenceRecord(
        learner_id=learner.id,
        framework="A",
        action="witness_testimony",
        method="WT",
        ticket_id=ticket.id,
        summary="Witness testimony from the customer",
        testimony=WitnessTestimony(
            ticket_id=ticket.id, witness_name="Casey", statement="Lee was patient and clear."
        ),
    )
    db.session.add(record)
    db.session.commit()
    new = redecide(decide(record, assessor, True), assessor, False, "Not about 1.1 after all.")
    assert new.testimony is not None and new.testimony.statement == "Lee was patient and clear."
    db.session.refresh(record)
    assert record.testimony is not None and record.testimony.id != new.testimony.id


def test_a_pending_record_is_decided_not_redecided(learner, assessor, customer):
    acknowledged(learner, customer, 0)
    refused(409, redecide, evidence(learner), assessor, True, "")
    refused(422, redecide, decide(evidence(learner), assessor, True), assessor, False, "")


def test_only_the_learners_assessor_decides(learner, assessor, other_assessor, admin, customer):
    acknowledged(learner, customer, 0)
    record = evidence(learner)
    for somebody in (other_assessor, admin, learner):
        refused(403, decide, record, somebody, True, "")
    # Even a learner who is also an assessor cannot decide their own evidence.
    learner.set_roles({"agent", "learner", "assessor"})
    profile = profile_of(learner)  # held: a collection's event needs its parent alive
    profile.assessors.append(learner)
    db.session.commit()
    refused(403, decide, record, learner, True, "")
    assert evidence(learner).status == "pending"


def test_bulk_decisions_skip_what_was_decided_meanwhile(learner, assessor, customer):
    acknowledged(learner, customer, 0, 1, 2)
    first, second, third = records(learner, "acknowledged")
    decide(first, assessor, True)
    refused(422, decide_many, [second, third], assessor, False, "")
    done = decide_many([first, second, third], assessor, False, "Say the impact too.")
    assert [r.id for r in done] == [second.id, third.id]
    assert {r.status for r in records(learner)} == {"accepted", "rejected"}
    assert all(r.feedback == "Say the impact too." for r in done)
    notes = db.session.scalars(select(Notification).where(Notification.user_id == learner.id))
    assert [n.text for n in notes][-1] == "Ari Assessor rejected 2 pieces of your evidence."


def test_bulk_refuses_a_learner_the_assessor_does_not_assess(learner, assessor, customer):
    stranger = make_learner("A", email="sol@example.com", name="Sol Stranger")
    acknowledged(learner, customer, 0)
    acknowledged(stranger, customer, 0)
    refused(403, decide_many, [evidence(learner), evidence(stranger)], assessor, True, "")
    assert evidence(learner).status == "pending"


# --- observations --------------------------------------------------------------------------


def test_must_observe_pcs_need_a_confirmed_met_observation(learner, assessor, customer):
    tickets = acknowledged(learner, customer, 0, 7, 14)
    decide_many(records(learner, "acknowledged"), assessor, True)
    db.session.add(FrameworkRule(code="A", must_observe=["1.1"]))
    db.session.commit()
    row = build(profile_of(learner)).pc("1.1")
    assert row.sufficiency.met and not row.met and build(profile_of(learner)).pcs_met == 0
    assert any(line.startswith("Observation 1.1") for line in signoff_check(learner))

    failed = observe(
        assessor, learner, tickets[:1], ["1.1"], judgement="not_met", comments="Rushed."
    )
    assert failed.confirmed and not build(profile_of(learner)).pc("1.1").observed
    observation = observe(assessor, learner, tickets[:1], ["1.1"], confirm=False)
    assert not build(profile_of(learner)).pc("1.1").met
    confirm_observation(observation, assessor)
    assert not build(profile_of(learner)).pc("1.1").met
    confirm_observation(observation, learner, "I slowed down this time.")
    portfolio = build(profile_of(learner))
    assert portfolio.pc("1.1").met and portfolio.pcs_met == 1
    assert not any(line.startswith("Observation 1.1") for line in signoff_check(learner))
    made = records(learner, "observation")
    assert [(r.method, r.status) for r in made] == [("O", "rejected"), ("O", "accepted")]
    refused(409, redecide, made[1], assessor, False, "Changed my mind")


def test_observations_are_checked(learner, assessor, other_assessor, customer):
    mine = acknowledged(learner, customer, 0)
    stranger_ticket = factories.make_ticket(customer=customer)
    good = {
        "observed_on": datetime.now(UTC),  # recorded as it happens
        "place": "Phone",
        "activity": "A call",
        "tickets": mine,
        "codes": ["1.1"],
        "judgement": "met",
    }
    refused(403, record_observation, other_assessor, learner, **good)
    assert (
        refused(
            422, record_observation, assessor, learner, **good | {"tickets": [stranger_ticket]}
        ).field
        == "tickets"
    )
    assert (
        refused(422, record_observation, assessor, learner, **good | {"codes": ["9.9"]}).field
        == "codes"
    )
    assert (
        refused(422, record_observation, assessor, learner, **good | {"judgement": "not_met"}).field
        == "comments"
    )
    future = T0.replace(year=2099)
    assert (
        refused(422, record_observation, assessor, learner, **good | {"observed_on": future}).field
        == "observed_on"
    )
    assert record_observation(assessor, learner, **good).codes == ["1.1"]


def test_pins_only_on_events_of_the_observed_tickets(learner, assessor, other_assessor, customer):
    observed, elsewhere = acknowledged(learner, customer, 0, 1)
    resolution.ask_question(observed, learner, "Is it the 1.7 litre kettle?")
    observation = observe(assessor, learner, [observed], ["1.1"], confirm=False)
    event = observed.events[-1]
    found = pin(observation, event, "Good open question.", by=assessor)
    assert found.ticket_event_id == event.id
    assert refused(422, pin, observation, elsewhere.events[-1], "Wrong ticket").field == "event_id"
    refused(403, pin, observation, event, "Not mine", by=other_assessor)
    assert refused(422, pin, observation, event, "   ").field == "comment"
    confirm_observation(observation, assessor)
    refused(409, pin, observation, event, "Too late")
    assert [p.comment for p in observation.pins] == ["Good open question."]


def test_both_confirm_the_assessor_first(learner, assessor, other_assessor, customer):
    tickets = acknowledged(learner, customer, 0)
    observation = observe(assessor, learner, tickets, ["1.1"], confirm=False)
    refused(409, confirm_observation, observation, learner, "Too soon")
    refused(403, confirm_observation, observation, other_assessor)
    confirm_observation(observation, assessor)
    refused(409, confirm_observation, observation, assessor)
    confirm_observation(observation, learner, "Fair.")
    refused(409, confirm_observation, observation, learner, "Again")
    assert observation.confirmed and observation.learner_comments == "Fair."


# --- knowledge ------------------------------------------------------------------------------


def knowledge(learner, code: str):
    return next(k for k in build(profile_of(learner)).knowledge if k.criterion.code == code)


def test_knowledge_is_met_only_by_questioning_discussion_or_marked_answers(learner, assessor):
    answer = write_answer(learner, "4.2", "I listen, restate and stay calm.")
    assert answer.outcome == "pending" and answer.method == "WR"
    assert write_answer(learner, "4.2", "I listen, restate and stay calm.").id == answer.id
    assert not knowledge(learner, "4.2").met
    assert refused(422, mark_answer, answer, assessor, "not_met", "").field == "feedback"
    mark_answer(answer, assessor, "not_met", "Say how you would calm an angry caller.")
    refused(409, mark_answer, answer, assessor, "met")
    assert not knowledge(learner, "4.2").met
    second = write_answer(learner, "4.2", "Acknowledge the feeling, then agree next steps.")
    mark_answer(second, assessor, "met")
    assert knowledge(learner, "4.2").met

    record_knowledge(
        assessor, learner, "Q", ["4.1"], "What is our procedure?", "Log it.", "not_met", "Too thin."
    )
    assert not knowledge(learner, "4.1").met
    record_knowledge(
        assessor, learner, "PD", ["4.1", "4.3"], "Talk me through it.", "We log, triage…", "met"
    )
    assert knowledge(learner, "4.1").met and knowledge(learner, "4.3").met
    assert (
        refused(422, record_knowledge, assessor, learner, "WR", ["4.4"], "q", "a", "met").field
        == "method"
    )
    assert (
        refused(422, record_knowledge, assessor, learner, "Q", ["1.1"], "q", "a", "met").field
        == "codes"
    )
    assert refused(422, write_answer, learner, "9.9", "x").field == "code"


def test_only_the_assessor_marks_knowledge(learner, assessor, other_assessor):
    answer = write_answer(learner, "4.2", "I stay calm.")
    refused(403, mark_answer, answer, other_assessor, "met")
    refused(403, mark_answer, answer, learner, "met")
    refused(403, record_knowledge, learner, learner, "Q", ["4.1"], "q", "a", "met")


# --- sign-off -----------------------------------------------------------------------------

SECTIONS = (
    "Performance criteria",
    "Observation",
    "Problem types",
    "Information and procedures",
    "Scope",
    "Knowledge",
    "Assessment by observation",
)


def test_a_fresh_learner_is_missing_exactly_everything(app, assessor):
    learner = make_learner("B", assessors=(assessor,))
    missing = signoff_check(learner)
    sections: dict[str, list[str]] = {}
    for line in missing:
        section = next(s for s in SECTIONS if line.startswith(s + " "))
        sections.setdefault(section, []).append(line[len(section) + 1 :].split(" ", 1)[0])
    assert len(missing) == 16 + 5 + 5 + 4 + 4 + 7 + 1
    assert list(sections) == list(SECTIONS)
    assert sections["Performance criteria"] == [str(n) for n in range(1, 17)]
    assert sections["Observation"] == ["3", "4", "5", "6", "7"]
    assert sections["Problem types"] == ["PT1", "PT2", "PT3", "PT4", "PT5"]
    assert sections["Information and procedures"] == ["IP1", "IP2", "IP3", "IP4"]
    assert sections["Scope"] == ["a", "b", "c", "d"]
    assert sections["Knowledge"] == [f"K{n}" for n in range(1, 8)]
    assert sections["Assessment by observation"] == ["a–d"]  # two of them by direct observation
    assert missing[0] == (
        "Performance criteria 1 Listen carefully to your customers about any problem they "
        "have raised.: Accepted evidence: no tickets yet (3 needed, over 14 days)."
    )
    assert (
        "Observation 3 Recognise repeated problems and alert the appropriate authority.: "
        "Must be observed: no confirmed observation judging it met." in missing
    )


def test_sign_off_needs_every_rule_and_both_declarations(app, assessor, other_assessor, customer):
    learner = make_learner("B", assessors=(assessor,))
    with pytest.raises(SignOffRefused) as caught:
        sign_off(learner, assessor, assessor_declared=True)
    assert caught.value.missing == signoff_check(learner) and len(caught.value.missing) == 42
    db.session.rollback()

    everything(assessor, learner, customer)
    assert signoff_check(learner) == []
    refused(403, sign_off, learner, other_assessor, assessor_declared=True)
    assert "declared" in refused(409, sign_off, learner, assessor, assessor_declared=True).message
    declaration = declare_own_work(learner)
    assert declaration.learner_declared_at is not None and declaration.signed_off_at is None
    assert declare_own_work(learner).id == declaration.id
    assert (
        refused(422, sign_off, learner, assessor, assessor_declared=False).field
        == "assessor_declared"
    )
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        done = sign_off(learner, assessor, assessor_declared=True)
    assert done.signed_off_at == done.assessor_declared_at == T0 + timedelta(days=30)
    assert done.assessor_id == assessor.id and done.learner_declared_at is not None
    assert db.session.scalars(select(SignOff)).all() == [done]
    refused(409, sign_off, learner, assessor, assessor_declared=True)


def test_an_assessor_accepts_a_record_for_some_of_its_pcs_only(learner, assessor, customer):
    ticket = acknowledged_ticket(learner, customer)
    resolution.ask_question(ticket, learner, "Which model is it?")
    customer_reply(ticket, ticket.customer, "The 1.7 litre one")
    resolution.resolve(ticket, learner, "A new kettle was sent")
    resolution.customer_confirm(
        ticket,
        ticket.customer,
        solved=True,
        rating=5,
        comment="",
        did_well="She listened and asked good questions.",
        consent=True,
        witness_name="Casey",
    )
    [testimony] = [r for r in records(learner, "customer_confirmed") if r.method == "WT"]
    assert [c.code for c in testimony.live_codes] == ["1.1", "1.2", "3.5"]
    bad = refused(422, decide, testimony, assessor, True, "", pcs=["1.1"])
    assert bad.field == "feedback"
    assert refused(422, decide, testimony, assessor, True, "x", pcs=["9.9"]).field == "pcs"
    assert refused(422, decide, testimony, assessor, True, "x", pcs=[]).field == "pcs"
    decide(testimony, assessor, True, "The questions were closed ones", pcs=["1.1", "3.5"])
    db.session.expire_all()
    found = db.session.get(EvidenceRecord, testimony.id)
    assert found.status == "accepted"
    assert [c.code for c in found.live_codes] == ["1.1", "3.5"]
    [left] = [c for c in found.codes if c.untagged_at is not None]
    assert left.code == "1.2" and "closed ones" in left.untag_reason
    portfolio = build(profile_of(learner))
    # The testimony counts for 1.1 and 3.5 only (the other records are still pending).
    assert (portfolio.pc("1.1").accepted, portfolio.pc("1.2").accepted) == (1, 0)
    assert portfolio.pc("3.5").accepted == 1
