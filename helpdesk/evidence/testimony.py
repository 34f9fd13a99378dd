"""Witness testimony from customers: who handled a ticket, the emailed link, the evidence.

The resolution email carries a signed link (``make_feedback_token``) that opens the
satisfaction check without signing in. The link names one resolution of one ticket: it
expires after ``FEEDBACK_LINK_DAYS`` and is spent once the customer has answered, the
ticket has moved on, or it was resolved again (a newer email has the live link).

With the customer's consent their statement becomes WT evidence for the learner who
handled the ticket, tagged with the criteria the learner's own evidence there speaks to.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from helpdesk.domain import CodeKind, Status
from helpdesk.evidence.capture import learner_profile
from helpdesk.extensions import db
from helpdesk.frameworks import catalogue
from helpdesk.models import (
    EvidenceCode,
    EvidenceRecord,
    SatisfactionResponse,
    Ticket,
    TicketEvent,
    User,
    WitnessTestimony,
)
from helpdesk.models.types import utcnow
from helpdesk.refusals import Refusal

SALT = "satisfaction-feedback"
RELATIONSHIP = "Customer"
STATEMENT_MAX = 4000
WITNESS_NAME_MAX = 120  # WitnessTestimony.witness_name
CONTACT_MAX = 200  # WitnessTestimony.contact
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ID_MAX = 2**63 - 1


def consent_wording(first_name: str) -> str:
    """The consent sentence, word for word, as the customer ticks it."""
    return (
        "I agree that this feedback may be used as witness testimony in "
        f"{first_name}'s training record"
    )


def learner_for(ticket: Ticket) -> User | None:
    """The learner who handled the ticket, or None.

    The staff member in learner mode with the most evidence on it (ties go to whoever's
    evidence came first), else the assignee if they are in learner mode.
    """
    most = func.count(EvidenceRecord.id)
    rows = db.session.execute(
        select(EvidenceRecord.learner_id)
        .where(EvidenceRecord.ticket_id == ticket.id, EvidenceRecord.method != "WT")
        .group_by(EvidenceRecord.learner_id)
        .order_by(most.desc(), func.min(EvidenceRecord.id))
    ).all()
    for (learner_id,) in rows:
        user = db.session.get(User, learner_id)
        if learner_profile(user) is not None:
            return user
    if learner_profile(ticket.assignee) is not None:
        return ticket.assignee
    return None


# --- the emailed link ------------------------------------------------------------------


class FeedbackLinkError(Refusal):
    """The link cannot be used; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message, status=status)


INVALID = "This link is not complete or not valid. Check you copied all of it from the email."
EXPIRED = "This link has expired."
SPENT = "This link has been used already, or the problem is no longer waiting for your answer."


def link_days() -> int:
    """How long an emailed link stays usable."""
    return int(current_app.config.get("FEEDBACK_LINK_DAYS", 14))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=SALT)


def _stamp(moment: datetime) -> int:
    """A resolution time as whole microseconds: exact, whatever the database."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def make_feedback_token(ticket: Ticket) -> str:
    """A signed token naming this ticket and this resolution of it."""
    if ticket.resolved_at is None:
        raise ValueError("only a resolved ticket has a feedback link")
    return str(_serializer().dumps([ticket.id, _stamp(ticket.resolved_at)]))


def read_feedback_token(token: str) -> Ticket:
    """The ticket a link opens.

    :raise FeedbackLinkError: 400 when tampered with or malformed; 410 when expired, used,
        or the ticket is no longer waiting for this answer.
    """
    try:
        payload = _serializer().loads(token, max_age=link_days() * 86_400)
    except SignatureExpired as exc:
        raise FeedbackLinkError(EXPIRED, 410) from exc
    except BadSignature as exc:
        raise FeedbackLinkError(INVALID, 400) from exc
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not all(type(v) is int for v in payload)
        or not 0 < payload[0] <= _ID_MAX
    ):
        raise FeedbackLinkError(INVALID, 400)
    ticket_id, stamp = payload
    ticket = db.session.get(Ticket, ticket_id)
    if (
        ticket is None
        or ticket.customer is None
        or not ticket.customer.active
        or ticket.status != Status.RESOLVED
        or ticket.resolved_at is None
        or _stamp(ticket.resolved_at) != stamp
    ):
        raise FeedbackLinkError(SPENT, 410)
    answered = db.session.scalar(
        select(SatisfactionResponse.id)
        .where(
            SatisfactionResponse.ticket_id == ticket.id,
            SatisfactionResponse.created_at >= ticket.resolved_at,
        )
        .limit(1)
    )
    if answered is not None:
        raise FeedbackLinkError(SPENT, 410)
    return ticket


# --- the evidence ------------------------------------------------------------------------


MISSING_NAME = (
    "Give your name as you would like it to appear, "
    "or untick the box to send your answer without it."
)


def missing_statement(first_name: str) -> str:
    return (
        f"Tell us in your own words what {first_name} did well, "
        "or untick the box to send your answer without it."
    )


def check_testimony(
    first_name: str, *, did_well: str, consent: bool, witness_name: str, contact: str
) -> tuple[str, str] | None:
    """The first problem with what the customer gave, as (field, message), or None."""
    if len(did_well) > STATEMENT_MAX:
        return "did_well", f"Keep this under {STATEMENT_MAX:,} characters."
    if not consent:
        return None  # ordinary feedback: the name and contact are not kept
    if len(witness_name.strip()) > WITNESS_NAME_MAX:
        return "witness_name", f"Keep your name under {WITNESS_NAME_MAX} characters."
    if len(contact.strip()) > CONTACT_MAX:
        return "witness_contact", f"Keep the contact details under {CONTACT_MAX} characters."
    if not did_well.strip():
        return "did_well", missing_statement(first_name)
    if not witness_name.strip():
        return "witness_name", MISSING_NAME
    return None


def _pc_codes(learner: User, ticket: Ticket, framework: str) -> list[str]:
    """The distinct PCs the learner's live (not untagged) evidence on the ticket speaks to."""
    found = set(
        db.session.scalars(
            select(EvidenceCode.code)
            .join(EvidenceRecord, EvidenceCode.evidence_id == EvidenceRecord.id)
            .where(
                EvidenceRecord.learner_id == learner.id,
                EvidenceRecord.ticket_id == ticket.id,
                EvidenceRecord.framework == framework,
                EvidenceRecord.method != "WT",  # what the events evidence, not testimony
                EvidenceCode.kind == CodeKind.PC,
                EvidenceCode.untagged_at.is_(None),
            )
        )
    )
    fw = catalogue().frameworks.get(framework)
    order = {pc.code: i for i, pc in enumerate(fw.pcs)} if fw else {}
    return sorted(found, key=lambda c: (order.get(c, len(order)), c))


