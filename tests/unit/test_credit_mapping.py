"""Each criterion is credited on the event that shows it, and not on a nearby one that
does not (issue 12: "credit only what the work shows")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from helpdesk.domain import CodeKind, ProblemEventKind, TicketEventKind
from helpdesk.extensions import db
from helpdesk.models import EvidenceRecord, ProblemEvent, ProblemRecord, Ticket, TicketEvent, User
from helpdesk.models.types import utcnow
from helpdesk.problems import services as problems
from helpdesk.problems import solutions
from helpdesk.problems.solutions import SolutionData
from helpdesk.tickets import options as opts
from helpdesk.tickets import promises
from helpdesk.tickets.services import acknowledge
from tests import factories
from tests.unit.test_evidence_capture import ACK, SIDES, last_event, make_learner, option_data


def pcs_on(learner: User, event: TicketEvent | ProblemEvent) -> set[str]:
    """The PCs credited to ``learner`` on exactly this event."""
    column = (
        EvidenceRecord.ticket_event_id
        if isinstance(event, TicketEvent)
        else EvidenceRecord.problem_event_id
    )
    records = db.session.scalars(
        select(EvidenceRecord).where(EvidenceRecord.learner_id == learner.id, column == event.id)
    )
    return {c.code for r in records for c in r.codes if c.kind == CodeKind.PC}


def problem_event(problem: ProblemRecord, kind: str) -> ProblemEvent:
    return db.session.scalars(
        select(ProblemEvent)
        .where(ProblemEvent.problem_id == problem.id, ProblemEvent.kind == kind)
        .order_by(ProblemEvent.id.desc())
    ).first()  # type: ignore[return-value]


def worked_ticket(learner: User, customer: User, category: Any) -> Ticket:
    ticket = factories.make_ticket(customer=customer, category=category)
    acknowledge(ticket, learner, **ACK)
    return ticket


def test_1_3_is_credited_for_a_repeat_joining_a_record_that_has_another_ticket(
    app: Any, customer: User, category: Any
) -> None:
    learner = make_learner("A")
    first = factories.make_ticket(customer=customer, category=category)
    problem = problems.create_problem(
        learner, title="Lids crack", category_id=category.id, tickets=[first]
    )
    lone = last_event(first, TicketEventKind.LINKED_TO_PROBLEM)
    assert "1.3" not in pcs_on(learner, lone), "one ticket linked alone is no repeat"

    second = factories.make_ticket(customer=customer, category=category)
    problems.link_tickets(problem, learner, [second])
    assert "1.3" in pcs_on(learner, last_event(second, TicketEventKind.LINKED_TO_PROBLEM))

    # Two tickets linked when the record is opened: the second is a repeat of the first.
    a, b = (factories.make_ticket(customer=customer, category=category) for _ in range(2))
    problems.create_problem(learner, title="Taps drip", category_id=category.id, tickets=[a, b])
    assert "1.3" not in pcs_on(learner, last_event(a, TicketEventKind.LINKED_TO_PROBLEM))
    assert "1.3" in pcs_on(learner, last_event(b, TicketEventKind.LINKED_TO_PROBLEM))


def test_2_2_and_p12_are_credited_on_the_confirmation_given_not_the_request(
    app: Any, customer: User, category: Any
) -> None:
    colleague = factories.make_user("agent", name="Cole Colleague", limit=5_000)
    for framework, pc in (("A", "2.2"), ("C", "P12")):
        learner = make_learner(framework)
        ticket = worked_ticket(learner, customer, category)
        option = opts.add_option(ticket, learner, option_data())
        assert pc not in pcs_on(learner, last_event(ticket, TicketEventKind.OPTION_ADDED))
        asked = opts.request_confirmation(option, learner, colleague)
        assert pc not in pcs_on(learner, last_event(ticket, TicketEventKind.CONFIRMATION_REQUESTED))
        opts.decide_confirmation(asked, colleague, confirm=True, comment="Fine by me")
        assert pcs_on(learner, last_event(ticket, TicketEventKind.OPTION_CONFIRMED)) == {pc}

        # A challenge is not a confirmation: nothing for the learner.
        other = opts.add_option(ticket, learner, option_data(description="A voucher"))
        challenged = opts.request_confirmation(other, learner, colleague)
        opts.decide_confirmation(challenged, colleague, confirm=False, comment="Too costly")
        assert pcs_on(learner, last_event(ticket, TicketEventKind.OPTION_CHALLENGED)) == set()


def test_b_pc_9_is_credited_when_the_best_option_is_put_to_the_customer_not_on_the_click(
    app: Any, customer: User, category: Any
) -> None:
    learner = make_learner("B")
    ticket = worked_ticket(learner, customer, category)
    best = opts.add_option(ticket, learner, option_data())
    opts.recommend(best, learner)
    assert "9" not in pcs_on(learner, last_event(ticket, TicketEventKind.OPTION_RECOMMENDED))
    opts.offer(ticket, learner, [best])
    assert "9" in pcs_on(learner, last_event(ticket, TicketEventKind.OPTIONS_OFFERED))

    # Options offered with none recommended discuss no best option.
    plain = worked_ticket(learner, customer, category)
    option = opts.add_option(plain, learner, option_data())
    opts.offer(plain, learner, [option])
    assert "9" not in pcs_on(learner, last_event(plain, TicketEventKind.OPTIONS_OFFERED))


def test_3_3_is_credited_for_a_kept_promise_and_never_for_a_broken_one(
    app: Any, customer: User, category: Any
) -> None:
    for framework, pc in (("A", "3.3"), ("B", "13"), ("C", "P18")):
        learner = make_learner(framework)
        ticket = worked_ticket(learner, customer, category)
        due = utcnow() + timedelta(days=1)
        broken = promises.make_promise(
            ticket, learner, description="Email a label", owner=learner, due_at=due
        )
        promises.break_promise(broken, learner, "The printer is down")
        assert pc not in pcs_on(learner, last_event(ticket, TicketEventKind.PROMISE_BROKEN))
        kept = promises.make_promise(
            ticket, learner, description="Call back", owner=learner, due_at=due
        )
        promises.keep_promise(kept, learner)
        assert pc in pcs_on(learner, last_event(ticket, TicketEventKind.PROMISE_KEPT))


def test_p10_is_credited_on_the_approval_granted_not_the_request(
    app: Any, customer: User, category: Any, supervisor: User
) -> None:
    learner = make_learner("C")

    def chosen(title: str) -> ProblemRecord:
        ticket = factories.make_ticket(customer=customer, category=category)
        problem = problems.create_problem(
            learner, title=title, category_id=category.id, tickets=[ticket]
        )
        for description in ("Double-box", "Change courier"):
            solutions.add_solution(
                problem, learner, SolutionData(description=description, cost_minor=1_000, **SIDES)
            )
        solutions.choose_solution(problem, learner, problem.solutions[0])
        return problem

    granted = chosen("Parcels crushed")
    approval = solutions.request_approval(granted, learner)
    asked = problem_event(granted, ProblemEventKind.APPROVAL_REQUESTED)
    assert "P10" not in pcs_on(learner, asked)
    solutions.decide_approval(approval, supervisor, approve=True, reason="Go ahead")
    assert pcs_on(learner, problem_event(granted, ProblemEventKind.SOLUTION_APPROVED)) == {"P10"}
    assert (
        db.session.scalars(
            select(EvidenceRecord).where(EvidenceRecord.learner_id == supervisor.id)
        ).all()
        == []
    ), "the decision maker is not the one credited"

    refused = chosen("Labels fade")
    solutions.decide_approval(
        solutions.request_approval(refused, learner), supervisor, approve=False, reason="No"
    )
    assert pcs_on(learner, problem_event(refused, ProblemEventKind.SOLUTION_REFUSED)) == set()


def test_p22_needs_authority_or_an_agreed_exception_not_only_the_policy_flag(
    app: Any, customer: User, category: Any, supervisor: User
) -> None:
    learner = make_learner("C")  # authority up to £50
    supervisor.authority_limit_minor = 100_000
    db.session.commit()

    # Within policy and within the learner's own authority: P22.
    ticket = worked_ticket(learner, customer, category)
    option = opts.add_option(ticket, learner, option_data(cost_minor=2_500))
    opts.offer(ticket, learner, [option])
    opts.customer_agree(option, customer)
    opts.implement(option, learner, "Sent it")
    assert "P22" in pcs_on(learner, last_event(ticket, TicketEventKind.OPTION_IMPLEMENTED))

    # Flagged within policy, but £800 is beyond the learner's authority and nobody approved
    # it for them (a supervisor offered it): the flag alone shows no policy followed.
    ticket = worked_ticket(learner, customer, category)
    option = opts.add_option(ticket, supervisor, option_data(cost_minor=80_000))
    opts.offer(ticket, supervisor, [option])
    opts.customer_agree(option, customer)
    opts.implement(option, learner, "Refunded")
    implemented = last_event(ticket, TicketEventKind.OPTION_IMPLEMENTED)
    assert pcs_on(learner, implemented) == {"P17"}

    # Outside policy, with the exception approved by someone else: P22.
    ticket = worked_ticket(learner, customer, category)
    option = opts.add_option(ticket, learner, option_data(within_policy=False))
    opts.decide_approval(
        opts.request_approval(option, learner), supervisor, approve=True, reason="Goodwill"
    )
    opts.offer(ticket, learner, [option])
    opts.customer_agree(option, customer)
    opts.implement(option, learner, "Sent it as an exception")
    assert "P22" in pcs_on(learner, last_event(ticket, TicketEventKind.OPTION_IMPLEMENTED))
