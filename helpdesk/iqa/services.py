"""Internal quality assurance: sample an assessor's decisions and agree or disagree.

A sample is drawn from the assessor's current decisions (accepted or rejected, not
replaced by a newer one), narrowed by learners, PCs and methods when the IQA chooses
some (none chosen means all). The draw is random but reproducible: seeded by the
sample's id, from the matching decisions in id order. Each item keeps a snapshot of
the decision as it stood (summary redacted as in the portfolio, PCs, method, status,
feedback, initials, dates), so a later re-decision never changes the sample.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from helpdesk.domain import CodeKind, EvidenceStatus, Role, SampleVerdict
from helpdesk.evidence.redaction import RedactionContext, portfolio_context
from helpdesk.evidence.training import practice_reasons
from helpdesk.extensions import db
from helpdesk.frameworks import METHODS, catalogue
from helpdesk.idempotency import first_made, flush_or_first, replayed
from helpdesk.models import (
    EvidenceCode,
    EvidenceRecord,
    IqaSample,
    IqaSampleItem,
    LearnerProfile,
    User,
    UserRole,
)
from helpdesk.models.evidence import learner_assessors
from helpdesk.models.types import utcnow
from helpdesk.refusals import Refusal

DECIDED = (EvidenceStatus.ACCEPTED, EvidenceStatus.REJECTED)
VERDICTS: dict[str, str] = {SampleVerdict.AGREE: "Agree", SampleVerdict.DISAGREE: "Disagree"}
SIZE_MAX = 100
COMMENT_MAX = 2000
# The same sample asked for twice this close together is one double-click.
REPEAT_WINDOW = timedelta(seconds=30)


class SampleError(Refusal):
    """A refused sampling step: the message, the field it belongs to, an HTTP status."""


def _current() -> Any:
    newer = aliased(EvidenceRecord)
    return ~exists().where(newer.supersedes_id == EvidenceRecord.id)


@dataclass(frozen=True)
class AssessorDecisions:
    assessor: User
    accepted: int
    rejected: int
    learners: int
    last_decided: datetime | None

    @property
    def decisions(self) -> int:
        return self.accepted + self.rejected


def assessors_with_counts(exclude: User | None = None) -> list[AssessorDecisions]:
    """Everyone holding the assessor role or with decisions to their name, with counts."""
    role_holders = select(UserRole.user_id).where(UserRole.role == Role.ASSESSOR)
    deciders = select(EvidenceRecord.assessor_id).where(EvidenceRecord.assessor_id.is_not(None))
    users = db.session.scalars(
        select(User)
        .where(or_(User.id.in_(role_holders), User.id.in_(deciders)))
        .order_by(User.name, User.id)
    ).all()
    rows = db.session.execute(
        select(
            EvidenceRecord.assessor_id,
            EvidenceRecord.status,
            func.count(),
            func.max(EvidenceRecord.decided_at),
        )
        .where(EvidenceRecord.status.in_(DECIDED), _current())
        .group_by(EvidenceRecord.assessor_id, EvidenceRecord.status)
    ).all()
    found: dict[tuple[int | None, str], tuple[int, datetime | None]] = {
        (who, status): (n, last) for who, status, n, last in rows
    }
    learners = dict(
        db.session.execute(
            select(EvidenceRecord.assessor_id, func.count(func.distinct(EvidenceRecord.learner_id)))
            .where(EvidenceRecord.status.in_(DECIDED), _current())
            .group_by(EvidenceRecord.assessor_id)
        ).all()
    )
    out = []
    for user in users:
        if exclude is not None and user.id == exclude.id:
            continue
        accepted, last_a = found.get((user.id, EvidenceStatus.ACCEPTED), (0, None))
        rejected, last_r = found.get((user.id, EvidenceStatus.REJECTED), (0, None))
        last = max((d for d in (last_a, last_r) if d is not None), default=None)
        out.append(AssessorDecisions(user, accepted, rejected, learners.get(user.id, 0), last))
    return out


def learners_of(assessor_id: int) -> list[User]:
    """Learners the assessor is named for, or whose evidence they decided, by name."""
    assigned = (
        select(LearnerProfile.user_id)
        .join(learner_assessors, learner_assessors.c.learner_id == LearnerProfile.id)
        .where(learner_assessors.c.assessor_id == assessor_id)
    )
    decided = select(EvidenceRecord.learner_id).where(
        EvidenceRecord.assessor_id == assessor_id, EvidenceRecord.status.in_(DECIDED)
    )
    return list(
        db.session.scalars(
            select(User)
            .where(or_(User.id.in_(assigned), User.id.in_(decided)))
            .order_by(User.name, User.id)
        )
    )


def pc_choices(learners: Sequence[User]) -> dict[str, str]:
    """'A:1.1' -> 'A 1.1 listen carefully…' for the frameworks of these learners."""
    ids = [u.id for u in learners]
    used = set(
        db.session.scalars(select(LearnerProfile.framework).where(LearnerProfile.user_id.in_(ids)))
    )
    frameworks = catalogue().frameworks
    return {
        f"{code}:{pc.code}": f"{code} {pc.code} {pc.text}"
        for code in sorted(used)
        if code in frameworks
        for pc in frameworks[code].pcs
    }


@dataclass(frozen=True)
class SampleRequest:
    assessor_id: int
    learner_ids: tuple[int, ...] = ()
    pcs: tuple[str, ...] = ()  # "A:1.1"
    methods: tuple[str, ...] = ()
    size: int = 10

    def criteria(self) -> dict[str, Any]:
        return {
            "learners": sorted(self.learner_ids),
            "pcs": sorted(self.pcs),
            "methods": sorted(self.methods),
            "size": self.size,
        }


def pool(request: SampleRequest) -> list[EvidenceRecord]:
    """The assessor's current decisions matching the request, in id order."""
    stmt = select(EvidenceRecord).where(
        EvidenceRecord.assessor_id == request.assessor_id,
        EvidenceRecord.status.in_(DECIDED),
        _current(),
    )
    if request.learner_ids:
        stmt = stmt.where(EvidenceRecord.learner_id.in_(request.learner_ids))
    if request.methods:
        stmt = stmt.where(EvidenceRecord.method.in_(request.methods))
    if request.pcs:
        wanted = [tuple(p.split(":", 1)) for p in request.pcs if ":" in p]
        stmt = stmt.where(
            or_(
                *(
                    (EvidenceRecord.framework == fw)
                    & exists().where(
                        EvidenceCode.evidence_id == EvidenceRecord.id,
                        EvidenceCode.code == code,
                        EvidenceCode.kind == CodeKind.PC,
                        EvidenceCode.untagged_at.is_(None),
                    )
                    for fw, code in wanted
                )
            )
        )
    return list(db.session.scalars(stmt.order_by(EvidenceRecord.id)))


