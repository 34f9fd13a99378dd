"""Learner mode: a learner's framework and assessors, and the framework rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from helpdesk.admin.errors import AdminError
from helpdesk.domain import Role
from helpdesk.evidence.rule_versions import REASON_MAX, Rule, current_version, record_change
from helpdesk.extensions import db
from helpdesk.frameworks import METHODS, Framework, catalogue
from helpdesk.models import (
    FrameworkRule,
    FrameworkRuleVersion,
    LearnerProfile,
    User,
    UserRole,
)
from helpdesk.validation import required_text

MAX_TICKETS_PER_PC = 50
MAX_MIN_DAYS = 3650


def framework_choices() -> dict[str, str]:
    """'A: Resolve customer service problems', … from the framework files."""
    return {code: f"{code}: {fw.title}" for code, fw in catalogue().frameworks.items()}


def assessor_choices(exclude: User | None = None) -> dict[str, str]:
    """Active people holding the assessor role (never the learner themselves)."""
    stmt = (
        select(User)
        .join(UserRole)
        .where(UserRole.role == Role.ASSESSOR, User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return {str(u.id): u.name for u in db.session.scalars(stmt) if exclude is None or u != exclude}


def profile_of(user: User) -> LearnerProfile | None:
    """The person's learner profile, whatever their roles now."""
    return db.session.scalar(select(LearnerProfile).where(LearnerProfile.user_id == user.id))


def set_learner_profile(
    user: User, *, framework: str, assessor_ids: Iterable[int | str]
) -> LearnerProfile:
    """Put a learner in learner mode (or change it): their framework and assessors.

    :raise AdminError: when the person lacks the learner role, for an unknown framework,
        and for anyone not an active assessor (or the learner themselves) as assessor.
    """
    if not user.has_role(Role.LEARNER):
        raise AdminError(f"Give {user.name} the learner role first, and save.", "framework")
    if framework not in catalogue().frameworks:
        raise AdminError("Choose one of the listed frameworks.", "framework")
    try:
        wanted = {int(i) for i in assessor_ids}
    except (TypeError, ValueError) as exc:
        raise AdminError("Choose from the listed assessors.", "assessor_ids") from exc
    if user.id in wanted:
        raise AdminError("A learner cannot be their own assessor.", "assessor_ids")
    allowed = {int(k) for k in assessor_choices(exclude=user)}
    if not wanted <= allowed:
        raise AdminError("Choose from the listed assessors.", "assessor_ids")
    profile = profile_of(user)
    if profile is None:
        profile = LearnerProfile(user_id=user.id, framework=framework)
        db.session.add(profile)
    if profile.rule_version is None or profile.framework != framework:
        # Enrolled (on this framework) now: judged by the rule version in force now.
        profile.rule_version = current_version(framework)
    profile.framework = framework
    profile.assessors = [u for u in (db.session.get(User, i) for i in sorted(wanted)) if u]
    try:
        db.session.flush()
    except IntegrityError as exc:  # another admin set it up a moment ago
        db.session.rollback()
        raise AdminError(
            "Someone else changed this learner a moment ago: check and save again.", "framework"
        ) from exc
    return profile


@dataclass(frozen=True)
class FrameworkRuleView:
    """A framework's rule as it applies now: the admin's override, else its file's."""

    framework: Framework
    must_observe: frozenset[str]
    tickets_per_pc: int
    min_days: int
    overridden: bool
    methods: frozenset[str] = frozenset(METHODS)
    version: int = 1
    history: tuple[FrameworkRuleVersion, ...] = ()


