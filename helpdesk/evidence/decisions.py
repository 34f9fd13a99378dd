"""The assessor's decisions on evidence: accept or reject with feedback, one by one or in
bulk; a decided record never changes, and a re-decision is a new record that keeps it.

Only an assessor the learner's profile names may decide (never the learner on their own
evidence). The learner is told in-app, in the same commit as the decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from helpdesk.domain import CodeKind, EvidenceStatus, NotificationKind
from helpdesk.evidence.capture import learner_profile
from helpdesk.evidence.services import EvidenceError
from helpdesk.extensions import db
from helpdesk.locking import reread_locked
from helpdesk.models import (
    EvidenceCode,
    EvidenceRecord,
    LearnerProfile,
    User,
    WitnessTestimony,
)
from helpdesk.models.types import utcnow
from helpdesk.notifications.services import notify_staff
from helpdesk.permissions import is_assessor_of
from helpdesk.validation import required_text

FEEDBACK_MAX = 4000
# Evidence an observation or a knowledge record wrote: its judgement is that record's.
RECORDED_ACTIONS = frozenset(
    {"observation", "knowledge_questioning", "knowledge_discussion", "knowledge_written"}
)


class AssessmentError(EvidenceError):
    """A refused assessment step: 403 not theirs to assess, 409 already decided or
    replaced, 422 what was typed (``field`` names the input)."""


def already_decided(message: str) -> AssessmentError:
    """A 409 refusal: done already, or by another form."""
    return AssessmentError(message, status=409)


def initials(user: User) -> str:
    """'Ari Assessor' -> 'AA': what the evidence log's "Assessor initials" column shows."""
    words = [w for w in (user.name or "").replace("-", " ").split() if w[:1].isalpha()]
    found = "".join(w[0].upper() for w in words[:4])
    return found or (user.email[:1].upper() if user.email else "?")


def profile_for(learner: User | LearnerProfile | int) -> LearnerProfile:
    """The learner's profile.

    :raise AssessmentError: 404 when that person is not in learner mode.
    """
    if isinstance(learner, LearnerProfile):
        return learner
    user = db.session.get(User, learner) if isinstance(learner, int) else learner
    profile = learner_profile(user)
    if profile is None:
        raise AssessmentError("That person is not in learner mode.", status=404)
    return profile


def check_assessor(assessor: User | None, learner: User | LearnerProfile | int) -> LearnerProfile:
    """The learner's profile, when ``assessor`` is one of their assessors.

    :raise AssessmentError: 403 for anyone else, and for the learner themselves.
    """
    profile = profile_for(learner)
    if assessor is None or assessor.id == profile.user_id:
        raise AssessmentError("Learners cannot assess their own work.", status=403)
    if not is_assessor_of(assessor, profile):
        raise AssessmentError("Only the learner's assessor can do this.", status=403)
    return profile


def clean_text(value: str | None, field: str, label: str, max_len: int, *, required: bool) -> str:
    """Trimmed text within its limit.

    :raise AssessmentError: 422 when required and empty, or too long.
    """
    return required_text(value, field, label, max_len, AssessmentError, required=required)


def _feedback(accept: bool, feedback: str | None) -> str:
    if not accept and not (feedback or "").strip():
        raise AssessmentError("Say why it is rejected: the learner sees your feedback.", "feedback")
    return clean_text(feedback, "feedback", "The feedback", FEEDBACK_MAX, required=False)


def newer_than(record: EvidenceRecord) -> EvidenceRecord | None:
    """The decision that replaced ``record``, if any."""
    return db.session.scalar(
        select(EvidenceRecord).where(EvidenceRecord.supersedes_id == record.id).limit(1)
    )


def newest_in_chain(record: EvidenceRecord) -> EvidenceRecord:
    """Follow ``supersedes_id`` forwards to the decision that counts now."""
    seen = {record.id}
    while (newer := newer_than(record)) is not None and newer.id not in seen:
        seen.add(newer.id)
        record = newer
    return record


def _refuse(message: str, status: int) -> AssessmentError:
    return AssessmentError(message, status=status)


def decided_words(record: EvidenceRecord) -> str:
    who = f" by {record.assessor_initials}" if record.assessor_initials else ""
    return f"Evidence {record.id} was already {record.status}{who}"


def _stamp(record: EvidenceRecord, assessor: User, accept: bool, feedback: str) -> None:
    record.status = EvidenceStatus.ACCEPTED if accept else EvidenceStatus.REJECTED
    record.assessor_id = assessor.id
    record.assessor_initials = initials(assessor)
    record.feedback = feedback
    record.decided_at = utcnow()