def pick(ids: Sequence[int], seed: int, size: int) -> list[int]:
    """``size`` of ``ids`` at random, the same every time for the same seed (in id order)."""
    ordered = sorted(set(ids))
    chosen = random.Random(seed).sample(ordered, min(size, len(ordered)))  # noqa: S311 (not security)
    return sorted(chosen)


def snapshot(record: EvidenceRecord, context: RedactionContext) -> dict[str, Any]:
    """The decision as it stands now, every text redacted as in the portfolio."""
    ticket = record.ticket
    return {
        "evidence_id": record.id,
        "learner_id": record.learner_id,
        "learner": record.learner.name,
        "framework": record.framework,
        "reference": ticket.reference if ticket is not None else "",
        "summary": context.redact(record.summary),
        "pcs": [c.code for c in record.live_codes if c.is_pc],
        "method": record.method,
        "method_name": METHODS.get(record.method, record.method),
        "status": record.status,
        "feedback": context.redact(record.feedback),
        "initials": record.assessor_initials,
        "decided_at": record.decided_at.isoformat() if record.decided_at else None,
        "occurred_at": record.occurred_at.isoformat(),
        "simulated": bool(record.is_simulated or (ticket is not None and ticket.is_simulated)),
        # Practice (training-flagged tickets, training accounts, a look-alike customer)
        # never counts either, so the IQA must see it marked as such.
        "practice": practice_reasons(ticket, record.learner),
    }


