"""Framework rules that cannot move under a learner: every change is a new version.

- Version 1 of a framework is its rule as it stood before any versioned change: the
  framework file's, or an override saved before versions were kept. The first change
  writes version 1 down, then version 2; every change after that adds one row.
- A learner is judged by the version on their profile, else the one in force when they
  were enrolled (``started_at``). Only an assessor moves them on (audited), never once
  the unit is signed off.
- A sign-off records the version it was given under, and the portfolio of a signed-off
  learner is counted against that version, so lowering or raising a rule afterwards
  changes nothing it says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from helpdesk.audit import audit
from helpdesk.domain import AuditAction
from helpdesk.evidence.decisions import AssessmentError, check_assessor
from helpdesk.extensions import db
from helpdesk.frameworks import METHODS, Framework, catalogue
from helpdesk.models import FrameworkRule, FrameworkRuleVersion, LearnerProfile, SignOff, User
from helpdesk.validation import required_text

REASON_MAX = 2000
FIRST_VERSION_REASON = "The rule as it stood before changes were versioned."


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class Rule:
    """How much evidence makes a PC sufficient, which PCs must be observed, which methods
    count, and the version of the framework's rule this is."""

    tickets_per_pc: int
    min_days: int
    must_observe: frozenset[str]
    methods: frozenset[str] = field(default_factory=lambda: frozenset(METHODS))
    version: int = 1

    @property
    def words(self) -> str:
        return (
            f"Each performance criterion needs accepted evidence on "
            f"{plural(self.tickets_per_pc, 'different live ticket')}, the first and last "
            f"at least {plural(self.min_days, 'day')} apart."
        )

    @property
    def methods_words(self) -> str:
        """'Observation, Work product' in the framework's order of methods."""
        return ", ".join(label for key, label in METHODS.items() if key in self.methods)

    def as_data(self) -> dict[str, object]:
        """The rule for an audit entry: plain, sorted values."""
        return {
            "tickets_per_pc": self.tickets_per_pc,
            "min_days": self.min_days,
            "must_observe": sorted(self.must_observe),
            "methods": [m for m in METHODS if m in self.methods],
        }


def _methods(stored: Iterable[str] | None) -> frozenset[str]:
    chosen = frozenset(str(m) for m in (stored or ()) if m in METHODS)
    return chosen or frozenset(METHODS)


def rule_for(framework: Framework) -> Rule:
    """The rule in force now: the framework file's, with the admin's overrides where set."""
    row = db.session.get(FrameworkRule, framework.code)
    if row is None:
        return Rule(framework.tickets_per_pc, framework.min_days, framework.must_observe)
    codes = {p.code for p in framework.pcs}
    return Rule(
        tickets_per_pc=row.tickets_per_pc or framework.tickets_per_pc,
        min_days=framework.min_days if row.min_days is None else row.min_days,
        must_observe=frozenset(str(c) for c in (row.must_observe or ()) if c in codes),
        methods=_methods(row.methods),
        version=row.version or 1,
    )


def rule_version(framework: Framework, number: int) -> Rule:
    """The framework's rule as version ``number`` has it.

    A version with no row yet is the one in force now (nothing has changed since).
    """
    row = db.session.scalar(
        select(FrameworkRuleVersion).where(
            FrameworkRuleVersion.framework == framework.code,
            FrameworkRuleVersion.number == number,
        )
    )
    if row is None:
        return rule_for(framework)
    codes = {p.code for p in framework.pcs}
    return Rule(
        tickets_per_pc=row.tickets_per_pc,
        min_days=row.min_days,
        must_observe=frozenset(str(c) for c in row.must_observe or () if c in codes),
        methods=_methods(row.methods),
        version=row.number,
    )


def current_version(code: str) -> int:
    row = db.session.get(FrameworkRule, code)
    return row.version if row is not None and row.version else 1


