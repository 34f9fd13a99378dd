"""The portfolio's counting rules: sufficiency over tickets and days, what never counts
(pending for "met", simulated, untagged, superseded), and scope from ticket facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from helpdesk.domain import Priority
from helpdesk.evidence.portfolio import build
from helpdesk.extensions import db
from helpdesk.models import EvidenceCode, EvidenceRecord, FrameworkRule
from helpdesk.models.types import utcnow
from helpdesk.tickets import options as opts
from helpdesk.tickets import proactive, resolution, services
from tests.factories import make_learner
from tests.portfolio import (
    acknowledged_ticket,
    decide,
    decide_all,
    profile_of,
    records,
)
from tests.resolving import option_data

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def days(*offsets: int) -> list[datetime]:
    return [T0 + timedelta(days=d) for d in offsets]


def listen(portfolio):
    return portfolio.pc("1.1")


def acknowledged_on(learner, customer, *when, accept=True):
    tickets = [acknowledged_ticket(learner, customer, at=at) for at in when]
    if accept:
        decide_all(learner, "accepted", "acknowledged")
    return tickets


# --- sufficiency ---------------------------------------------------------------------------


def test_two_of_three_tickets_is_not_sufficient_however_long_the_span(learner, customer):
    acknowledged_on(learner, customer, *days(0, 20))
    row = listen(build(profile_of(learner)))
    assert (row.accepted, row.pending) == (2, 0)
    assert not row.sufficiency.met
    assert row.sufficiency.words == "2 tickets (3 needed), over 20 days (14 needed)"


def test_three_tickets_within_fourteen_days_are_not_sufficient(learner, customer):
    acknowledged_on(learner, customer, *days(0, 5, 13))
    row = listen(build(profile_of(learner)))
    assert row.accepted == 3
    assert not row.sufficiency.met
    assert row.sufficiency.words == "3 tickets (3 needed), over 13 days (14 needed)"


def test_three_tickets_spanning_fourteen_days_are_sufficient(learner, customer):
    acknowledged_on(learner, customer, *days(0, 7, 14))
    portfolio = build(profile_of(learner))
    row = listen(portfolio)
    assert row.sufficiency.met
    assert row.heat == 3
    assert portfolio.pcs_met == 1
    assert "1.1" not in [m.code for m in portfolio.missing if m.section == "Performance criteria"]


def test_several_pieces_on_one_ticket_count_as_one_ticket(learner, customer):
    ticket = acknowledged_ticket(learner, customer, at=T0)
    for at in days(7, 15):
        with time_machine.travel(at, tick=False):
            services.reply(ticket, learner, "Still on it", update_kind="volunteered")
    decide_all(learner)
    row = build(profile_of(learner)).pc("3.4")
    assert row.accepted == 2
    assert (row.sufficiency.accepted.tickets, row.sufficiency.accepted.days) == (1, 8)
    assert not row.sufficiency.met


def test_pending_evidence_never_meets_it_but_says_it_would(learner, customer):
    acknowledged_on(learner, customer, *days(0, 7, 14), accept=False)
    first, *_rest = records(learner, "acknowledged")
    decide(first, "accepted")
    row = listen(build(profile_of(learner)))
    assert (row.accepted, row.pending) == (1, 2)
    assert not row.sufficiency.met
    assert row.sufficiency.pending_would_meet
    assert "once the pending evidence is accepted" in row.sufficiency.hint
    assert "3 tickets (3 needed), over 14 days" in row.sufficiency.hint


def test_rejected_evidence_is_counted_apart_and_never_towards_sufficiency(learner, customer):
    acknowledged_on(learner, customer, *days(0, 7, 14), accept=False)
    for record in records(learner, "acknowledged"):
        decide(record, "rejected")
    row = listen(build(profile_of(learner)))
    assert (row.accepted, row.pending, row.rejected) == (0, 0, 3)
    assert not row.sufficiency.met and not row.sufficiency.pending_would_meet


def test_simulated_evidence_is_shown_apart_and_never_counts(learner, customer):
    live = [acknowledged_ticket(learner, customer, at=at) for at in days(0, 7)]
    acknowledged_ticket(learner, customer, at=T0 + timedelta(days=20), is_simulated=True)
    decide_all(learner)
    simulated = [r for r in records(learner) if r.is_simulated]
    assert len(simulated) == 1 and simulated[0].status == "accepted"
    portfolio = build(profile_of(learner))
    row = listen(portfolio)
    assert (row.accepted, row.simulated) == (2, 1)
    assert row.sufficiency.accepted.tickets == len(live)
    assert not row.sufficiency.met
    assert portfolio.totals == {"pending": 0, "accepted": 2, "rejected": 0, "simulated": 1}


def test_an_untagged_code_does_not_count(learner, customer):
    acknowledged_on(learner, customer, *days(0, 7, 14))
    code = db.session.query(EvidenceCode).filter_by(code="1.1").first()
    code.untagged_at = utcnow()
    code.untag_reason = "Not a restatement"
    db.session.commit()
    row = listen(build(profile_of(learner)))
    assert row.accepted == 2
    assert not row.sufficiency.met


def test_a_decision_replaced_by_a_newer_one_counts_once(learner, customer):
    acknowledged_on(learner, customer, *days(0, 7), accept=False)
    old = records(learner, "acknowledged")[0]
    decide(old, "rejected")
    newer = EvidenceRecord(
        learner_id=learner.id,
        framework="A",
        action=old.action,
        method=old.method,
        ticket_id=old.ticket_id,
        ticket_event_id=old.ticket_event_id,
        summary=old.summary,
        status="accepted",
        supersedes_id=old.id,
        occurred_at=old.occurred_at,
        codes=[EvidenceCode(code="1.1", kind="pc")],
    )
    db.session.add(newer)
    db.session.commit()
    row = listen(build(profile_of(learner)))
    assert (row.accepted, row.pending, row.rejected) == (1, 1, 0)


def test_the_admins_rule_overrides_the_framework_file(learner, customer):
    acknowledged_on(learner, customer, *days(0, 7))
    assert not listen(build(profile_of(learner))).sufficiency.met
    db.session.add(FrameworkRule(code="A", must_observe=["1.1"], tickets_per_pc=2, min_days=7))
    db.session.commit()
    portfolio = build(profile_of(learner))
    row = listen(portfolio)
    assert row.sufficiency.met
    assert row.must_observe and not row.observed
    assert ("Observation", "1.1") in [(m.section, m.code) for m in portfolio.missing]


def test_b_must_observe_comes_from_its_file(app, customer):
    learner = make_learner("B")
    portfolio = build(profile_of(learner))
    assert {r.criterion.code for r in portfolio.pcs if r.must_observe} == {"3", "4", "5", "6", "7"}


# --- scope from ticket facts ------------------------------------------------------------


def covered(items):
    return {i.criterion.code: [t.reference for t in i.tickets] for i in items if i.met}


def test_origin_and_cause_give_the_problem_types(app, learner, customer, category):
    ticket = acknowledged_ticket(learner, customer)
    services.classify(
        ticket,
        learner,
        priority=Priority.NORMAL,
        category_id=category.id,
        channel="web",
        origin="customer",
        cause="expectations",
    )
    report, _ = proactive.report(
        learner, what="Label printer jams", where="Warehouse", risk="Late parcels", category_id=None
    )
    report.cause = "system"
    db.session.commit()
    assert covered(build(profile_of(learner)).problem_types) == {}, "pending covers nothing"
    decide_all(learner)
    portfolio = build(profile_of(learner))
    assert covered(portfolio.problem_types) == {
        "PT1": [ticket.reference],
        "PT2": [report.reference],
        "PT3": [ticket.reference],
        "PT4": [report.reference],
    }
    assert [m.code for m in portfolio.missing if m.section == "Problem types"] == ["PT5"]


def test_rejected_or_simulated_evidence_covers_nothing(app, learner, customer):
    acknowledged_ticket(learner, customer, is_simulated=True)
    acknowledged_ticket(learner, customer)
    decide_all(learner, "rejected")
    portfolio = build(profile_of(learner))
    assert covered(portfolio.problem_types) == {}


def test_update_kinds_give_information_asked_for_and_volunteered(app, learner, customer):
    ticket = acknowledged_ticket(learner, customer)
    services.reply(ticket, learner, "It ships today", update_kind="volunteered")
    decide_all(learner)
    portfolio = build(profile_of(learner))
    assert covered(portfolio.information) == {"IP2": [ticket.reference]}
    services.reply(ticket, learner, "Yes, it is insured", update_kind="answer")
    assert set(covered(build(profile_of(learner)).information)) == {"IP2"}, "not yet assessed"
    decide_all(learner)
    assert set(covered(build(profile_of(learner)).information)) == {"IP1", "IP2"}


def test_scope_counts_accepted_evidence_only_not_pending(app, customer):
    learner = make_learner("B")
    ticket = acknowledged_ticket(learner, customer)
    implemented(ticket, learner, customer)
    resolution.resolve(ticket, learner, "A new kettle arrived")
    pending = build(profile_of(learner))
    assert covered(pending.scope) == {} and covered(pending.information) == {}
    decide_all(learner, action="acknowledged")
    assert set(covered(build(profile_of(learner)).scope)) == {"a"}, "the ticket's own facts"
    decide_all(learner, action="option_implemented")
    assert set(covered(build(profile_of(learner)).scope)) == {"a", "b", "c"}


def implemented(ticket, learner, customer, supervisor=None, **changes):
    option = opts.add_option(ticket, learner, option_data(**changes))
    if supervisor is not None:
        approval = opts.request_approval(option, learner)
        opts.decide_approval(approval, supervisor, approve=True, reason="Loyal customer")
    opts.offer(ticket, learner, [option])
    opts.customer_agree(option, customer)
    opts.implement(option, learner, "Sent it by courier")
    return option


def test_an_option_within_policy_gives_procedures_followed_and_bs_scope(app, customer, supervisor):
    learner = make_learner("B")
    ticket = acknowledged_ticket(learner, customer)
    implemented(ticket, learner, customer)
    resolution.resolve(ticket, learner, "A new kettle arrived")
    decide_all(learner)
    portfolio = build(profile_of(learner))
    assert covered(portfolio.information) == {"IP3": [ticket.reference]}
    assert covered(portfolio.scope) == {
        "a": [ticket.reference],
        "b": [ticket.reference],
        "c": [ticket.reference],
    }
    culture = [s for s in portfolio.scope if s.criterion.code == "d"][0]
    assert culture.judgement and not culture.met
    assert "Assessor judgement" in culture.words


def test_an_approved_exception_gives_exception_agreed_with_others(app, customer, supervisor):
    learner = make_learner("B")
    ticket = acknowledged_ticket(learner, customer)
    implemented(ticket, learner, customer, supervisor, within_policy=False, cost_minor=9_000)
    decide_all(learner)
    portfolio = build(profile_of(learner))
    assert covered(portfolio.information) == {"IP4": [ticket.reference]}
    # Over the learner's £50 limit, but approved: within the cost parameters.
    assert set(covered(portfolio.scope)) == {"b"}


def test_a_resolution_after_the_target_does_not_cover_time(app, customer):
    learner = make_learner("B")
    ticket = acknowledged_ticket(learner, customer, at=T0)
    with time_machine.travel(T0 + timedelta(days=4), tick=False):
        resolution.resolve(ticket, learner, "Fixed at last")
    decide_all(learner)
    assert "a" not in covered(build(profile_of(learner)).scope)


# --- knowledge ------------------------------------------------------------------------------


def test_inferred_knowledge_only_supports(app, learner, customer, supervisor):
    ticket = acknowledged_ticket(learner, customer)
    option = opts.add_option(ticket, learner, option_data(cost_minor=9_000))
    opts.request_approval(option, learner)
    decide_all(learner)
    item = [k for k in build(profile_of(learner)).knowledge if k.criterion.code == "4.4"][0]
    assert item.supporting == 1
    assert not item.met
    assert item.words.startswith("Needs questioning")


def test_accepted_questioning_meets_a_knowledge_item(app, learner):
    record = EvidenceRecord(
        learner_id=learner.id,
        framework="A",
        action="knowledge_questioning",
        method="Q",
        summary="Explained how to defuse a stressful call",
        status="accepted",
        codes=[EvidenceCode(code="4.2", kind="knowledge")],
    )
    db.session.add(record)
    db.session.commit()
    portfolio = build(profile_of(learner))
    item = [k for k in portfolio.knowledge if k.criterion.code == "4.2"][0]
    assert item.met and item.met_by == (record.id,)
    assert "4.2" not in [m.code for m in portfolio.missing if m.section == "Knowledge"]


def test_a_new_learner_is_missing_everything(app, learner):
    portfolio = build(profile_of(learner))
    sections = dict(portfolio.missing_by_section)
    assert len(sections["Performance criteria"]) == 16
    assert len(sections["Problem types"]) == 5
    assert len(sections["Information and procedures"]) == 4
    assert len(sections["Knowledge"]) == 5


def test_culture_is_met_only_by_an_accepted_observation_tagged_d(app, customer):
    learner = make_learner("B")
    ticket = acknowledged_ticket(learner, customer)
    observation = EvidenceRecord(
        learner_id=learner.id,
        framework="B",
        action="observation",
        method="O",
        ticket_id=ticket.id,
        summary="Observed a calm call in line with our values",
        codes=[EvidenceCode(code="1", kind="pc"), EvidenceCode(code="d", kind="scope")],
    )
    db.session.add(observation)
    db.session.commit()
    assert "d" not in covered(build(profile_of(learner)).scope)
    decide(observation, "accepted")
    portfolio = build(profile_of(learner))
    assert covered(portfolio.scope)["d"] == [ticket.reference]
    assert portfolio.pc("1").observed
