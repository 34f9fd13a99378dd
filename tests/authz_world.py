"""One of everything a URL can name, built through the real services (authorisation matrix)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpdesk.attachments.storage import CheckedUpload, store
from helpdesk.auth.reset import make_reset_token
from helpdesk.evidence.decisions import decide
from helpdesk.evidence.knowledge import record_knowledge
from helpdesk.evidence.testimony import make_feedback_token
from helpdesk.extensions import db
from helpdesk.feed import services as feed
from helpdesk.frameworks import catalogue
from helpdesk.iqa.services import SampleRequest, draw_sample
from helpdesk.models.types import utcnow
from helpdesk.tickets import options as opts
from helpdesk.tickets import resolution
from helpdesk.tickets.promises import make_promise
from tests import factories
from tests.assessing import observe
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket, records
from tests.problems import open_problem, requested
from tests.resolving import add_option, offered_option

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32

ROLES = (
    "anonymous",
    "customer",
    "other_customer",
    "agent",
    "supervisor",
    "learner",
    "assessor",
    "iqa",
    "admin",
)


def build_world() -> dict[str, Any]:
    """People in every role and objects of every kind; returns users and URL values."""
    users = {
        "customer": factories.make_user("customer", email="casey@example.com", name="Casey"),
        "other_customer": factories.make_user("customer", email="olive@example.com"),
        "agent": factories.make_user("agent", email="alex@example.com", limit=5_000),
        "supervisor": factories.make_user(
            "supervisor", email="sam@example.com", limit=50_000, exceptions=True
        ),
        "assessor": factories.make_user("assessor", email="ari@example.com"),
        "iqa": factories.make_user("iqa", email="ida@example.com"),
        "admin": factories.make_user("admin", email="ada@example.com"),
    }
    users["learner"] = make_learner("A", assessors=(users["assessor"],), email="lee@example.com")
    customer, agent, learner = users["customer"], users["agent"], users["learner"]
    assessor, supervisor = users["assessor"], users["supervisor"]
    category = factories.make_category("Deliveries")
    route = factories.make_route(title="Track a parcel")
    victim = factories.make_user("customer", email="vic@example.com")

    # The customer's ticket, handled by the learner (so it is evidence too).
    ticket = acknowledged_ticket(learner, customer, category=category)
    option = offered_option(ticket, learner)
    pricey = add_option(ticket, learner, cost_minor=9_000, description="Refund twice")
    approval = opts.request_approval(pricey, learner)
    confirmation = opts.request_confirmation(add_option(ticket, learner), learner, agent)
    promise = make_promise(
        ticket,
        learner,
        description="Call back tomorrow",
        owner=learner,
        due_at=utcnow() + timedelta(days=1),
    )
    attachment = store(
        CheckedUpload("photo.png", "image/png", PNG), ticket=ticket, event=None, uploader=customer
    )
    db.session.commit()
    post, _ = feed.share(agent, ticket=ticket, quote="The box.", comment="Again", tag="delivery")
    problem = open_problem(agent, tickets=[ticket], category_id=category.id)
    problem_approval = requested(problem, agent)

    # The learner's evidence, an observation, a knowledge record, decisions and a sample.
    fw = catalogue().frameworks["A"]
    observation = observe(assessor, learner, [ticket], [fw.pcs[0].code], confirm=False)
    knowledge = record_knowledge(
        assessor,
        learner,
        "Q",
        [fw.knowledge[0].code],
        "How do you calm a call?",
        "Listen and restate.",
        "met",
    )
    evidence = records(learner)[0]
    second = acknowledged_ticket(learner, customer, category=category)
    decide(records(learner)[-1], assessor, True, "Good")
    sample = draw_sample(users["iqa"], SampleRequest(assessor_id=assessor.id, size=1))

    # A resolved ticket of the customer's, for the feedback link.
    resolution.resolve(second, learner, "A new kettle was sent")
    values = {
        "ticket_id": ticket.id,
        "option_id": option.id,
        "promise_id": promise.id,
        "confirmation_id": confirmation.id,
        "approval_id": approval.id,
        "attachment_id": attachment.id,
        "post_id": post.id,
        "problem_id": problem.id,
        "solution_id": problem.solutions[0].id,
        "problem_approval_id": problem_approval.id,
        "learner_id": learner.id,
        "evidence_id": evidence.id,
        "observation_id": observation.id,
        "record_id": knowledge.id,
        "sample_id": sample.id,
        "item_id": sample.items[0].id,
        "category_id": category.id,
        "route_id": route.id,
        "user_id": victim.id,
        "code": "A",
        "priority": 1,
        "token": make_reset_token(victim),
        "feedback_token": make_feedback_token(second),
        "filename": "css/app.css",
    }
    db.session.commit()
    return {"users": users, "values": values, "supervisor": supervisor}
