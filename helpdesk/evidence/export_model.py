"""The export's model: the portfolio as an external verifier gets it, redacted once.

``build_export`` reads the portfolio once and passes every text through the portfolio's
own redaction (``portfolio_context``, as the pages do): customers are "Customer A, B…",
and their names, emails, phones, addresses and order numbers are gone. A witness is
shown as their customer letter with the relationship and the consent date; the name and
contact they gave stay with the centre. The renderers (``export``) draw only from this.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from helpdesk.domain import CodeKind, KnowledgeOutcome
from helpdesk.evidence.portfolio import STATUSES, Portfolio, build, current_records
from helpdesk.evidence.redaction import RedactionContext, portfolio_context
from helpdesk.evidence.reflections import reflections_for
from helpdesk.evidence.scope import counts
from helpdesk.extensions import db
from helpdesk.frameworks import METHODS, Framework, catalogue
from helpdesk.models import (
    EvidenceRecord,
    KnowledgeRecord,
    LearnerProfile,
    Observation,
    ReflectiveAccount,
    SignOff,
    User,
)
from helpdesk.models.types import utcnow

KNOWLEDGE_METHODS = {"Q": "Questioning", "PD": "Professional discussion", "WR": "Written answer"}
OUTCOMES: dict[str, str] = {
    KnowledgeOutcome.MET: "Met",
    KnowledgeOutcome.NOT_MET: "Not met",
    KnowledgeOutcome.PENDING: "Awaiting marking",
}


def initials(user: User | None) -> str:
    """'Ari Assessor' -> 'AA'."""
    if user is None:
        return ""
    return "".join(word[0] for word in user.name.split() if word[:1].isalpha()).upper()


@dataclass(frozen=True)
class SignOffState:
    signed: bool
    words: str
    learner_declared_at: datetime | None = None
    assessor_declared_at: datetime | None = None
    signed_off_at: datetime | None = None


@dataclass(frozen=True)
class Cover:
    learner: str
    organisation: str
    framework_code: str
    framework_title: str
    framework_source: str
    assessors: tuple[str, ...]
    started_at: datetime
    first_evidence: datetime | None
    last_evidence: datetime | None
    generated_at: datetime
    sign_off: SignOffState
    pcs_met: int
    pcs_total: int
    totals: dict[str, int]
    missing: int
    other_framework: int


@dataclass(frozen=True)
class LogRow:
    """One line of the evidence log, in the unit's layout."""

    no: int
    method: str
    method_name: str
    summary: str
    reference: str
    criteria: tuple[str, ...]
    knowledge: tuple[str, ...]
    status: str
    initials: str
    occurred_at: datetime
    decided_at: datetime | None
    feedback: str
    note: str
    simulated: bool


@dataclass(frozen=True)
class TestimonyRow:
    no: int
    witness: str
    relationship: str
    consented_at: datetime
    statement: str
    reference: str
    criteria: tuple[str, ...]
    status: str
    initials: str


@dataclass(frozen=True)
class Pin:
    at: datetime
    comment: str


@dataclass(frozen=True)
class ObservationRow:
    no: int
    observed_on: datetime
    assessor: str
    initials: str
    place: str
    activity: str
    criteria: tuple[str, ...]
    judgement: str
    comments: str
    learner_comments: str
    references: tuple[str, ...]
    assessor_confirmed_at: datetime | None
    learner_confirmed_at: datetime | None
    pins: tuple[Pin, ...]


@dataclass(frozen=True)
class KnowledgeRow:
    no: int
    created_at: datetime
    method: str
    method_name: str
    criteria: tuple[str, ...]
    questions: str
    answers: str
    outcome: str
    feedback: str
    initials: str
    decided_at: datetime | None


@dataclass(frozen=True)
class ReflectionRow:
    no: int
    created_at: datetime
    title: str
    reference: str
    criteria: tuple[str, ...]
    situation: str
    task: str
    action: str
    result: str


