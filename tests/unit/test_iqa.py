"""Internal quality assurance: what a sample draws from, that the draw is reproducible,
that a sample is a snapshot a later re-decision never changes, and the verdict rules."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from helpdesk.domain import TrainingKind
from helpdesk.evidence.decisions import decide, redecide
from helpdesk.extensions import db
from helpdesk.iqa.display import item_views
from helpdesk.iqa.services import (
    SampleError,
    SampleRequest,
    assessors_with_counts,
    draw_sample,
    learners_of,
    pc_choices,
    pick,
    pool,
    record_verdict,
)
from helpdesk.models import EvidenceRecord, IqaSample, IqaSampleItem
from helpdesk.tickets import resolution
from tests import factories
from tests.export_data import PERSONAL, customers
from tests.factories import make_learner
from tests.helpers import count
from tests.portfolio import acknowledged_ticket, records


@pytest.fixture
def work(app: Any, assessor: Any) -> dict[str, Any]:
    """Two learners of the assessor with decided and pending evidence, one of another's."""
    casey, priya = customers()
    lee = make_learner("A", assessors=(assessor,), email="lee@example.com")
    mo = make_learner("B", assessors=(assessor,), email="mo@example.com", name="Mo Learner")
    other = factories.make_user("assessor", email="oa@example.com", name="Other Assessor")
    olly = make_learner("A", assessors=(other,), email="olly@example.com", name="Olly Learner")
    for learner, customer in ((lee, casey), (mo, priya), (olly, casey)):
        ticket = acknowledged_ticket(learner, customer, order_ref="ORD-778899")
        resolution.ask_question(ticket, learner, f"{customer.first_name}, is it the 1.7 litre one?")
    decide(records(lee, "acknowledged")[0], assessor, True, "Good restating, Casey felt heard")
    decide(records(lee, "question")[0], assessor, False, "Ask Casey Jones an open question")
    decide(records(mo, "acknowledged")[0], assessor, True)
    # Mo's question stays pending; Olly's are decided by the other assessor.
    decide(records(olly, "acknowledged")[0], other, True)
    return {"lee": lee, "mo": mo, "olly": olly, "other": other}


def ids(found: list[EvidenceRecord]) -> list[int]:
    return [r.id for r in found]


def test_the_pool_is_the_assessors_current_decisions_only(app, assessor, work):
    lee, mo = work["lee"], work["mo"]
    everything = pool(SampleRequest(assessor.id))
    assert ids(everything) == [
        records(lee, "acknowledged")[0].id,
        records(lee, "question")[0].id,
        records(mo, "acknowledged")[0].id,
    ]
    assert ids(pool(SampleRequest(assessor.id, learner_ids=(mo.id,)))) == [
        records(mo, "acknowledged")[0].id
    ]
    # PCs are framework and code: A's 1.2 is Lee's question; B's 1 is Mo's acknowledgement.
    assert ids(pool(SampleRequest(assessor.id, pcs=("A:1.2",)))) == [records(lee, "question")[0].id]
    assert ids(pool(SampleRequest(assessor.id, pcs=("B:1", "A:1.1")))) == [
        records(lee, "acknowledged")[0].id,
        records(mo, "acknowledged")[0].id,
    ]
    assert pool(SampleRequest(assessor.id, methods=("O",))) == []
    assert len(pool(SampleRequest(assessor.id, methods=("WP",)))) == 3
    # A replaced decision is history: only the new one is in the pool.
    old = records(lee, "question")[0]
    new = redecide(old, assessor, True, "On reflection, fine")
    assert old.id not in ids(pool(SampleRequest(assessor.id)))
    assert new.id in ids(pool(SampleRequest(assessor.id)))


def test_the_assessors_learners_and_their_criteria_are_offered(app, assessor, work):
    assert [u.name for u in learners_of(assessor.id)] == ["Lee Learner", "Mo Learner"]
    choices = pc_choices(learners_of(assessor.id))
    assert "A:1.1" in choices and "B:16" in choices and "C:P1" not in choices
    assert choices["A:1.2"].startswith("A 1.2 ask customers")


def test_assessors_are_listed_with_their_decision_counts(app, assessor, work, iqa):
    found = {a.assessor.name: a for a in assessors_with_counts(exclude=iqa)}
    ari = found["Ari Assessor"]
    assert (ari.accepted, ari.rejected, ari.learners, ari.decisions) == (2, 1, 2, 3)
    other = found["Other Assessor"]
    assert (other.accepted, other.rejected, other.learners) == (1, 0, 1)
    assert "Ira Quality" not in found


def test_the_draw_is_random_but_the_same_for_the_same_seed():
    population = list(range(1, 201))
    first = pick(population, 7, 10)
    assert first == pick(list(reversed(population)), 7, 10)
    assert len(first) == 10 and first == sorted(first) and set(first) <= set(population)
    assert any(pick(population, seed, 10) != first for seed in range(8, 12))
    assert pick([3, 1, 2], 5, 10) == [1, 2, 3]


def test_a_sample_draws_with_its_own_id_as_the_seed(app, assessor, work, iqa):
    sample = draw_sample(iqa, SampleRequest(assessor.id, size=2))
    matching = ids(pool(SampleRequest(assessor.id)))
    assert [i.evidence_id for i in sample.items] == pick(matching, sample.id, 2)
    assert sample.criteria["pool"] == 3 and sample.criteria["size"] == 2
    assert sample.iqa_id == iqa.id and sample.assessor_id == assessor.id