def framework_rules() -> list[FrameworkRuleView]:
    rows = {r.code: r for r in db.session.scalars(select(FrameworkRule))}
    history: dict[str, list[FrameworkRuleVersion]] = {}
    for version in db.session.scalars(
        select(FrameworkRuleVersion).order_by(FrameworkRuleVersion.number.desc())
    ):
        history.setdefault(version.framework, []).append(version)
    out = []
    for code, fw in catalogue().frameworks.items():
        row = rows.get(code)
        pcs = {p.code for p in fw.pcs}
        out.append(
            FrameworkRuleView(
                framework=fw,
                must_observe=(
                    frozenset(c for c in (row.must_observe or ()) if c in pcs)
                    if row is not None
                    else fw.must_observe
                ),
                tickets_per_pc=(row.tickets_per_pc if row and row.tickets_per_pc else None)
                or fw.tickets_per_pc,
                min_days=fw.min_days if row is None or row.min_days is None else row.min_days,
                overridden=row is not None,
                methods=frozenset(m for m in (row.methods or ()) if m in METHODS)
                or frozenset(METHODS)
                if row is not None
                else frozenset(METHODS),
                version=row.version if row is not None else 1,
                history=tuple(history.get(code, ())),
            )
        )
    return out


def save_framework_rule(
    code: str,
    *,
    must_observe: Iterable[str],
    tickets_per_pc: int | None,
    min_days: int | None,
    methods: Iterable[str] | None = None,
    reason: str = "",
    actor: User | None = None,
) -> FrameworkRule:
    """Set a framework's must-observe PCs, sufficiency numbers and the evidence methods
    that count: a new rule version, audited with the reason (learners already enrolled
    keep theirs until an assessor moves them on).

    :raise AdminError: for an unknown framework, codes that are not its PCs, fewer than
        one ticket (or more than the most allowed), a negative or huge number of days,
        days asked of one ticket (a single ticket spans no days), no method or an unknown
        one, must-observe criteria without observation among the methods, no reason.
    """
    fw = catalogue().frameworks.get(code)
    if fw is None:
        raise AdminError("There is no such framework.")
    chosen = [str(c) for c in must_observe]
    pcs = [p.code for p in fw.pcs]
    unknown = sorted(set(chosen) - set(pcs))
    if unknown:
        raise AdminError(f"Not criteria of {code}: {', '.join(unknown)}.", "must_observe")
    if tickets_per_pc is None or not 1 <= tickets_per_pc <= MAX_TICKETS_PER_PC:
        raise AdminError(
            f"Give a number of tickets from 1 to {MAX_TICKETS_PER_PC}.", "tickets_per_pc"
        )
    if min_days is None or not 0 <= min_days <= MAX_MIN_DAYS:
        raise AdminError(f"Give a number of days from 0 to {MAX_MIN_DAYS:,}.", "min_days")
    if tickets_per_pc == 1 and min_days > 0:
        raise AdminError(
            "One ticket spans no days: set the days to 0, or ask for two tickets or more.",
            "min_days",
        )
    taken = list(METHODS) if methods is None else [str(m) for m in methods]
    if not taken or set(taken) - set(METHODS):
        raise AdminError("Tick the assessment methods whose evidence counts.", "methods")
    if chosen and "O" not in taken:
        raise AdminError(
            "Criteria that must be observed need observation among the methods.", "methods"
        )
    why = required_text(reason, "reason", "The reason for the change", REASON_MAX, AdminError)
    old = next(r for r in framework_rules() if r.framework.code == code)
    row = db.session.get(FrameworkRule, code)
    if row is None:
        row = FrameworkRule(code=code, version=old.version)
        db.session.add(row)
    row.must_observe = [c for c in pcs if c in set(chosen)]  # in the framework's order
    row.tickets_per_pc = tickets_per_pc
    row.min_days = min_days
    row.methods = [m for m in METHODS if m in set(taken)]
    before = Rule(old.tickets_per_pc, old.min_days, old.must_observe, old.methods, old.version)
    after = Rule(tickets_per_pc, min_days, frozenset(row.must_observe), frozenset(row.methods))
    if before.as_data() != after.as_data():
        record_change(fw, row, before, after, why, actor)
    try:
        db.session.flush()
    except IntegrityError as exc:  # another admin saved the first override a moment ago
        db.session.rollback()
        raise AdminError("Someone else saved this framework a moment ago: try again.") from exc
    return row