@dataclass(frozen=True)
class PortfolioExport:
    """Everything the verifier gets, every text already redacted."""

    learner_id: int
    framework: Framework
    cover: Cover
    portfolio: Portfolio
    log: tuple[LogRow, ...]
    testimonies: tuple[TestimonyRow, ...]
    observations: tuple[ObservationRow, ...]
    knowledge: tuple[KnowledgeRow, ...]
    reflections: tuple[ReflectionRow, ...]


def _reference(record: EvidenceRecord) -> str:
    if record.ticket is not None:
        return f"Ticket {record.ticket.reference}"
    if record.problem_event is not None:
        return f"Problem record {record.problem_event.problem.reference}"
    return f"Evidence {record.id}"


def _codes(record: EvidenceRecord, kind: str) -> tuple[str, ...]:
    return tuple(c.code for c in record.live_codes if c.kind == kind)


def _log_row(record: EvidenceRecord, redact: Callable[[str], str]) -> LogRow:
    return LogRow(
        no=record.id,
        method=record.method,
        method_name=METHODS.get(record.method, record.method),
        summary=redact(record.summary),
        reference=_reference(record),
        criteria=_codes(record, CodeKind.PC),
        knowledge=_codes(record, CodeKind.KNOWLEDGE),
        status=STATUSES.get(record.status, record.status),
        initials=record.assessor_initials,
        occurred_at=record.occurred_at,
        decided_at=record.decided_at,
        feedback=redact(record.feedback),
        note=redact(record.note),
        simulated=not counts(record),
    )


def _testimony_row(record: EvidenceRecord, context: RedactionContext) -> TestimonyRow | None:
    found = record.testimony
    if found is None:
        return None
    customer = record.ticket.customer_id if record.ticket is not None else None
    witness = context.label_for(customer) if customer else context.redact(found.witness_name)
    return TestimonyRow(
        no=record.id,
        witness=witness,
        relationship=found.relationship_to_learner,
        consented_at=found.consented_at,
        statement=context.redact(found.statement),
        reference=_reference(record),
        criteria=_codes(record, CodeKind.PC),
        status=STATUSES.get(record.status, record.status),
        initials=record.assessor_initials,
    )


def _observations(
    learner_id: int, framework: str, redact: Callable[[str], str]
) -> list[ObservationRow]:
    rows = db.session.scalars(
        select(Observation)
        .where(Observation.learner_id == learner_id, Observation.framework == framework)
        .order_by(Observation.observed_on, Observation.id)
    )
    return [
        ObservationRow(
            no=o.id,
            observed_on=o.observed_on,
            assessor=o.assessor.name if o.assessor else "",
            initials=initials(o.assessor),
            place=redact(o.place),
            activity=redact(o.activity),
            criteria=tuple(str(c) for c in o.codes or ()),
            judgement=OUTCOMES.get(o.judgement, o.judgement),
            comments=redact(o.comments),
            learner_comments=redact(o.learner_comments),
            references=tuple(t.reference for t in o.tickets),
            assessor_confirmed_at=o.assessor_confirmed_at,
            learner_confirmed_at=o.learner_confirmed_at,
            pins=tuple(Pin(p.created_at, redact(p.comment)) for p in o.pins),
        )
        for o in rows
    ]


def _knowledge(learner_id: int, framework: str, redact: Callable[[str], str]) -> list[KnowledgeRow]:
    rows = db.session.scalars(
        select(KnowledgeRecord)
        .where(KnowledgeRecord.learner_id == learner_id, KnowledgeRecord.framework == framework)
        .order_by(KnowledgeRecord.created_at, KnowledgeRecord.id)
    )
    return [
        KnowledgeRow(
            no=k.id,
            created_at=k.created_at,
            method=k.method,
            method_name=KNOWLEDGE_METHODS.get(k.method, METHODS.get(k.method, k.method)),
            criteria=tuple(str(c) for c in k.codes or ()),
            questions=redact(k.questions),
            answers=redact(k.answers),
            outcome=OUTCOMES.get(k.outcome, k.outcome),
            feedback=redact(k.feedback),
            initials=k.assessor_initials or initials(k.assessor),
            decided_at=k.decided_at,
        )
        for k in rows
    ]


