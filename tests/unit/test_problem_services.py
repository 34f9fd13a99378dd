"""Problem records: solutions weighed for both sides, a decision maker's approval,
going live, monitoring whether repeats stopped, and closing (with time travel)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from helpdesk.extensions import db
from helpdesk.models import CandidateSolution, ProblemApproval, ProblemEvent
from helpdesk.problems import monitoring, services, solutions
from helpdesk.problems.services import ProblemError
from helpdesk.settings import set_int
from helpdesk.tickets.workflow import StaleTicketError
from helpdesk.unit_of_work import unit_of_work
from tests import factories
from tests.helpers import count
from tests.problems import (
    SIDES,
    add_solution,
    approved,
    chosen,
    live,
    open_problem,
    requested,
    solution_data,
    with_two_solutions,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)


@pytest.fixture
def problem(agent):
    return open_problem(agent)


def ticket_at(when: datetime, customer, category=None):
    with time_machine.travel(when, tick=False):
        return factories.make_ticket(customer=customer, category=category)


# --- candidate solutions ----------------------------------------------------------------


@pytest.mark.parametrize("side", list(SIDES))
def test_a_solution_needs_pros_and_cons_for_customers_and_for_the_organisation(
    problem, agent, side
):
    with pytest.raises(ProblemError) as refused:
        add_solution(problem, agent, **{side: "  "})
    assert refused.value.field == side
    db.session.rollback()
    assert count(CandidateSolution) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": ""}, "description"),
        ({"cost_minor": -1}, "cost"),
        ({"cost_minor": 100_000_001}, "cost"),
        ({"pros_org": "x" * 2001}, "pros_org"),
    ],
    ids=["no-description", "negative", "over-max", "too-long"],
)
def test_a_solution_with_bad_values_is_refused_with_the_field(problem, agent, changes, field):
    with pytest.raises(ProblemError) as refused:
        solutions.add_solution(problem, agent, solution_data(**changes))
    assert refused.value.field == field


def test_a_solution_keeps_both_sides_and_its_cost(problem, agent):
    solution = add_solution(problem, agent, cost_minor=12_345)
    assert solution.cost_minor == 12_345
    assert (solution.pros_customer, solution.cons_org) == (
        SIDES["pros_customer"],
        SIDES["cons_org"],
    )
    assert problem.events[-1].kind == "solution_added"


def test_choosing_needs_at_least_two_candidates(problem, agent):
    only = add_solution(problem, agent)
    with pytest.raises(ProblemError, match="at least two"):
        solutions.choose_solution(problem, agent, only)
    db.session.rollback()
    assert problem.status == "open"
    add_solution(problem, agent, description="Change courier")
    solutions.choose_solution(problem, agent, only)
    assert problem.status == "solution_chosen"
    assert problem.chosen_solution == only


def test_choosing_another_solution_voids_the_pending_approval(problem, agent):
    approval = requested(problem, agent)
    other = problem.solutions[1]
    solutions.choose_solution(problem, agent, other)
    assert approval.state == "void"
    assert problem.chosen_solution == other
    assert [s.chosen for s in problem.solutions] == [False, True]


def test_a_solution_of_another_problem_cannot_be_chosen(problem, agent):
    with_two_solutions(problem, agent)
    other = open_problem(agent, title="Late refunds")
    with_two_solutions(other, agent)
    with pytest.raises(ProblemError, match="another problem record"):
        solutions.choose_solution(problem, agent, other.solutions[0])


# --- approval: limits of authority --------------------------------------------------------


@pytest.mark.parametrize(
    ("requester_limit", "approver_limit", "cost", "may_decide"),
    [
        (0, 20_000, 20_000, True),  # exactly covers
        (0, 19_999, 20_000, False),  # a penny short
        (1_000_000, 50_000, 20_000, True),  # the requester's own limit does not matter
        (1_000_000, 0, 20_000, False),
        (0, 0, 0, True),  # a free solution: any other member of staff
        (0, 100_000_000, 100_000_000, True),
    ],
)
def test_a_decision_maker_is_someone_else_whose_limit_covers_the_cost(
    app, requester_limit, approver_limit, cost, may_decide
):
    requester = factories.make_user("agent", limit=requester_limit)
    approver = factories.make_user("supervisor", limit=approver_limit)
    problem = open_problem(requester)
    approval = requested(problem, requester, cost_minor=cost)
    assert solutions.can_decide(approver, approval) is may_decide
    assert solutions.can_decide(requester, approval) is False
    assert (approval in solutions.approvals_for(approver)) is may_decide
    assert solutions.approvals_for(requester) == []
    if may_decide:
        solutions.decide_approval(approval, approver, approve=True, reason="")
        assert (approval.state, approval.decided_by_id) == ("approved", approver.id)
        assert problem.status == "approved"
    else:
        with pytest.raises(ProblemError, match="needs authority"):
            solutions.decide_approval(approval, approver, approve=True, reason="")
        db.session.rollback()
        assert approval.state == "pending"


def test_no_one_approves_their_own_request(agent):
    boss = factories.make_user("supervisor", limit=10_000_000)
    problem = open_problem(boss)
    approval = requested(problem, boss)
    with pytest.raises(ProblemError, match="your own request"):
        solutions.decide_approval(approval, boss, approve=True, reason="")
    db.session.rollback()
    assert approval.state == "pending"


def test_customers_never_decide(problem, agent, customer):
    approval = requested(problem, agent, cost_minor=0)
    assert solutions.can_decide(customer, approval) is False
    assert solutions.approvals_for(customer) == []


def test_refusing_needs_a_reason_and_approval_can_be_asked_again(problem, agent, supervisor):
    approval = requested(problem, agent)
    with pytest.raises(ProblemError) as refused:
        solutions.decide_approval(approval, supervisor, approve=False, reason=" ")
    assert refused.value.field == "reason"
    db.session.rollback()
    solutions.decide_approval(approval, supervisor, approve=False, reason="Too dear this year")
    db.session.commit()
    assert (approval.state, approval.reason) == ("refused", "Too dear this year")
    assert problem.status == "solution_chosen"
    with pytest.raises(ProblemError, match="already been decided"):
        solutions.decide_approval(approval, supervisor, approve=True, reason="")
    db.session.rollback()
    again = solutions.request_approval(problem, agent)
    assert again.id != approval.id and again.state == "pending"
    assert solutions.latest_approval(problem) == again


def test_asking_twice_gives_the_same_pending_request(problem, agent):
    first = requested(problem, agent)
    assert solutions.request_approval(problem, agent) == first
    assert count(ProblemApproval) == 1


def test_approval_needs_a_chosen_solution(problem, agent):
    with_two_solutions(problem, agent)
    with pytest.raises(ProblemError, match="Choose a solution"):
        solutions.request_approval(problem, agent)


# --- going live ------------------------------------------------------------------------


def test_only_an_approved_solution_goes_live(problem, agent, supervisor):
    with pytest.raises(ProblemError, match="approved"):
        monitoring.put_live(problem, agent, "Done")
    db.session.rollback()
    approval = requested(problem, agent)
    with pytest.raises(ProblemError, match="approved"):
        monitoring.put_live(problem, agent, "Done")
    db.session.rollback()
    solutions.decide_approval(approval, supervisor, approve=True, reason="")
    db.session.commit()
    with pytest.raises(ProblemError) as refused:
        monitoring.put_live(problem, agent, "")
    assert refused.value.field == "note"
    db.session.rollback()
    with time_machine.travel(T0, tick=False):
        monitoring.put_live(problem, agent, "Fragile items now double-boxed")
    assert (problem.status, problem.solution_live_at) == ("live", T0)
    with pytest.raises(ProblemError, match="already approved"):
        add_solution(problem, agent)


# --- monitoring ------------------------------------------------------------------------


@pytest.fixture
def monitored(agent, supervisor, customer):
    """Four repeats, one a week for four weeks, then the solution goes live at T0."""
    tickets = [ticket_at(T0 - n * WEEK, customer) for n in (4, 3, 2, 1)]
    with time_machine.travel(T0 - WEEK + DAY, tick=False):
        problem = open_problem(agent, tickets=tickets)
    with time_machine.travel(T0, tick=False):
        live(problem, agent, supervisor)
    return problem


def test_monitoring_is_none_until_the_solution_is_live(problem):
    assert monitoring.progress(problem) is None


def test_monitoring_says_too_early_in_the_first_week(monitored):
    watch = monitoring.progress(monitored, now=T0 + 6 * DAY)
    assert watch is not None
    assert (watch.before, watch.weeks_before, watch.after, watch.weeks_after) == (4, 5, 0, 0)
    assert watch.repeats_stopped is None
    assert (watch.monitored_days, watch.needed_days, watch.period_done) == (6, 28, False)


def test_monitoring_shows_repeats_stopped(monitored):
    with time_machine.travel(T0 + 2 * WEEK, tick=False):
        watch = monitoring.progress(monitored)
    assert watch is not None
    assert watch.rate_before == pytest.approx(0.8)
    assert (watch.after, watch.weeks_after, watch.rate_after) == (0, 2, 0.0)
    assert watch.repeats_stopped is True


def test_monitoring_shows_repeats_continue(monitored, agent, customer):
    later = [ticket_at(T0 + DAY, customer), ticket_at(T0 + 8 * DAY, customer)]
    with time_machine.travel(T0 + 9 * DAY, tick=False):
        services.link_tickets(monitored, agent, later)
    watch = monitoring.progress(monitored, now=T0 + 2 * WEEK)
    assert watch is not None
    assert (watch.before, watch.after, watch.rate_after) == (4, 2, 1.0)
    assert watch.repeats_stopped is False


def test_weekly_counts_are_oldest_first(monitored):
    assert monitoring.weekly_counts(monitored, weeks=4, now=T0) == [1, 1, 1, 1]
    assert monitoring.weekly_counts(monitored, weeks=6, now=T0 + WEEK) == [0, 1, 1, 1, 1, 0]
    assert monitoring.weekly_counts(monitored, now=T0) == [0] * 8 + [1, 1, 1, 1]


# --- closing ---------------------------------------------------------------------------


def test_closing_before_the_period_needs_a_reason(monitored, agent):
    with time_machine.travel(T0 + 27 * DAY, tick=False):
        with pytest.raises(ProblemError, match="monitored for 28 days") as refused:
            monitoring.close(monitored, agent)
        assert refused.value.field == "reason"
        db.session.rollback()
        monitoring.close(monitored, agent, "The courier went out of business")
    assert (monitored.status, monitored.close_reason) == (
        "closed",
        "The courier went out of business",
    )
    assert monitored.closed_at == T0 + 27 * DAY


def test_closing_after_the_period_needs_no_reason(monitored, agent):
    with time_machine.travel(T0 + 28 * DAY, tick=False):
        monitoring.close(monitored, agent)
    assert monitored.status == "closed"
    with pytest.raises(ProblemError, match="already closed"):
        monitoring.close(monitored, agent, "again")


def test_the_period_is_the_admins_setting(monitored, agent):
    with unit_of_work():
        set_int("monitoring_days", 7)
    with time_machine.travel(T0 + 6 * DAY, tick=False):
        with pytest.raises(ProblemError, match="monitored for 7 days"):
            monitoring.close(monitored, agent)
    db.session.rollback()
    with time_machine.travel(T0 + 7 * DAY, tick=False):
        monitoring.close(monitored, agent)
    assert monitored.status == "closed"


def test_a_record_without_a_live_solution_closes_only_with_a_reason(problem, agent):
    with pytest.raises(ProblemError):
        monitoring.close(problem, agent)
    db.session.rollback()
    monitoring.close(problem, agent, "Duplicate of P-00001")
    assert problem.status == "closed"
    with pytest.raises(ProblemError, match="closed"):
        services.record_action(problem, agent, "Too late")


# --- the record's history ------------------------------------------------------------------


def test_every_step_appends_an_event(agent, supervisor, customer):
    problem = open_problem(agent, tickets=[factories.make_ticket(customer=customer)])
    chosen(problem, agent)
    approval = solutions.request_approval(problem, agent)
    solutions.decide_approval(approval, supervisor, approve=True, reason="Go")
    services.record_action(problem, agent, "Told the warehouse")
    monitoring.put_live(problem, agent, "Double-boxing since Monday")
    monitoring.close(problem, agent, "Early: the courier changed anyway")
    kinds = [e.kind for e in problem.events]
    assert kinds == [
        "created",
        "authority_alerted",
        "solution_added",
        "solution_added",
        "solution_chosen",
        "approval_requested",
        "solution_approved",
        "action",
        "solution_live",
        "closed",
    ]
    ids = [e.id for e in problem.events]
    assert ids == sorted(ids)
    assert [e.actor_id for e in problem.events if e.kind == "solution_approved"] == [supervisor.id]
    assert count(ProblemEvent) == len(kinds)


def test_an_out_of_date_version_is_refused(problem, agent):
    seen = problem.version
    services.update_root_cause(problem, agent, "The courier's van is too small")
    assert problem.version > seen
    with pytest.raises(StaleTicketError):
        services.check_version(problem, seen)
    services.check_version(problem, problem.version)
    services.check_version(problem, None)


def test_linked_counts_in_one_query(agent, customer):
    first = open_problem(agent, tickets=[factories.make_ticket(customer=customer) for _ in "ab"])
    second = open_problem(agent, title="Late refunds")
    assert services.linked_counts([first.id, second.id]) == {first.id: 2}
    assert services.linked_counts([]) == {}


def test_approved_helper_records_the_decision(problem, agent, supervisor):
    approval = approved(problem, agent, supervisor)
    assert (approval.state, approval.reason, problem.status) == ("approved", "Worth it", "approved")
