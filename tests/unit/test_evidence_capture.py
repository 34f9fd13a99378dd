"""Evidence is captured as a learner works: every mapped action, through the real services,
in each framework, with exactly the mapping's codes; nobody else's work becomes evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.feed import services as feed
from helpdesk.frameworks import catalogue
from helpdesk.models import (
    EvidenceRecord,
    ProblemEvent,
    ProblemRecord,
    Ticket,
    TicketEvent,
    User,
)
from helpdesk.models.types import utcnow
from helpdesk.problems import monitoring, solutions
from helpdesk.problems import services as problems
from helpdesk.problems.solutions import SolutionData
from helpdesk.tickets import options as opts
from helpdesk.tickets import proactive, promises, resolution
from helpdesk.tickets.services import NewTicket, acknowledge, create_ticket, reply
from tests import factories
from tests.factories import make_learner
from tests.portfolio import records
from tests.resolving import ACK, option_data

SIDES = {
    "pros_customer": "A working kettle soon",
    "cons_customer": "Two days without one",
    "pros_org": "Keeps the customer",
    "cons_org": "Costs a kettle",
}


def last_event(ticket: Ticket, kind: str) -> TicketEvent:
    return db.session.scalars(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == kind)
        .order_by(TicketEvent.id.desc())
    ).first()  # type: ignore[return-value]


def problem_event(problem: ProblemRecord, kind: str) -> ProblemEvent:
    return db.session.scalars(
        select(ProblemEvent).where(ProblemEvent.problem_id == problem.id, ProblemEvent.kind == kind)
    ).one()


@dataclass
class Work:
    """What was done: (action, the event that should carry it, its ticket or None)."""

    done: list[tuple[str, TicketEvent | ProblemEvent, Ticket | None]] = field(default_factory=list)

    def ticket(self, action: str, ticket: Ticket, kind: str) -> None:
        self.done.append((action, last_event(ticket, kind), ticket))

    def problem(self, action: str, problem: ProblemRecord, kind: str) -> None:
        self.done.append((action, problem_event(problem, kind), None))


def do_everything(
    actor: User, customer: User, colleague: User, supervisor: User, category: Any
) -> Work:
    """Every action the mapping knows, done by ``actor`` through the services."""
    work = Work()

    # Options: identify, both sides, confirm, recommend, approval, offer/agree, implement.
    t1 = factories.make_ticket(customer=customer, category=category)
    acknowledge(t1, actor, **ACK)
    work.ticket("acknowledged", t1, "acknowledged")
    option = opts.add_option(t1, actor, option_data())
    work.ticket("option_added", t1, "option_added")
    work.ticket("option_pros_cons", t1, "option_added")
    costly = opts.add_option(
        t1,
        actor,
        option_data(description="Refund and a voucher", cost_minor=90_000, cons_org=""),
    )
    work.ticket("option_added", t1, "option_added")  # one side only: no pros and cons
    opts.request_approval(costly, actor)
    work.ticket("approval_requested", t1, "approval_requested")
    asked = opts.request_confirmation(option, actor, colleague)  # asking credits nothing
    opts.decide_confirmation(asked, colleague, confirm=True, comment="Yes, within our rules")
    work.ticket("option_confirmed", t1, "option_confirmed")  # credits the one who asked
    opts.recommend(option, actor)
    work.ticket("option_recommended", t1, "option_recommended")
    opts.offer(t1, actor, [option])
    work.ticket("best_option_discussed", t1, "options_offered")  # shown as recommended
    opts.customer_agree(option, customer)  # credits the one who offered it
    work.ticket("option_agreed", t1, "option_agreed")
    opts.implement(option, actor, "Sent a new kettle by courier")
    work.ticket("option_implemented", t1, "option_implemented")
    work.ticket("policy_respected", t1, "option_implemented")
    feed.share(actor, ticket=t1, quote="The box was crushed", comment="", tag="delivery")
    work.ticket("feedback_shared", t1, "feedback_shared")

    # Promises, updates, the resolution check.
    t2 = factories.make_ticket(customer=customer, category=category)
    acknowledge(t2, actor, **ACK)
    work.ticket("acknowledged", t2, "acknowledged")
    due = utcnow() + timedelta(days=1)
    kept = promises.make_promise(t2, actor, description="Call back", owner=actor, due_at=due)
    promises.keep_promise(kept, actor)
    work.ticket("promise_kept", t2, "promise_kept")
    broken = promises.make_promise(t2, actor, description="Email a label", owner=actor, due_at=due)
    promises.break_promise(broken, actor, "The printer is down")
    work.ticket("promise_broken", t2, "promise_broken")
    reply(t2, actor, "The courier collects it tomorrow.", update_kind="volunteered")
    work.ticket("update", t2, "reply")
    resolution.resolve(t2, actor, "A new kettle was delivered")
    resolution.customer_confirm(t2, customer, solved=True, rating=5, comment="")
    work.ticket("customer_confirmed", t2, "customer_confirmed")  # credits the resolver

    # Questions, other routes, escalation, closing with reasons.
    t3 = factories.make_ticket(customer=customer, category=category)
    acknowledge(t3, actor, **ACK)
    work.ticket("acknowledged", t3, "acknowledged")
    resolution.ask_question(t3, actor, "Which model is the kettle?")
    work.ticket("question", t3, "question")
    route = factories.make_route(title="Manufacturer's warranty", body="Call the maker.")
    resolution.offer_route(t3, actor, route, "They replace it free")
    work.ticket("route_offered", t3, "route_offered")
    resolution.escalate(t3, actor, reason="Needs the warranty team", to_team="Warranty")
    work.ticket("escalated", t3, "escalated")
    resolution.close_unresolved(
        t3,
        actor,
        reason="outside_control",
        tried="Asked the courier",
        why="The maker must replace it",
        next_steps="Call the maker",
    )
    work.ticket("closed_unresolved", t3, "closed_unresolved")

    # A repeat linked to a problem record; the record's solution chosen, approved, live.
    t4 = factories.make_ticket(customer=customer, category=category)
    problem = problems.create_problem(
        actor, title="Parcels crushed", category_id=category.id, tickets=[t4]
    )
    # A first ticket alone is no repeat; the second linked to the same record is.
    t5 = factories.make_ticket(customer=customer, category=category)
    problems.link_tickets(problem, actor, [t5])
    work.ticket("linked_to_problem", t5, "linked_to_problem")
    for description, cost in (("Double-box fragile items", 20_000), ("Change courier", 90_000)):
        solutions.add_solution(
            problem,
            actor,
            SolutionData(description=description, cost_minor=cost, **SIDES),
        )
    solutions.choose_solution(problem, actor, problem.solutions[0])
    work.problem("problem_solutions_compared", problem, "solution_chosen")
    work.problem("problem_solution_chosen", problem, "solution_chosen")
    approval = solutions.request_approval(problem, actor)
    work.problem("problem_approval_requested", problem, "approval_requested")
    solutions.decide_approval(approval, supervisor, approve=True, reason="")
    work.problem("problem_approval_obtained", problem, "solution_approved")  # the requester
    monitoring.put_live(problem, actor, "Packing team double-boxes from today")
    work.problem("problem_solution_live", problem, "solution_live")

    # Proactive: report, step, inform.
    report, _ = proactive.report(
        actor, what="Label printer fading", where="Warehouse", risk="Lost parcels", category_id=None
    )
    work.ticket("proactive_report", report, "created")
    proactive.record_step(report, actor, "Ordered new print heads")
    work.ticket("proactive_step", report, "proactive_step")
    proactive.inform(report, actor, people=[colleague])
    work.ticket("proactive_informed", report, "proactive_informed")
    return work


@pytest.fixture
def people(app: Any, customer: User, supervisor: User, category: Any) -> dict[str, Any]:
    colleague = factories.make_user("agent", name="Cole Colleague", limit=5_000)
    return {
        "customer": customer,
        "colleague": colleague,
        "supervisor": supervisor,
        "category": category,
    }


def expected_codes(action: str, framework: str) -> set[tuple[str, str]]:
    mapping = catalogue().actions[action]
    return (
        {(c, "pc") for c in mapping.codes[framework]}
        | {(c, "knowledge") for c in mapping.inferred[framework]}
        | {(c, "scope") for c in mapping.scope[framework]}
    )


@pytest.mark.parametrize("framework", ["A", "B", "C"])
def test_each_action_of_a_learner_becomes_evidence_with_the_mappings_codes(
    people: dict[str, Any], framework: str
) -> None:
    learner = make_learner(framework, name="Lee Learner")
    work = do_everything(learner, **people)
    mapping = catalogue().actions
    found = records(learner)
    assert {a for a, _e, _t in work.done} == set(mapping), "every mapped action was done"

    expected = 0
    for action, event, ticket in work.done:
        on_event = [
            r
            for r in found
            if r.action == action
            and (
                r.ticket_event_id == event.id
                if isinstance(event, TicketEvent)
                else r.problem_event_id == event.id
            )
        ]
        want = expected_codes(action, framework)
        if not want:
            assert on_event == [], f"{action} evidences nothing in {framework}"
            continue
        expected += 1
        assert len(on_event) == 1, action
        record = on_event[0]
        assert {(c.code, c.kind) for c in record.codes} == want, action
        assert [c.code for c in record.codes if c.kind == "pc"] == list(
            mapping[action].codes[framework]
        )
        assert record.learner_id == learner.id
        assert record.framework == framework
        assert record.method == "WP"
        assert record.status == "pending"
        assert not record.is_simulated
        assert record.note == "" and record.assessor_initials == ""
        assert record.occurred_at == event.created_at
        assert record.ticket_id == (ticket.id if ticket is not None else None)
        # Plain words: what was done, where, and the words used; no codes or field names.
        assert record.summary.startswith(mapping[action].label)
        assert "_" not in record.summary and "{" not in record.summary
        if ticket is not None and action != "proactive_report":
            assert ticket.reference in record.summary
        if event.body:
            assert " ".join(event.body.split())[:60] in record.summary
    assert len(found) == expected, "no evidence beyond what the mapping says"


def test_the_customers_answers_credit_the_learner_who_offered_and_resolved(
    people: dict[str, Any],
) -> None:
    learner = make_learner("A")
    work = do_everything(learner, **people)
    for action in ("option_agreed", "customer_confirmed"):
        _a, event, _t = next(d for d in work.done if d[0] == action)
        assert isinstance(event, TicketEvent)
        assert event.actor_id == people["customer"].id
        record = db.session.scalars(
            select(EvidenceRecord).where(EvidenceRecord.ticket_event_id == event.id)
        ).one()
        assert record.learner_id == learner.id
        assert record.summary.startswith(catalogue().actions[action].label)


def test_nobody_but_a_learner_in_learner_mode_gets_evidence(people: dict[str, Any]) -> None:
    agent = factories.make_user("agent", name="Alex Agent", limit=5_000)
    do_everything(agent, **people)
    # A learner without a profile, and a profile whose learner role was taken away.
    no_profile = factories.make_user("agent", "learner", name="Nat Noprofile", limit=5_000)
    ex_learner = make_learner("A", name="Exa Learner")
    ex_learner.set_roles({"agent"})
    db.session.commit()
    for person in (no_profile, ex_learner):
        ticket = factories.make_ticket(customer=people["customer"], category=people["category"])
        acknowledge(ticket, person, **ACK)
    assert db.session.scalars(select(EvidenceRecord)).all() == []


@pytest.mark.parametrize("framework", ["A", "B", "C"])
def test_evidence_from_a_simulated_ticket_is_marked_simulated(
    people: dict[str, Any], framework: str
) -> None:
    learner = make_learner(framework)
    ticket, _ = create_ticket(
        NewTicket(
            subject="Demo: parcel late",
            description="Where is my parcel?",
            category_id=None,
            is_simulated=True,
        ),
        customer=people["customer"],
        created_by=people["customer"],
    )
    acknowledge(ticket, learner, **ACK)
    resolution.ask_question(ticket, learner, "When did you order it?")
    found = records(learner)
    assert [r.action for r in found] == ["acknowledged", "question"]
    assert all(r.is_simulated for r in found)
    assert all(r.ticket_id == ticket.id for r in found)