def _reflection_row(account: ReflectiveAccount, redact: Callable[[str], str]) -> ReflectionRow:
    return ReflectionRow(
        no=account.id,
        created_at=account.created_at,
        title=redact(account.title),
        reference=f"Ticket {account.ticket.reference}" if account.ticket else "",
        criteria=tuple(str(c) for c in account.codes or ()),
        situation=redact(account.situation),
        task=redact(account.task),
        action=redact(account.action),
        result=redact(account.result),
    )


def sign_off_state(
    learner_id: int, framework: str, missing: int, version: int | None = None
) -> SignOffState:
    """Signed off (with the date), declared by one side so far, or not yet and why.

    ``missing`` is counted against the rule version the sign-off was given under: a
    sign-off whose own rules are no longer all met (a decision changed since) is not
    shown as "Signed off"."""
    found = db.session.scalar(
        select(SignOff)
        .where(SignOff.learner_id == learner_id, SignOff.framework == framework)
        .order_by(SignOff.id.desc())
        .limit(1)
    )
    dates = {}
    if found is not None:
        dates = {
            "learner_declared_at": found.learner_declared_at,
            "assessor_declared_at": found.assessor_declared_at,
            "signed_off_at": found.signed_off_at,
        }
        if found.signed_off_at is not None and not missing:
            return SignOffState(True, "Signed off", **dates)
        if found.signed_off_at is not None:
            under = f" under rule version {version}" if version else ""
            return SignOffState(
                False,
                f"Signed off on {found.signed_off_at:%d %B %Y}{under}, but {missing} of "
                "that version's requirements are no longer met: awaiting the assessor's review",
                **dates,
            )
    words = "Not signed off"
    if dates.get("learner_declared_at") or dates.get("assessor_declared_at"):
        words += ": declared by " + (
            "the learner" if dates.get("learner_declared_at") else "the assessor"
        )
    if missing:
        words += f"; {missing} of the framework's requirements not yet met"
    return SignOffState(False, words, **dates)


def build_export(profile: LearnerProfile) -> PortfolioExport:
    """The whole portfolio of one learner as the verifier gets it, redacted once."""
    framework = catalogue().frameworks[profile.framework]
    context = portfolio_context(profile.user_id)
    redact = context.redact
    every = current_records(profile.user_id)
    records: Sequence[EvidenceRecord] = [r for r in every if r.framework == framework.code]
    portfolio = build(profile, records)
    log = tuple(_log_row(r, redact) for r in records)
    testimonies = tuple(t for r in records if (t := _testimony_row(r, context)) is not None)
    reflections = tuple(
        _reflection_row(a, redact) for a in reversed(reflections_for(profile.user_id))
    )
    dates = [r.occurred_at for r in records]
    cover = Cover(
        learner=profile.user.name,
        organisation=str(current_app.config.get("ORGANISATION_NAME", "")),
        framework_code=framework.code,
        framework_title=framework.title,
        framework_source=framework.source,
        assessors=tuple(a.name for a in profile.assessors),
        started_at=profile.started_at,
        first_evidence=min(dates) if dates else None,
        last_evidence=max(dates) if dates else None,
        generated_at=utcnow(),
        sign_off=sign_off_state(
            profile.user_id, framework.code, len(portfolio.missing), portfolio.rule.version
        ),
        pcs_met=portfolio.pcs_met,
        pcs_total=len(portfolio.pcs),
        totals=dict(portfolio.totals),
        missing=len(portfolio.missing),
        other_framework=len(every) - len(records),
    )
    return PortfolioExport(
        learner_id=profile.user_id,
        framework=framework,
        cover=cover,
        portfolio=portfolio,
        log=log,
        testimonies=testimonies,
        observations=tuple(_observations(profile.user_id, framework.code, redact)),
        knowledge=tuple(_knowledge(profile.user_id, framework.code, redact)),
        reflections=reflections,
    )
