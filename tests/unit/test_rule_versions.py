"""Framework rules cannot move under a learner (issue 12): every change is a new,
audited version; a learner is judged by the version they were enrolled under until an
assessor moves them on (audited); a sign-off keeps the version it was given under, and
never shows "Signed off" beside unmet rules of its own version."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from helpdesk.admin.services import AdminError, save_framework_rule, set_learner_profile
from helpdesk.evidence.assessment import (
    AssessmentError,
    declare_own_work,
    sign_off,
    signoff_check,
)
from helpdesk.evidence.export import render_csv
from helpdesk.evidence.export_model import build_export
from helpdesk.evidence.portfolio import build
from helpdesk.evidence.progress import progress_of
from helpdesk.evidence.rule_versions import move_on, version_of
from helpdesk.extensions import db
from helpdesk.models import AuditEntry, FrameworkRule, FrameworkRuleVersion
from helpdesk.models.guards import AppendOnlyError
from helpdesk.tickets.training import flag_training
from helpdesk.unit_of_work import unit_of_work
from tests import factories
from tests.assessing import T0, everything
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket, decide_all, profile_of, records

LOWER = {"must_observe": [], "tickets_per_pc": 1, "min_days": 0}
RAISE = {"must_observe": ["3", "4", "5", "6", "7"], "tickets_per_pc": 5, "min_days": 30}


@unit_of_work()  # an admin's earlier request, committed
def change(code: str, admin, reason: str = "The awarding body's guidance changed.", **rule):
    return save_framework_rule(code, **(LOWER | rule), reason=reason, actor=admin)


def audits(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def cover(export) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(render_csv(export)))
    return {r["Summary of evidence"]: r["Details"] for r in rows if r["Section"] == "Cover"}


@pytest.fixture
def signed_off(app, assessor, customer):
    """A B learner signed off under version 1 (the file's rule) on every rule met."""
    learner = make_learner("B", assessors=(assessor,))
    everything(assessor, learner, customer)
    declare_own_work(learner)
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        sign_off(learner, assessor, assessor_declared=True)
    return learner


def test_lowering_then_raising_a_rule_after_sign_off_changes_nothing_it_says(
    signed_off, admin, assessor
):
    profile = profile_of(signed_off)
    record = progress_of(profile).sign_off
    assert record is not None and record.rule_version == 1
    assert build(profile).pcs_met == 16

    change("B", admin)  # lowered: one ticket, no observation
    change("B", admin, reason="Back to the standard.", **RAISE)  # raised above the file
    assert db.session.get(FrameworkRule, "B").version == 3
    assert [v.number for v in db.session.scalars(select(FrameworkRuleVersion))] == [1, 2, 3]

    portfolio = build(profile)
    assert portfolio.rule.version == 1
    assert (portfolio.rule.tickets_per_pc, portfolio.rule.min_days) == (3, 14)
    assert portfolio.rule.must_observe == frozenset({"3", "4", "5", "6", "7"})
    assert portfolio.pcs_met == 16 and portfolio.missing == ()
    assert signoff_check(signed_off) == []
    progress = progress_of(profile)
    assert progress.signed_off and progress.pcs_sufficient == 16

    export = build_export(profile)
    assert export.cover.sign_off.signed and export.cover.pcs_met == 16
    said = cover(export)
    assert said["Sign-off"].startswith("Signed off on ")
    assert said["Performance criteria met"] == "16 of 16"
    assert said["Rules"].startswith("Version 1: Each performance criterion needs accepted")
    assert "3 different live tickets" in said["Rules"]

    # Its version cannot move now, not even by its own assessor.
    with pytest.raises(AssessmentError) as caught:
        move_on(signed_off, assessor, "New rules are out.")
    assert caught.value.status == 409
    db.session.rollback()
    assert version_of(profile_of(signed_off)) == 1


def test_a_sign_off_whose_own_rules_are_no_longer_met_is_not_shown_signed_off(
    signed_off, supervisor
):
    # Found out afterwards: one of the three tickets was a role play.
    ticket = records(signed_off, "observation")[0].ticket
    flag_training(ticket, supervisor, "role_play")
    profile = profile_of(signed_off)
    portfolio = build(profile)
    assert portfolio.missing and portfolio.rule.version == 1
    assert not progress_of(profile).signed_off
    export = build_export(profile)
    assert not export.cover.sign_off.signed
    said = cover(export)["Sign-off"]
    assert "under rule version 1, but" in said and "no longer met" in said


def test_rule_changes_are_versions_in_the_audit_log_with_old_new_and_why(app, admin):
    change("A", admin, reason="Pilot: one ticket is enough.")
    first, second = db.session.scalars(
        select(FrameworkRuleVersion).order_by(FrameworkRuleVersion.number)
    )
    assert (first.number, first.tickets_per_pc, first.min_days, first.changed_by_id) == (
        1,
        3,
        14,
        None,
    )
    assert (second.number, second.tickets_per_pc, second.min_days) == (2, 1, 0)
    assert (second.reason, second.changed_by_id) == ("Pilot: one ticket is enough.", admin.id)
    (entry,) = audits("framework_rule_changed")
    assert entry.actor_id == admin.id and entry.at is not None
    assert entry.details["framework"] == "A"
    assert (entry.details["version_from"], entry.details["version_to"]) == (1, 2)
    old, new = entry.details["old"], entry.details["new"]
    assert (old["tickets_per_pc"], old["min_days"]) == (3, 14)
    assert (new["tickets_per_pc"], new["min_days"]) == (1, 0)
    assert entry.details["reason"] == "Pilot: one ticket is enough."

    # Saving the same rule again is no new version; a change of methods is one.
    change("A", admin, reason="Same again.")
    assert len(audits("framework_rule_changed")) == 1
    change("A", admin, reason="Testimony alone is not enough here.", methods=["O", "WP"])
    assert db.session.get(FrameworkRule, "A").version == 3
    assert audits("framework_rule_changed")[-1].details["new"]["methods"] == ["O", "WP"]


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"reason": "   "}, "reason"),
        ({"methods": []}, "methods"),
        ({"methods": ["WP"], "must_observe": ["1.1"]}, "methods"),
        ({"methods": ["XX"]}, "methods"),
    ],
)
def test_a_rule_change_needs_a_reason_and_methods_that_fit(app, admin, rule, field):
    reason = rule.pop("reason", "Because.")
    with pytest.raises(AdminError) as caught:
        change("A", admin, reason=reason, **rule)
    assert caught.value.field == field
    db.session.rollback()
    assert db.session.scalars(select(FrameworkRuleVersion)).all() == []
    assert audits("framework_rule_changed") == []


