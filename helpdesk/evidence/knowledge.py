"""Knowledge evidence: the assessor's questioning (Q) or professional discussion (PD)
against knowledge items, and the learner's written answers (WR) for the assessor to mark.

A decided record becomes knowledge evidence in the portfolio (Q, PD, or WP for a written
answer), accepted when met and rejected (with the feedback) when not: an item is met only
this way, never by what the learner's ticket work merely suggests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select

from helpdesk.domain import CodeKind, EvidenceStatus, KnowledgeOutcome, NotificationKind
from helpdesk.evidence.decisions import (
    FEEDBACK_MAX,
    AssessmentError,
    already_decided,
    check_assessor,
    clean_text,
    initials,
    profile_for,
)
from helpdesk.extensions import db
from helpdesk.frameworks import Framework, catalogue
from helpdesk.idempotency import first_made, flush_or_first, replayed
from helpdesk.locking import reread_locked
from helpdesk.models import EvidenceCode, EvidenceRecord, KnowledgeRecord, User
from helpdesk.models.types import utcnow
from helpdesk.notifications.services import notify_staff

METHODS = {"Q": "Questioning", "PD": "Professional discussion", "WR": "Written answer"}
ASSESSOR_METHODS = ("Q", "PD")
OUTCOMES: dict[str, str] = {KnowledgeOutcome.MET: "Met", KnowledgeOutcome.NOT_MET: "Not met"}
# A knowledge record's method -> the evidence log's method key and the evidence action.
EVIDENCE = {
    "Q": ("Q", "knowledge_questioning"),
    "PD": ("PD", "knowledge_discussion"),
    "WR": ("WP", "knowledge_written"),
}
TEXT_MAX = 8000


def _framework(learner: User | int) -> Framework:
    return catalogue().frameworks[profile_for(learner).framework]


def _knowledge_codes(framework: Framework, codes: Iterable[str]) -> list[str]:
    chosen = set(codes)
    found = [k.code for k in framework.knowledge if k.code in chosen]
    if not found:
        raise AssessmentError("Tick the knowledge items it covers.", "codes")
    if len(found) != len(chosen):
        raise AssessmentError("Choose knowledge items from the list.", "codes")
    return found


def _outcome(outcome: str, feedback: str | None) -> str:
    if outcome not in OUTCOMES:
        raise AssessmentError("Choose met or not met.", "outcome")
    if outcome == KnowledgeOutcome.NOT_MET and not (feedback or "").strip():
        raise AssessmentError("Say what was missing: the learner sees your feedback.", "feedback")
    return clean_text(feedback, "feedback", "The feedback", FEEDBACK_MAX, required=False)


def _write_evidence(record: KnowledgeRecord) -> EvidenceRecord:
    method, action = EVIDENCE[record.method]
    codes = ", ".join(record.codes)
    evidence = EvidenceRecord(
        learner_id=record.learner_id,
        framework=record.framework,
        action=action,
        method=method,
        summary=f"{METHODS[record.method]} on knowledge {codes} (knowledge record {record.id}).",
        status=EvidenceStatus.ACCEPTED if record.is_met else EvidenceStatus.REJECTED,
        assessor_id=record.assessor_id,
        assessor_initials=record.assessor_initials,
        feedback=record.feedback,
        decided_at=record.decided_at,
        occurred_at=record.decided_at or utcnow(),
        codes=[EvidenceCode(code=c, kind=CodeKind.KNOWLEDGE) for c in record.codes],
    )
    db.session.add(evidence)
    return evidence


def _tell(record: KnowledgeRecord, assessor: User) -> None:
    learner = db.session.get(User, record.learner_id)
    what = "marked your written answer" if record.method == "WR" else "recorded knowledge evidence"
    text = f"{assessor.name} {what} ({', '.join(record.codes)}): {OUTCOMES[record.outcome]}."
    notify_staff(
        [learner], NotificationKind.KNOWLEDGE, text, url=f"/portfolio/{record.learner_id}/knowledge"
    )


def record_knowledge(
    assessor: User,
    learner: User,
    method: str,
    codes: Iterable[str],
    questions: str,
    answers: str,
    outcome: str,
    feedback: str = "",
    *,
    idempotency_key: str | None = None,
) -> KnowledgeRecord:
    """Record questioning or a professional discussion, decided at once.

    A replayed post (the same ``idempotency_key``) returns the record the first one
    made, before any check: no second evidence record and no second notice.

    :raise AssessmentError: 403 not the learner's assessor; 409 a key another post used;
        422 (with the field) for a method other than Q or PD, codes not knowledge items of
        the learner's framework, empty questions or answers, an unknown outcome, or no
        feedback when not met.
    """
    idempotency_key = idempotency_key or None
    if (earlier := first_made(KnowledgeRecord, idempotency_key)) is not None:
        return _replayed(earlier, assessor, learner)
    profile = check_assessor(assessor, learner)
    framework = catalogue().frameworks[profile.framework]
    if method not in ASSESSOR_METHODS:
        raise AssessmentError("Choose questioning or professional discussion.", "method")
    found = _knowledge_codes(framework, codes)
    questions = clean_text(questions, "questions", "The questions", TEXT_MAX, required=True)
    answers = clean_text(answers, "answers", "The answers", TEXT_MAX, required=True)
    text = _outcome(outcome, feedback)
    record = KnowledgeRecord(
        learner_id=profile.user_id,
        assessor_id=assessor.id,
        framework=framework.code,
        method=method,
        codes=found,
        questions=questions,
        answers=answers,
        outcome=outcome,
        feedback=text,
        assessor_initials=initials(assessor),
        decided_at=utcnow(),
        idempotency_key=idempotency_key,
    )
    db.session.add(record)
    # The id goes into the evidence summary: a racing replay's key shows here.
    if (earlier := flush_or_first(KnowledgeRecord, idempotency_key)) is not None:
        return _replayed(earlier, assessor, learner)
    _write_evidence(record)
    _tell(record, assessor)
    if (earlier := flush_or_first(KnowledgeRecord, idempotency_key)) is not None:
        return _replayed(earlier, assessor, learner)
    return record


def _replayed(record: KnowledgeRecord, assessor: User, learner: User) -> KnowledgeRecord:
    """The record an earlier post of this form made; a key another form's post used is
    refused (it is not a replay of this one).

    :raise AssessmentError: 409 when the key made something else.
    """
    ours = (
        record.assessor_id == assessor.id
        and record.learner_id == learner.id
        and record.method in ASSESSOR_METHODS
    )
    return replayed(record, ours, already_decided)


def write_answer(learner: User, code: str, answer: str) -> KnowledgeRecord:
    """The learner's written answer to one knowledge item, pending the assessor's mark;
    the same answer sent twice (a double click) is kept once.

    :raise AssessmentError: 404 not in learner mode, 422 for a code that is not a
        knowledge item of their framework or an empty answer.
    """
    framework = _framework(learner)
    item = next((k for k in framework.knowledge if k.code == code), None)
    if item is None:
        raise AssessmentError("Choose a knowledge item from the list.", "code")
    answer = clean_text(answer, "answer", "Your answer", TEXT_MAX, required=True)
    same = db.session.scalar(
        select(KnowledgeRecord).where(
            KnowledgeRecord.learner_id == learner.id,
            KnowledgeRecord.method == "WR",
            KnowledgeRecord.outcome == KnowledgeOutcome.PENDING,
            KnowledgeRecord.answers == answer,
        )
    )
    if same is not None and same.codes == [item.code]:
        return same
    record = KnowledgeRecord(
        learner_id=learner.id,
        framework=framework.code,
        method="WR",
        codes=[item.code],
        questions=f"{item.code} {item.text}",
        answers=answer,
        outcome=KnowledgeOutcome.PENDING,
    )
    db.session.add(record)
    db.session.flush()
    return record


def mark_answer(
    record: KnowledgeRecord, assessor: User, outcome: str, feedback: str = ""
) -> KnowledgeRecord:
    """Mark a written answer met or not met (feedback required when not met).

    :raise AssessmentError: 403 not the learner's assessor, 409 not a written answer or
        already marked, 422 for the outcome or feedback.
    """
    check_assessor(assessor, record.learner_id)
    text = _outcome(outcome, feedback)
    if record.method != "WR":
        raise AssessmentError("Only written answers are marked.", status=409)
    found = reread_locked(record)
    if not found.is_pending:
        who = f" by {found.assessor_initials}" if found.assessor_initials else ""
        raise AssessmentError(f"This answer was already marked{who}.", status=409)
    found.outcome = outcome
    found.feedback = text
    found.assessor_id = assessor.id
    found.assessor_initials = initials(assessor)
    found.decided_at = utcnow()
    _write_evidence(found)
    _tell(found, assessor)
    db.session.flush()
    return found


def knowledge_records(learner_id: int) -> list[KnowledgeRecord]:
    """The learner's knowledge records, newest first."""
    return list(
        db.session.scalars(
            select(KnowledgeRecord)
            .where(KnowledgeRecord.learner_id == learner_id)
            .order_by(KnowledgeRecord.id.desc())
        )
    )


def pending_answers(learner_id: int) -> list[KnowledgeRecord]:
    """Written answers awaiting the assessor's mark, oldest first."""
    return list(
        db.session.scalars(
            select(KnowledgeRecord)
            .where(
                KnowledgeRecord.learner_id == learner_id,
                KnowledgeRecord.method == "WR",
                KnowledgeRecord.outcome == KnowledgeOutcome.PENDING,
            )
            .order_by(KnowledgeRecord.id)
        )
    )


def pending_answer_counts(learner_ids: Sequence[int]) -> dict[int, int]:
    """Written answers awaiting a mark, per learner, in one query."""
    if not learner_ids:
        return {}
    rows = db.session.execute(
        select(KnowledgeRecord.learner_id, func.count(KnowledgeRecord.id))
        .where(
            KnowledgeRecord.learner_id.in_(learner_ids),
            KnowledgeRecord.method == "WR",
            KnowledgeRecord.outcome == KnowledgeOutcome.PENDING,
        )
        .group_by(KnowledgeRecord.learner_id)
    )
    return {int(learner_id): int(n) for learner_id, n in rows}
