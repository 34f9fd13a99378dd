"""The seeds' rules on observation, transcribed into the frameworks and enforced: B's "two
from (a)–(d) by direct observation", B's other PCs observed where possible (advice, not a
block: "may be assessed by alternative methods if observation is not possible"), and A's
"assessment … must include observation of your performance"."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from helpdesk.domain import CodeKind, EvidenceStatus
from helpdesk.evidence.assessment import (
    SignOffRefused,
    declare_own_work,
    record_knowledge,
    sign_off,
    signoff_check,
)
from helpdesk.evidence.portfolio import build
from helpdesk.extensions import db
from helpdesk.frameworks import catalogue
from helpdesk.models import EvidenceCode, EvidenceRecord, User
from tests.assessing import T0, observe
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket, profile_of


def observation_rules(learner: User) -> list[str]:
    rules = "Assessment by observation "
    return [line for line in signoff_check(learner) if line.startswith(rules)]


def test_the_rules_are_transcribed_from_the_seeds() -> None:
    a, b = catalogue().frameworks["A"], catalogue().frameworks["B"]
    assert a.must_include_observation and not b.must_include_observation
    assert b.observed_scope == ("a", "b", "c", "d") and b.observed_scope_min == 2
    assert b.prefer_observed == {"1", "2", *(str(n) for n in range(8, 17))}
    assert not b.prefer_observed & b.must_observe


def test_b_needs_two_of_scope_a_to_d_by_direct_observation(app, assessor, customer) -> None:
    learner = make_learner("B", assessors=(assessor,))
    ticket = acknowledged_ticket(learner, customer)
    [line] = observation_rules(learner)
    assert "2 scope items from (a), (b), (c), (d) by direct observation" in line
    assert "so far: none" in line
    observe(assessor, learner, [ticket], ["3"], cover=("d",))
    [line] = observation_rules(learner)
    assert "so far: (d)" in line, "one observed is not two"
    observe(assessor, learner, [ticket], ["4"], cover=("a",))
    assert observation_rules(learner) == []


def test_b_advises_observing_the_other_pcs_without_blocking(app, assessor, customer) -> None:
    learner = make_learner("B", assessors=(assessor,))
    ticket = acknowledged_ticket(learner, customer)
    portfolio = build(profile_of(learner))
    advised = [g.code for g in portfolio.guidance]
    assert advised == ["1", "2", *(str(n) for n in range(8, 17))]
    assert all(not line.startswith("Preferably observed") for line in signoff_check(learner))
    observe(assessor, learner, [ticket], ["1", "8"])
    advised = [g.code for g in build(profile_of(learner)).guidance]
    assert "1" not in advised and "8" not in advised and "2" in advised


def everything_but_observation(learner: User, assessor: User, customer: User) -> None:
    """Every PC and item to cover met by accepted work products over 14 days."""
    fw = catalogue().frameworks["A"]
    items = [*fw.problem_types, *fw.information_procedures]
    for offset in (0, 7, 14):
        at = T0 + timedelta(days=offset)
        ticket = acknowledged_ticket(learner, customer, at=at)
        db.session.add(
            EvidenceRecord(
                learner_id=learner.id,
                framework="A",
                action="work_product",
                method="WP",
                ticket_id=ticket.id,
                summary="The learner's case notes, checked by the assessor",
                status=EvidenceStatus.ACCEPTED,
                assessor_initials="AA",
                decided_at=at,
                occurred_at=at,
                codes=[EvidenceCode(code=p.code, kind=CodeKind.PC) for p in fw.pcs]
                + [EvidenceCode(code=c.code, kind=CodeKind.SCOPE) for c in items],
            )
        )
    db.session.commit()
    record_knowledge(
        assessor,
        learner,
        "Q",
        [k.code for k in fw.knowledge],
        "How do you defuse a stressful call?",
        "Listen, restate, stay calm.",
        "met",
    )


def test_a_refuses_sign_off_without_an_observation(app, assessor, customer) -> None:
    learner = make_learner("A", assessors=(assessor,))
    everything_but_observation(learner, assessor, customer)
    declare_own_work(learner)
    db.session.commit()  # services only flush: the refusal's rollback must not undo the setup
    assert signoff_check(learner) == [
        "Assessment by observation O Assessment must include observation of your performance: "
        "No accepted observation of your work yet."
    ]
    with pytest.raises(SignOffRefused):
        sign_off(learner, assessor, assessor_declared=True)
    db.session.rollback()
    observe(assessor, learner, [acknowledged_ticket(learner, customer)], ["1.1"])
    assert signoff_check(learner) == []
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        assert sign_off(learner, assessor, assessor_declared=True).signed_off_at is not None


def test_the_sign_off_page_warns_about_pcs_best_observed(app, assessor, login_as) -> None:
    learner = make_learner("B", assessors=(assessor,))
    body = login_as(assessor).get(f"/assess/{learner.id}/sign-off").get_data(as_text=True)
    assert 'id="observation-guidance"' in body and "does not stop the sign-off" in body
    assert "16 Give clear reasons" in body