def _tell(learner_id: int, assessor: User, records: Sequence[EvidenceRecord]) -> None:
    """One in-app notice for the learner about these decisions (no ticket text in it)."""
    learner = db.session.get(User, learner_id)
    if learner is None or not records:
        return
    if len(records) == 1:
        record = records[0]
        text = f"{assessor.name} {record.status} your evidence {record.id}"
        text += ": see the feedback." if record.feedback else "."
        url = f"/portfolio/{learner_id}/evidence/{record.id}"
    else:
        statuses = {r.status for r in records}
        how = statuses.pop() if len(statuses) == 1 else "decided"
        text = f"{assessor.name} {how} {len(records)} pieces of your evidence."
        url = f"/portfolio/{learner_id}/evidence"
    notify_staff([learner], NotificationKind.EVIDENCE_DECIDED, text, url=url)


def _decide_one(record: EvidenceRecord, assessor: User, accept: bool, feedback: str) -> None:
    if record.action in RECORDED_ACTIONS:
        raise _refuse("This evidence follows its observation or knowledge record.", 409)
    record = reread_locked(record)
    if record.decided:
        raise _refuse(f"{decided_words(record)}: change it with a new decision.", 409)
    if newer_than(record) is not None:
        raise _refuse(f"Evidence {record.id} was replaced by a newer decision.", 409)
    _stamp(record, assessor, accept, feedback)


def _refuse_field(message: str, field: str) -> AssessmentError:
    return AssessmentError(message, field)


def _accept_only(record: EvidenceRecord, pcs: Iterable[str], feedback: str) -> None:
    """Accept for some PCs only: the others are untagged, with the assessor's words.

    :raise AssessmentError: 422 (field ``pcs``) for none chosen, or a PC it is not tagged
        with, or no feedback saying why the rest are left out.
    """
    chosen = set(pcs)
    live = {c.code: c for c in record.codes if c.is_pc and c.untagged_at is None}
    if not chosen:
        raise _refuse_field("Accept it for at least one PC, or reject it.", "pcs")
    if not chosen <= set(live):
        raise _refuse_field("Choose from the PCs this evidence is tagged with.", "pcs")
    left_out = [c for code, c in live.items() if code not in chosen]
    if left_out and not feedback:
        raise _refuse_field("Say why it is not accepted for the other PCs.", "feedback")
    now = utcnow()
    for code in left_out:
        code.untagged_at = now
        code.untag_reason = f"Not accepted for this PC by the assessor: {feedback}"


def decide(
    record: EvidenceRecord,
    assessor: User,
    accept: bool,
    feedback: str = "",
    *,
    pcs: Iterable[str] | None = None,
) -> EvidenceRecord:
    """Accept or reject one pending record, with feedback (required when rejecting);
    ``pcs`` accepts it for those PCs only (the rest are untagged, with the feedback).

    :raise AssessmentError: 403 not the learner's assessor, 409 already decided or
        replaced, 422 no feedback for a rejection (or too long), or bad ``pcs``.
    """
    check_assessor(assessor, record.learner_id)
    text = _feedback(accept, feedback)
    _decide_one(record, assessor, accept, text)
    if accept and pcs is not None:
        _accept_only(record, pcs, text)
    _tell(record.learner_id, assessor, [record])
    db.session.flush()
    return record


def decide_many(
    records: Iterable[EvidenceRecord], assessor: User, accept: bool, feedback: str = ""
) -> list[EvidenceRecord]:
    """Accept or reject several pending records with one feedback; those decided (or
    replaced) a moment ago by someone else are left as they are.

    :raise AssessmentError: 403 when any is not the assessor's learner's, 422 no records
        or no feedback for a rejection.
    """
    chosen = list({r.id: r for r in records}.values())
    if not chosen:
        raise AssessmentError("Choose the evidence to decide.", "ids")
    for learner_id in {r.learner_id for r in chosen}:
        check_assessor(assessor, learner_id)
    text = _feedback(accept, feedback)
    done: list[EvidenceRecord] = []
    for record in chosen:
        if record.action in RECORDED_ACTIONS:
            continue
        record = reread_locked(record)
        if record.decided or newer_than(record) is not None:
            continue
        _stamp(record, assessor, accept, text)
        done.append(record)
    for learner_id in sorted({r.learner_id for r in done}):
        _tell(learner_id, assessor, [r for r in done if r.learner_id == learner_id])
    db.session.flush()
    return done


def _copy_codes(record: EvidenceRecord) -> list[EvidenceCode]:
    return [
        EvidenceCode(
            code=c.code, kind=c.kind, untagged_at=c.untagged_at, untag_reason=c.untag_reason
        )
        for c in record.codes
    ]