# What a customer's words speak to: the action (frameworks/data/mapping.json) whose PCs
# a statement witnesses when it uses one of these words. Kept small so an assessor can
# see why a PC was suggested; the assessor confirms or untags each one.
STATEMENT_WORDS: dict[str, tuple[str, ...]] = {
    "acknowledged": ("listen", "heard", "understood", "understand"),
    "question": ("asked", "question"),
    "option_agreed": ("option", "choice", "choose", "agreed"),
    "promise_kept": (
        "promise",
        "rang me back",
        "called me back",
        "call back",
        "said she would",
        "said he would",
        "said they would",
        "kept their word",
        "on time",
    ),
    "update": ("informed", "updated", "update", "kept me", "told me", "in the loop", "posted"),
    "closed_unresolved": ("explained why", "reason", "honest"),
}


def spoken_to(response: SatisfactionResponse, framework: str) -> set[str]:
    """The PCs the customer's answer speaks to: the words of the statement, and a "yes,
    it is solved" for the check that it was solved to their satisfaction."""
    said = " ".join((response.did_well or "").lower().split())
    actions = {action for action, words in STATEMENT_WORDS.items() if any(w in said for w in words)}
    if response.solved:
        actions.add("customer_confirmed")
    mapping = catalogue().actions
    return {c for a in actions if a in mapping for c in mapping[a].codes.get(framework, ())}


def _summary(ticket: Ticket, statement: str) -> str:
    said = " ".join(statement.split())
    if len(said) > 240:
        said = said[:237].rstrip() + "…"
    return f"Witness testimony from the customer on {ticket.reference}: “{said}”"


def record_testimony(
    ticket: Ticket,
    response: SatisfactionResponse,
    witness_name: str,
    contact: str,
    *,
    learner: User | None = None,
    event: TicketEvent | None = None,
) -> EvidenceRecord | None:
    """Turn a consented answer into WT evidence for the learner who handled the ticket.

    The statement is ``response.did_well`` exactly as typed. Added to the session; the
    caller commits. Returns None when no one in learner mode handled the ticket.
    """
    learner = learner or learner_for(ticket)
    profile = learner_profile(learner)
    if learner is None or profile is None:
        return None
    statement = response.did_well or ""
    if not statement.strip() or not witness_name.strip():
        raise ValueError("testimony needs a statement and the witness's name")
    now = utcnow()
    # Only what the ticket's work shows and the customer's answer speaks to.
    spoken = spoken_to(response, profile.framework)
    codes = [c for c in _pc_codes(learner, ticket, profile.framework) if c in spoken]
    record = EvidenceRecord(
        learner=learner,
        framework=profile.framework,
        action="customer_confirmed",
        method="WT",
        ticket=ticket,
        ticket_event=event,
        summary=_summary(ticket, statement),
        is_simulated=ticket.is_simulated,
        occurred_at=now,
        codes=[EvidenceCode(code=c, kind=CodeKind.PC) for c in codes],
    )
    record.testimony = WitnessTestimony(
        ticket_id=ticket.id,
        witness_name=witness_name.strip(),
        relationship_to_learner=RELATIONSHIP,
        contact=contact.strip(),
        statement=statement,
        consented_at=now,
    )
    db.session.add(record)
    return record