def test_a_learner_keeps_their_enrolment_version_until_their_assessor_moves_them_on(
    app, admin, assessor, customer
):
    learner = make_learner("A", assessors=(assessor,))
    acknowledged_ticket(learner, customer)
    decide_all(learner, "accepted", "acknowledged")
    assert not build(profile_of(learner)).pc("1.1").sufficiency.met

    change("A", admin)  # one ticket is now enough, for learners enrolled from now on
    assert version_of(profile_of(learner)) == 1
    assert not build(profile_of(learner)).pc("1.1").sufficiency.met
    newcomer = make_learner("A", name="Nia Newcomer")
    assert version_of(profile_of(newcomer)) == 2

    other = factories.make_user("assessor", email="oz@example.com", name="Oz Other")
    for who, status in ((other, 403), (learner, 403)):
        with pytest.raises(AssessmentError) as caught:
            move_on(learner, who, "Faster.")
        assert caught.value.status == status
        db.session.rollback()
    with pytest.raises(AssessmentError) as caught:
        move_on(learner, assessor, " ")
    assert (caught.value.status, caught.value.field) == (422, "reason")
    db.session.rollback()
    assert audits("learner_rules_moved") == []

    move_on(learner, assessor, "Agreed with the centre at review.")
    db.session.commit()  # that request ends; the next one is refused on its own
    profile = profile_of(learner)
    assert profile.rule_version == 2
    assert build(profile).rule.version == 2 and build(profile).pc("1.1").sufficiency.met
    (entry,) = audits("learner_rules_moved")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        assessor.id,
        "User",
        learner.id,
    )
    assert entry.details == {
        "framework": "A",
        "version_from": 1,
        "version_to": 2,
        "reason": "Agreed with the centre at review.",
    }
    with pytest.raises(AssessmentError) as caught:
        move_on(learner, assessor, "Again.")
    assert caught.value.status == 409
    db.session.rollback()

    # Restoring the rule moves nobody: the learner stays on version 2.
    change("A", admin, reason="Pilot over.", tickets_per_pc=3, min_days=14)
    assert build(profile_of(learner)).rule.version == 2
    assert build(profile_of(learner)).pc("1.1").sufficiency.met


def test_enrolling_through_the_admin_pins_the_version_in_force(app, admin):
    change("C", admin)
    person = factories.make_user("agent", "learner", name="Ola Enrolled")
    profile = set_learner_profile(person, framework="C", assessor_ids=[])
    assert profile.rule_version == 2
    # Switching framework enrols them on the other one's version in force.
    assert set_learner_profile(person, framework="A", assessor_ids=[]).rule_version == 1


def test_evidence_by_a_method_the_version_does_not_take_counts_for_no_pc(app, admin, customer):
    change("A", admin, reason="Observed work only.", methods=["O"])
    learner = make_learner("A")  # enrolled under version 2
    acknowledged_ticket(learner, customer)
    decide_all(learner, "accepted", "acknowledged")
    portfolio = build(profile_of(learner))
    assert portfolio.rule.methods == frozenset({"O"})
    assert portfolio.rule.methods_words == "Observation"
    assert (portfolio.pc("1.1").accepted, portfolio.pc("1.1").simulated) == (0, 0)
    assert portfolio.totals["accepted"] == 1  # still in the log, just not counted


def test_a_rule_version_is_never_edited(app, admin):
    change("A", admin)
    version = db.session.scalars(
        select(FrameworkRuleVersion).where(FrameworkRuleVersion.number == 2)
    ).one()
    version.tickets_per_pc = 3
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(FrameworkRuleVersion, version.id).tickets_per_pc == 1
