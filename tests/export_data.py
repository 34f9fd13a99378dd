"""A learner's portfolio with every section the export has, full of customers' personal
data and of references a PDF renderer must never fetch (the export and IQA tests)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader

from helpdesk.evidence.reflections import ReflectionData, add_reflection
from helpdesk.extensions import db
from helpdesk.frameworks import catalogue
from helpdesk.models import (
    EvidenceCode,
    EvidenceRecord,
    KnowledgeRecord,
    Observation,
    Ticket,
    User,
    WitnessTestimony,
)
from helpdesk.tickets import options as opts
from helpdesk.tickets import resolution, services
from tests import factories
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket, decide, profile_of, records
from tests.resolving import option_data

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Everything that identifies a customer in the data below, in any case.
PERSONAL = (
    "Casey",
    "Jones",
    "casey@example.com",
    "07700 900123",
    "07700900123",
    "Priya",
    "Patel",
    "priya.patel@example.org",
    "+44 20 7946 0018",
    "ORD-778899",
    "778899",
    "INV-556677",
    "556677",
    "c.jones@mail.example",
    "witness-contact@example.net",
)
IMG = '<img src="file:///etc/passwd">'
LINK = '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
CSS_URL = "url(http://example.com/a.png)"
PLANTED = f"{IMG} {LINK} <div style='background: {CSS_URL}'>x</div>"


@dataclass
class Portfolio:
    learner: User
    assessor: User
    casey: User
    priya: User
    first: Ticket
    second: Ticket


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, whitespace folded (a table cell wraps its words onto lines)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def customers() -> tuple[User, User]:
    casey = factories.make_user("customer", email="casey@example.com", name="Casey Jones")
    casey.phone = "07700 900123"
    priya = factories.make_user("customer", email="priya.patel@example.org", name="Priya Patel")
    priya.phone = "+44 20 7946 0018"
    db.session.commit()
    return casey, priya


def build_portfolio(assessor: User, *, planted: str = PLANTED) -> Portfolio:
    """Two tickets worked through the services, decisions, a testimony, an observation, a
    knowledge record and a reflective account; ``planted`` in ticket text and reflection."""
    casey, priya = customers()
    learner = make_learner("A", assessors=(assessor,), email="lee@example.com")
    first = acknowledged_ticket(
        learner,
        casey,
        at=T0,
        order_ref="ORD-778899",
        description="Casey Jones here, order ORD-778899, ring 07700 900123.",
    )
    resolution.ask_question(first, learner, "Casey, is it the 1.7 litre kettle?")
    services.customer_reply(first, casey, "Yes. Call me on 07700 900123, Casey")
    option = opts.add_option(first, learner, option_data(description="New kettle for Casey"))
    opts.recommend(option, learner)
    services.reply(
        first, learner, f"Casey, a new kettle is coming. {planted}", update_kind="answer"
    )
    second = acknowledged_ticket(learner, priya, at=T0 + timedelta(days=3), order_ref="INV-556677")
    services.reply(second, learner, "Priya Patel: write to priya.patel@example.org if not")
    for record in records(learner):
        decide(record, "accepted" if record.action != "question" else "rejected", "AA")
    decide(records(learner, "update")[0], "accepted", "AA").feedback = "Good, Casey was happy"
    db.session.commit()
    _testimony(learner, first)
    add_reflection(
        learner,
        profile_of(learner),
        catalogue().frameworks["A"],
        ReflectionData(
            title="Calming Casey Jones down",
            situation=f"Casey Jones (07700 900123) had a cracked kettle. {planted}",
            task="Find a fix the same week",
            action="Restated the problem and offered a replacement",
            result="Casey said thanks on c.jones@mail.example",
            ticket_id=first.id,
            codes=("1.1", "2.1"),
        ),
    )
    _assessor_records(learner, assessor, first)
    return Portfolio(learner, assessor, casey, priya, first, second)


def _testimony(learner: User, ticket: Ticket) -> EvidenceRecord:
    record = EvidenceRecord(
        learner_id=learner.id,
        framework="A",
        action="customer_confirmed",
        method="WT",
        ticket_id=ticket.id,
        summary=f"Witness testimony from the customer on {ticket.reference}: “Lee helped Casey”",
        occurred_at=T0 + timedelta(days=1),
        codes=[EvidenceCode(code="3.5", kind="pc")],
    )
    record.testimony = WitnessTestimony(
        ticket_id=ticket.id,
        witness_name="Casey Jones",
        contact="witness-contact@example.net",
        statement="Lee listened to me, Casey Jones, and rang me back on 07700 900123.",
        consented_at=T0 + timedelta(days=1),
    )
    db.session.add(record)
    db.session.commit()
    return record


def _assessor_records(learner: User, assessor: User, ticket: Ticket) -> None:
    observation = Observation(
        learner_id=learner.id,
        assessor_id=assessor.id,
        framework="A",
        observed_on=T0 + timedelta(days=2),
        place="Contact centre, desk 4",
        activity="Took a call from Casey Jones about order ORD-778899",
        codes=["1.1", "1.2"],
        judgement="met",
        comments="Listened well to Casey",
        learner_comments="I felt calm",
        assessor_confirmed_at=T0 + timedelta(days=2),
    )
    observation.tickets = [ticket]
    knowledge = KnowledgeRecord(
        learner_id=learner.id,
        assessor_id=assessor.id,
        framework="A",
        method="Q",
        codes=["4.1"],
        questions="What would you do if Priya Patel complained again?",
        answers="Follow the complaints procedure and call her on +44 20 7946 0018",
        outcome="met",
        feedback="Clear answer",
        assessor_initials="AA",
        decided_at=T0 + timedelta(days=4),
    )
    db.session.add_all([observation, knowledge])
    db.session.commit()