def _repeat(iqa: User, request: SampleRequest) -> IqaSample | None:
    since = utcnow() - REPEAT_WINDOW
    for earlier in db.session.scalars(
        select(IqaSample).where(
            IqaSample.iqa_id == iqa.id,
            IqaSample.assessor_id == request.assessor_id,
            IqaSample.created_at >= since,
        )
    ):
        asked = {k: earlier.criteria.get(k) for k in ("learners", "pcs", "methods", "size")}
        if asked == request.criteria():
            return earlier
    return None


def _replayed(sample: IqaSample, iqa: User, request: SampleRequest) -> IqaSample:
    """The sample an earlier post of this form drew; a key another form's post used is
    refused (it is not a replay of this one).

    :raise SampleError: 409 when the key drew another sample.
    """
    ours = sample.iqa_id == iqa.id and sample.assessor_id == request.assessor_id
    return replayed(sample, ours, lambda message: SampleError(message, status=409))


def draw_sample(
    iqa: User, request: SampleRequest, *, idempotency_key: str | None = None
) -> IqaSample:
    """Draw and keep a sample of the assessor's decisions (a double-click draws one).

    A replayed post (the same ``idempotency_key``) returns the sample the first one
    drew, before any check; without a key, the same request again within
    ``REPEAT_WINDOW`` is taken for a double click.

    :raise SampleError: 403 for the IQA's own decisions; 409 a key another post used;
        422 an unknown assessor, a size out of range, or no decision matching the choices.
    """
    idempotency_key = idempotency_key or None
    if (earlier := first_made(IqaSample, idempotency_key)) is not None:
        return _replayed(earlier, iqa, request)
    if request.assessor_id == iqa.id:
        raise SampleError("You cannot sample your own decisions.", "assessor_id", 403)
    assessor = db.session.get(User, request.assessor_id)
    if assessor is None:
        raise SampleError("Choose an assessor from the list.", "assessor_id")
    if not 1 <= request.size <= SIZE_MAX:
        raise SampleError(f"Choose between 1 and {SIZE_MAX} decisions.", "size")
    if idempotency_key is None and (earlier := _repeat(iqa, request)) is not None:
        return earlier
    found = pool(request)
    if not found:
        raise SampleError(
            "None of this assessor's decisions match these choices: choose fewer.", "learners"
        )
    names = {u.id: u.name for u in learners_of(assessor.id)}
    criteria = request.criteria() | {
        "learner_names": [names.get(i, f"Learner {i}") for i in sorted(request.learner_ids)],
        "pool": len(found),
    }
    sample = IqaSample(
        iqa_id=iqa.id,
        assessor_id=assessor.id,
        criteria=criteria,
        idempotency_key=idempotency_key,
    )
    db.session.add(sample)
    # The id seeds the draw: a racing replay's key shows here.
    if (earlier := flush_or_first(IqaSample, idempotency_key)) is not None:
        return _replayed(earlier, iqa, request)
    chosen = set(pick([r.id for r in found], sample.id, request.size))
    contexts: dict[int, RedactionContext] = {}
    for record in (r for r in found if r.id in chosen):
        if record.learner_id not in contexts:
            contexts[record.learner_id] = portfolio_context(record.learner_id)
        context = contexts[record.learner_id]
        sample.items.append(
            IqaSampleItem(evidence_id=record.id, snapshot=snapshot(record, context))
        )
    if (earlier := flush_or_first(IqaSample, idempotency_key)) is not None:
        return _replayed(earlier, iqa, request)
    return sample


def record_verdict(item: IqaSampleItem, iqa: User, verdict: str, comment: str) -> IqaSampleItem:
    """Agree or disagree with one sampled decision (a comment is needed to disagree).

    :raise SampleError: 403 on another IQA's sample; 422 no verdict, or no comment to a
        disagreement, or one too long.
    """
    if item.sample.iqa_id != iqa.id:
        raise SampleError(
            "Only the quality assurer who drew the sample records verdicts.", status=403
        )
    if verdict not in VERDICTS:
        raise SampleError("Choose agree or disagree.", "verdict")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise SampleError(f"The comment must be at most {COMMENT_MAX:,} characters.", "comment")
    if verdict == SampleVerdict.DISAGREE and not comment:
        raise SampleError("Say why you disagree: the assessor will read it.", "comment")
    item.verdict = verdict
    item.comment = comment
    item.decided_at = utcnow()
    db.session.flush()
    return item