def test_a_sample_is_a_snapshot_that_a_later_re_decision_does_not_change(app, assessor, work, iqa):
    lee = work["lee"]
    question = records(lee, "question")[0]
    sample = draw_sample(iqa, SampleRequest(assessor.id, learner_ids=(lee.id,), pcs=("A:1.2",)))
    [item] = sample.items
    before = dict(item.snapshot)
    assert before["evidence_id"] == question.id
    assert before["status"] == "rejected" and before["initials"] == "AA"
    assert before["pcs"] == ["1.2"] and before["method"] == "WP"
    assert before["feedback"] == "Ask Customer A an open question"
    assert before["summary"].startswith("Ask to check understanding on T-")
    assert "Customer A, is it the 1.7 litre one?" in before["summary"]
    assert before["decided_at"] and before["learner"] == "Lee Learner"
    # The assessor changes their mind: a new record, the sample keeps what it sampled.
    newer = redecide(question, assessor, True, "Fine after all")
    db.session.expire_all()
    kept = db.session.get(IqaSampleItem, item.id)
    assert kept is not None and kept.snapshot == before
    [view] = item_views([kept])
    assert view.later is not None and view.later.id == newer.id
    assert view.snap["status"] == "rejected"


def test_a_snapshot_holds_no_customers_personal_data(app, assessor, work, iqa):
    sample = draw_sample(iqa, SampleRequest(assessor.id))
    text = repr([i.snapshot for i in sample.items]).lower()
    for value in PERSONAL:
        assert value.lower() not in text, value


def test_a_sample_bigger_than_the_pool_takes_it_all(app, assessor, work, iqa):
    sample = draw_sample(iqa, SampleRequest(assessor.id, size=50))
    assert len(sample.items) == 3


def test_no_matching_decision_is_a_clear_refusal_and_nothing_is_kept(app, assessor, work, iqa):
    with pytest.raises(SampleError) as refused:
        draw_sample(iqa, SampleRequest(assessor.id, methods=("O",)))
    assert refused.value.status == 422 and "match" in refused.value.message
    db.session.rollback()
    assert count(IqaSample) == 0


@pytest.mark.parametrize("size", [0, 101])
def test_the_size_must_be_sensible(app, assessor, work, iqa, size):
    with pytest.raises(SampleError) as refused:
        draw_sample(iqa, SampleRequest(assessor.id, size=size))
    assert refused.value.field == "size"


def test_an_iqa_never_samples_their_own_decisions(app, work, iqa):
    with pytest.raises(SampleError) as refused:
        draw_sample(iqa, SampleRequest(iqa.id))
    assert refused.value.status == 403


def test_the_same_sample_asked_twice_at_once_is_drawn_once(app, assessor, work, iqa):
    first = draw_sample(iqa, SampleRequest(assessor.id, size=2))
    again = draw_sample(iqa, SampleRequest(assessor.id, size=2))
    assert again.id == first.id and count(IqaSample) == 1
    other = draw_sample(iqa, SampleRequest(assessor.id, size=3))
    assert other.id != first.id


def test_verdicts_agree_or_disagree_with_a_comment(app, assessor, work, iqa):
    sample = draw_sample(iqa, SampleRequest(assessor.id))
    first, second, *_ = sample.items
    record_verdict(first, iqa, "agree", "")
    assert first.verdict == "agree" and first.decided_at is not None
    with pytest.raises(SampleError) as refused:
        record_verdict(second, iqa, "disagree", "   ")
    assert refused.value.field == "comment"
    with pytest.raises(SampleError) as refused:
        record_verdict(second, iqa, "maybe", "")
    assert refused.value.field == "verdict"
    with pytest.raises(SampleError) as refused:
        record_verdict(second, iqa, "disagree", "x" * 2001)
    assert refused.value.field == "comment"
    record_verdict(second, iqa, "disagree", "The feedback does not say what to improve")
    assert second.comment == "The feedback does not say what to improve"


def test_only_the_iqa_who_drew_a_sample_records_its_verdicts(app, assessor, work, iqa):
    sample = draw_sample(iqa, SampleRequest(assessor.id))
    someone = factories.make_user("iqa", email="iq2@example.com", name="Second Quality")
    with pytest.raises(SampleError) as refused:
        record_verdict(sample.items[0], someone, "agree", "")
    assert refused.value.status == 403
    db.session.rollback()
    stored = db.session.scalar(select(IqaSampleItem).where(IqaSampleItem.id == sample.items[0].id))
    assert stored is not None and stored.verdict is None


def test_a_snapshot_marks_practice_evidence_as_well_as_simulated(app, assessor, iqa):
    casey, _ = customers()
    lee = make_learner("A", assessors=(assessor,), email="lee@example.com")
    live = acknowledged_ticket(lee, casey)
    practice = acknowledged_ticket(lee, casey)
    practice.training_kind = TrainingKind.ROLE_PLAY
    db.session.commit()
    for record in records(lee, "acknowledged"):
        decide(record, assessor, True)
    sample = draw_sample(iqa, SampleRequest(assessor.id))
    by_ref = {i.snapshot["reference"]: i.snapshot for i in sample.items}
    assert by_ref[practice.reference]["practice"], "a role-play ticket is practice"
    assert not by_ref[practice.reference]["simulated"]
    assert by_ref[live.reference]["practice"] == []
