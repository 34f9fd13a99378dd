"""An assessor's caseload: each learner's progress, from the portfolio's own counting,
and what needs the assessor (evidence to decide, written answers to mark)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from helpdesk.domain import Role
from helpdesk.evidence.knowledge import pending_answer_counts
from helpdesk.evidence.observations import awaiting_assessor
from helpdesk.evidence.portfolio import Portfolio, build
from helpdesk.evidence.signoff import signoff_for
from helpdesk.extensions import db
from helpdesk.models import LearnerProfile, SignOff, User
from helpdesk.models.evidence import learner_assessors


@dataclass(frozen=True)
class Progress:
    portfolio: Portfolio
    pending_evidence: int
    pending_answers: int
    observations_to_confirm: int
    sign_off: SignOff | None

    @property
    def profile(self) -> LearnerProfile:
        return self.portfolio.profile

    @property
    def pcs_total(self) -> int:
        return len(self.portfolio.pcs)

    @property
    def pcs_sufficient(self) -> int:
        return sum(row.sufficiency.met for row in self.portfolio.pcs)

    @property
    def must_observe(self) -> int:
        return sum(row.must_observe for row in self.portfolio.pcs)

    @property
    def observed(self) -> int:
        return sum(row.must_observe and row.observed for row in self.portfolio.pcs)

    @property
    def cover(self) -> tuple[int, int]:
        """Scope and what-you-must-cover items covered, of all of them."""
        p = self.portfolio
        items = (*p.problem_types, *p.information, *p.scope)
        return sum(i.met for i in items), len(items)

    @property
    def knowledge(self) -> tuple[int, int]:
        return sum(k.met for k in self.portfolio.knowledge), len(self.portfolio.knowledge)

    @property
    def needs_review(self) -> int:
        """Live evidence awaiting a decision, and written answers awaiting a mark."""
        return self.pending_evidence + self.pending_answers

    @property
    def signed_off(self) -> bool:
        """Signed off, and every rule of the version it was given under still met."""
        signed = self.sign_off is not None and self.sign_off.signed_off_at is not None
        return signed and not self.portfolio.missing


def learners_of(user: User) -> list[LearnerProfile]:
    """The assessor's learners (every learner, for an admin), by name."""
    stmt = select(LearnerProfile).join(User, User.id == LearnerProfile.user_id)
    if not user.has_role(Role.ADMIN):
        stmt = stmt.join(
            learner_assessors, learner_assessors.c.learner_id == LearnerProfile.id
        ).where(learner_assessors.c.assessor_id == user.id)
    return list(db.session.scalars(stmt.order_by(User.name, User.id)))


def progress_of(profile: LearnerProfile, answers: int = 0, to_confirm: int = 0) -> Progress:
    portfolio = build(profile)
    return Progress(
        portfolio=portfolio,
        pending_evidence=portfolio.totals["pending"],
        pending_answers=answers,
        observations_to_confirm=to_confirm,
        sign_off=signoff_for(profile.user_id, profile.framework),
    )


def caseload(user: User) -> list[Progress]:
    """Each of the user's learners with their progress and what needs review."""
    profiles = learners_of(user)
    ids = [p.user_id for p in profiles]
    answers = pending_answer_counts(ids)
    to_confirm = awaiting_assessor(ids)
    return [
        progress_of(p, answers.get(p.user_id, 0), to_confirm.get(p.user_id, 0)) for p in profiles
    ]