def version_in_force(code: str, at: datetime) -> int:
    """The version in force at ``at``: the newest change made by then (1 before any)."""
    found = db.session.scalar(
        select(func.max(FrameworkRuleVersion.number)).where(
            FrameworkRuleVersion.framework == code,
            FrameworkRuleVersion.number > 1,
            FrameworkRuleVersion.changed_at <= at,
        )
    )
    return found or 1


def signed_off_version(profile: LearnerProfile) -> int | None:
    """The version the learner's unit was signed off under, if it is signed off."""
    found = db.session.scalar(
        select(SignOff)
        .where(SignOff.learner_id == profile.user_id, SignOff.framework == profile.framework)
        .order_by(SignOff.id.desc())
        .limit(1)
    )
    if found is None or found.signed_off_at is None:
        return None
    return found.rule_version or version_of(profile, signed=False)


def version_of(profile: LearnerProfile, *, signed: bool = True) -> int:
    """The version the learner is judged by: the sign-off's once signed off, else their
    profile's, else the one in force when they were enrolled."""
    if signed:
        given = signed_off_version(profile)
        if given is not None:
            return given
    if profile.rule_version:
        return profile.rule_version
    return version_in_force(profile.framework, profile.started_at)


def learner_rule(profile: LearnerProfile) -> Rule:
    """The rule the learner's portfolio, progress, sign-off and export count against."""
    return rule_version(catalogue().frameworks[profile.framework], version_of(profile))


def _snapshot(code: str, number: int, rule: Rule, reason: str, actor: User | None) -> None:
    db.session.add(
        FrameworkRuleVersion(
            framework=code,
            number=number,
            must_observe=sorted(rule.must_observe),
            methods=[m for m in METHODS if m in rule.methods],
            tickets_per_pc=rule.tickets_per_pc,
            min_days=rule.min_days,
            reason=reason,
            changed_by_id=actor.id if actor is not None else None,
        )
    )


def record_change(
    framework: Framework, row: FrameworkRule, old: Rule, new: Rule, reason: str, actor: User | None
) -> int:
    """Write the change as a new version (and version 1, the first time) and audit it, in
    the caller's transaction; ``row`` gets the new version's number. Returns it.

    The caller has checked the new values and the reason (trimmed, not empty).
    """
    had = db.session.scalar(
        select(func.max(FrameworkRuleVersion.number)).where(
            FrameworkRuleVersion.framework == framework.code
        )
    )
    if had is None:
        _snapshot(framework.code, 1, old, FIRST_VERSION_REASON, None)
        had = 1
    number = max(had, old.version) + 1
    _snapshot(framework.code, number, new, reason, actor)
    row.version = number
    audit(
        AuditAction.FRAMEWORK_RULE_CHANGED,
        actor,
        None,
        framework=framework.code,
        version_from=old.version,
        version_to=number,
        old=old.as_data(),
        new=new.as_data(),
        reason=reason,
    )
    return number


def move_on(learner: User | LearnerProfile | int, assessor: User, reason: str) -> LearnerProfile:
    """Move the learner on to the version of the rule in force now (audited).

    :raise AssessmentError: 403 not the learner's assessor, 409 signed off already (its
        version stays) or already on the newest version, 422 no reason given.
    """
    profile = check_assessor(assessor, learner)
    if signed_off_version(profile) is not None:
        raise AssessmentError(
            "The unit is signed off under its rule version: it cannot move on.", status=409
        )
    old = version_of(profile)
    new = current_version(profile.framework)
    if old == new:
        raise AssessmentError(
            f"They are already assessed against the newest rules (version {new}).", status=409
        )
    why = required_text(reason, "reason", "The reason", REASON_MAX, AssessmentError)
    profile.rule_version = new
    audit(
        AuditAction.LEARNER_RULES_MOVED,
        assessor,
        profile.user,
        framework=profile.framework,
        version_from=old,
        version_to=new,
        reason=why,
    )
    db.session.flush()
    return profile
