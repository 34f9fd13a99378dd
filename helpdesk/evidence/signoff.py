"""Signing the unit off: only when every rule of the framework is met, with the learner's
own declaration that the work is theirs and the assessor's declaration, dated.

What is missing comes from the portfolio (``helpdesk.evidence.portfolio``): PCs without
sufficient accepted evidence, must-observe PCs without a confirmed observation judging
them met, what-you-must-cover and scope items not covered, knowledge items not met by
questioning, a professional discussion or a marked written answer.
"""

from __future__ import annotations

from sqlalchemy import select

from helpdesk.domain import NotificationKind
from helpdesk.evidence.decisions import AssessmentError, check_assessor, profile_for
from helpdesk.evidence.portfolio import Missing, build
from helpdesk.evidence.rule_versions import version_of
from helpdesk.extensions import db
from helpdesk.models import LearnerProfile, SignOff, User
from helpdesk.models.types import utcnow
from helpdesk.notifications.services import notify_staff

OBSERVATION_WHY = "Must be observed: no confirmed observation judging it met."


class SignOffRefused(AssessmentError):
    """The unit cannot be signed off yet: ``missing`` says exactly what is not met."""

    def __init__(self, missing: list[str]) -> None:
        n = len(missing)
        super().__init__(
            f"The unit cannot be signed off yet: {n} rule{'s are' if n != 1 else ' is'} not met.",
            status=409,
        )
        self.missing = missing


def describe(item: Missing) -> str:
    """'Performance criteria 1.1 Listen carefully…: Accepted evidence: no tickets yet …'."""
    why = OBSERVATION_WHY if item.section == "Observation" else item.why
    return f"{item.section} {item.code} {item.text}: {why}"


def signoff_check(learner: User | LearnerProfile | int) -> list[str]:
    """Everything still missing before the unit can be signed off (empty when none)."""
    return [describe(m) for m in build(profile_for(learner)).missing]


def signoff_guidance(learner: User | LearnerProfile | int) -> list[str]:
    """Advice that does not block sign-off: PCs best observed that were not."""
    return [f"{g.code} {g.text}" for g in build(profile_for(learner)).guidance]


def signoff_for(learner_id: int, framework: str) -> SignOff | None:
    """The learner's sign-off record for the framework (declarations so far), if any."""
    return db.session.scalar(
        select(SignOff)
        .where(SignOff.learner_id == learner_id, SignOff.framework == framework)
        .order_by(SignOff.id.desc())
        .limit(1)
    )


def declare_own_work(learner: User) -> SignOff:
    """The learner declares the portfolio is their own work (once; again is a no-op).

    :raise AssessmentError: 404 when not in learner mode.
    """
    profile = profile_for(learner)
    found = signoff_for(profile.user_id, profile.framework)
    if found is not None and found.learner_declared_at is not None:
        return found
    if found is None:
        found = SignOff(learner_id=profile.user_id, framework=profile.framework)
        db.session.add(found)
    found.learner_declared_at = utcnow()
    db.session.flush()
    return found


def sign_off(
    learner: User | LearnerProfile | int, assessor: User, *, assessor_declared: bool
) -> SignOff:
    """Sign the unit off: every rule met, the learner's declaration made, the assessor's
    declaration ticked; the learner is told.

    :raise SignOffRefused: listing what is missing.
    :raise AssessmentError: 403 not the learner's assessor, 409 already signed off or no
        declaration from the learner yet, 422 the assessor's declaration not ticked.
    """
    profile = check_assessor(assessor, learner)
    found = signoff_for(profile.user_id, profile.framework)
    if found is not None and found.signed_off_at is not None:
        raise AssessmentError("The unit is already signed off.", status=409)
    missing = signoff_check(profile)
    if missing:
        raise SignOffRefused(missing)
    if found is None or found.learner_declared_at is None:
        raise AssessmentError(
            "The learner has not yet declared that this is their own work "
            "(they do it on their portfolio).",
            status=409,
        )
    if not assessor_declared:
        raise AssessmentError("Tick your declaration to sign the unit off.", "assessor_declared")
    now = utcnow()
    found.assessor_id = assessor.id
    found.assessor_declared_at = now
    found.signed_off_at = now
    # The version it was given under: it is judged by that one from now on.
    found.rule_version = version_of(profile)
    notify_staff(
        [profile.user],
        NotificationKind.SIGNED_OFF,
        f"{assessor.name} signed off your unit.",
        url=f"/portfolio/{profile.user_id}/sign-off",
    )
    db.session.flush()
    return found