def _copy_testimony(found: WitnessTestimony) -> WitnessTestimony:
    """The witness's statement goes with the evidence it makes (the old row stays too)."""
    return WitnessTestimony(
        ticket_id=found.ticket_id,
        witness_name=found.witness_name,
        relationship_to_learner=found.relationship_to_learner,
        contact=found.contact,
        statement=found.statement,
        consented_at=found.consented_at,
    )


def redecide(
    record: EvidenceRecord, assessor: User, accept: bool, feedback: str = ""
) -> EvidenceRecord:
    """Change a decision: a NEW record copying the evidence, ``supersedes_id`` the old one
    (which stays as it was); the portfolio counts only the newest of a chain.

    :raise AssessmentError: 403 not the learner's assessor, 409 still pending (decide it),
        already replaced, or written by an observation or knowledge record; 422 feedback.
    """
    check_assessor(assessor, record.learner_id)
    text = _feedback(accept, feedback)
    if record.action in RECORDED_ACTIONS:
        raise AssessmentError(
            "This evidence follows its observation or knowledge record: record a new one.",
            status=409,
        )
    old = reread_locked(record)
    if not old.decided:
        raise _refuse(f"Evidence {old.id} is still pending: decide it first.", 409)
    if newer_than(old) is not None:
        raise _refuse(f"Evidence {old.id} was already replaced by a newer decision.", 409)
    new = EvidenceRecord(
        learner_id=old.learner_id,
        framework=old.framework,
        action=old.action,
        method=old.method,
        ticket_id=old.ticket_id,
        ticket_event_id=old.ticket_event_id,
        problem_event_id=old.problem_event_id,
        summary=old.summary,
        note=old.note,
        is_simulated=old.is_simulated,
        occurred_at=old.occurred_at,
        supersedes_id=old.id,
        codes=_copy_codes(old),
    )
    if old.testimony is not None:
        new.testimony = _copy_testimony(old.testimony)
    _stamp(new, assessor, accept, text)
    db.session.add(new)
    db.session.flush()
    _tell(old.learner_id, assessor, [new])
    db.session.flush()
    return new


def pending_records(learner_id: int, pc: str = "") -> list[EvidenceRecord]:
    """The learner's current evidence awaiting a decision, oldest first (``pc`` filters)."""
    newer = aliased(EvidenceRecord)
    stmt = select(EvidenceRecord).where(
        EvidenceRecord.learner_id == learner_id,
        EvidenceRecord.status == EvidenceStatus.PENDING,
        ~exists().where(newer.supersedes_id == EvidenceRecord.id),
    )
    if pc:
        stmt = stmt.where(
            exists().where(
                EvidenceCode.evidence_id == EvidenceRecord.id,
                EvidenceCode.code == pc,
                EvidenceCode.kind == CodeKind.PC,
                EvidenceCode.untagged_at.is_(None),
            )
        )
    return list(db.session.scalars(stmt.order_by(EvidenceRecord.occurred_at, EvidenceRecord.id)))


def decided_records(learner_id: int, pc: str = "", limit: int = 50) -> list[EvidenceRecord]:
    """The learner's current decisions, newest first, for a change of mind."""
    newer = aliased(EvidenceRecord)
    stmt = select(EvidenceRecord).where(
        EvidenceRecord.learner_id == learner_id,
        EvidenceRecord.status != EvidenceStatus.PENDING,
        EvidenceRecord.action.not_in(RECORDED_ACTIONS),
        ~exists().where(newer.supersedes_id == EvidenceRecord.id),
    )
    if pc:
        stmt = stmt.where(
            exists().where(
                EvidenceCode.evidence_id == EvidenceRecord.id,
                EvidenceCode.code == pc,
                EvidenceCode.kind == CodeKind.PC,
                EvidenceCode.untagged_at.is_(None),
            )
        )
    order = (EvidenceRecord.decided_at.desc(), EvidenceRecord.id.desc())
    return list(db.session.scalars(stmt.order_by(*order).limit(limit)))


def records_of(learner_id: int, ids: Iterable[object]) -> list[EvidenceRecord]:
    """The learner's records among ``ids`` as posted (anything not an id is ignored)."""
    wanted = {int(str(i)) for i in ids if str(i).isdecimal() and len(str(i)) < 19}
    if not wanted:
        return []
    return list(
        db.session.scalars(
            select(EvidenceRecord)
            .where(EvidenceRecord.id.in_(wanted), EvidenceRecord.learner_id == learner_id)
            .order_by(EvidenceRecord.id)
        )
    )
