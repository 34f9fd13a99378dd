"""A learner's portfolio: coverage, sufficiency, scope, knowledge and what is missing.

Counting rules, in one place:

- Only live work counts. Simulated evidence (or evidence on a simulated ticket) and
  practice (``helpdesk.evidence.training``: training tickets and accounts, a customer
  account that looks like the learner's) is shown, and counted apart, but never towards
  coverage, sufficiency or scope.
- A code counts only while tagged (``untagged_at`` is empty), and a decision replaced by
  a newer one (``supersedes_id``) is history, not a second piece of evidence.
- The rule is the version the learner is judged by (``helpdesk.evidence.rule_versions``):
  the sign-off's once signed off, else the one they were enrolled (or moved on) under.
- Sufficiency (that version of the framework's rule or the admin's override): a PC
  is **met** when its ACCEPTED evidence is on at least ``tickets_per_pc`` different live
  tickets (or problem records) and the first and last of it are at least ``min_days``
  apart. Pending evidence never meets it; the portfolio says when it would once accepted.
- A must-observe PC is met only when, besides being sufficient, it is observed: accepted
  observation (O) evidence, which a confirmed observation judged "met" becomes
  (``helpdesk.evidence.observations``).
- Knowledge inferred from actions only supports an item; an item is met by accepted
  questioning (Q), professional discussion (PD) or a written answer (WP not captured
  from a ticket action).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased, selectinload

from helpdesk.domain import CodeKind, EvidenceStatus
from helpdesk.evidence.rule_versions import Rule, learner_rule, plural
from helpdesk.evidence.scope import (
    OBSERVATION,
    ScopeCoverage,
    counts,
    live_codes,
    scope_coverage,
)
from helpdesk.extensions import db
from helpdesk.frameworks import Criterion, Framework, catalogue
from helpdesk.models import EvidenceRecord, LearnerProfile

STATUSES: dict[str, str] = {
    EvidenceStatus.PENDING: "Pending",
    EvidenceStatus.ACCEPTED: "Accepted",
    EvidenceStatus.REJECTED: "Rejected",
}
KNOWLEDGE_METHODS = frozenset({"Q", "PD", "WP"})
HEAT_LEVELS = 3  # 0, 1, 2, "3 or more" accepted


def current_records(learner_id: int) -> list[EvidenceRecord]:
    """The learner's evidence, oldest first, without decisions a newer one replaced."""
    newer = aliased(EvidenceRecord)
    superseded = exists().where(newer.supersedes_id == EvidenceRecord.id)
    return list(
        db.session.scalars(
            select(EvidenceRecord)
            .options(
                selectinload(EvidenceRecord.ticket),
                selectinload(EvidenceRecord.ticket_event),
                selectinload(EvidenceRecord.problem_event),
            )
            .where(EvidenceRecord.learner_id == learner_id, ~superseded)
            .order_by(EvidenceRecord.occurred_at, EvidenceRecord.id)
        )
    )


def work_item(record: EvidenceRecord) -> str | None:
    """What sufficiency counts as one piece of live work: a ticket, else a problem record."""
    if record.ticket_id is not None:
        return f"ticket:{record.ticket_id}"
    if record.problem_event is not None:
        return f"problem:{record.problem_event.problem_id}"
    return None


@dataclass(frozen=True)
class Span:
    tickets: int = 0
    days: int = 0

    @classmethod
    def of(cls, records: Sequence[EvidenceRecord]) -> Span:
        placed = [r for r in records if work_item(r) is not None]
        if not placed:
            return cls()
        dates = [r.occurred_at for r in placed]
        return cls(len({work_item(r) for r in placed}), (max(dates) - min(dates)).days)


@dataclass(frozen=True)
class Sufficiency:
    accepted: Span
    with_pending: Span
    need_tickets: int
    need_days: int

    def _meets(self, span: Span) -> bool:
        return span.tickets >= self.need_tickets and span.days >= self.need_days

    @property
    def met(self) -> bool:
        return self._meets(self.accepted)

    @property
    def pending_would_meet(self) -> bool:
        return not self.met and self._meets(self.with_pending)

    def describe(self, span: Span) -> str:
        """'2 tickets (3 needed), over 8 days (14 needed)'."""
        if span.tickets == 0:
            return (
                f"no tickets yet ({self.need_tickets} needed, over {plural(self.need_days, 'day')})"
            )
        return (
            f"{plural(span.tickets, 'ticket')} ({self.need_tickets} needed), "
            f"over {plural(span.days, 'day')} ({self.need_days} needed)"
        )

    @property
    def words(self) -> str:
        return self.describe(self.accepted)

    @property
    def hint(self) -> str:
        """What pending evidence would change, if anything."""
        if self.pending_would_meet:
            then = self.describe(self.with_pending)
            return f"Would be met once the pending evidence is accepted: {then}."
        if self.with_pending != self.accepted:
            return f"Counting pending evidence too: {self.describe(self.with_pending)}."
        return ""


@dataclass(frozen=True)
class PcCoverage:
    criterion: Criterion
    accepted: int
    pending: int
    rejected: int
    simulated: int
    must_observe: bool
    observed: bool
    sufficiency: Sufficiency

    @property
    def heat(self) -> int:
        return min(self.accepted, HEAT_LEVELS)

    @property
    def met(self) -> bool:
        """Sufficient, and observed by an assessor where the rule says it must be."""
        return self.sufficiency.met and (self.observed or not self.must_observe)


@dataclass(frozen=True)
class OutcomeRows:
    code: str
    title: str
    rows: tuple[PcCoverage, ...]


@dataclass(frozen=True)
class KnowledgeCoverage:
    criterion: Criterion
    supporting: int
    met_by: tuple[int, ...]
    awaiting: int

    @property
    def met(self) -> bool:
        return bool(self.met_by)

    @property
    def words(self) -> str:
        if self.met:
            return f"By evidence No {', '.join(str(i) for i in self.met_by)}"
        words = "Needs questioning, a professional discussion or a written answer"
        if self.awaiting:
            words += f" ({self.awaiting} awaiting a decision)"
        return words


@dataclass(frozen=True)
class Missing:
    section: str
    code: str
    text: str
    why: str


@dataclass(frozen=True)
class Portfolio:
    profile: LearnerProfile
    framework: Framework
    rule: Rule
    outcomes: tuple[OutcomeRows, ...]
    problem_types: tuple[ScopeCoverage, ...]
    information: tuple[ScopeCoverage, ...]
    scope: tuple[ScopeCoverage, ...]
    knowledge: tuple[KnowledgeCoverage, ...]
    missing: tuple[Missing, ...]
    totals: dict[str, int]
    # Advice that blocks nothing: B's PCs to observe where possible, not yet observed.
    guidance: tuple[Missing, ...] = ()

    @property
    def pcs(self) -> list[PcCoverage]:
        return [row for outcome in self.outcomes for row in outcome.rows]

    def pc(self, code: str) -> PcCoverage:
        return next(row for row in self.pcs if row.criterion.code == code)

    @property
    def pcs_met(self) -> int:
        """PCs met in full: sufficient, and observed where they must be."""
        return sum(row.met for row in self.pcs)

    @property
    def missing_by_section(self) -> list[tuple[str, list[Missing]]]:
        """The missing list grouped, sections in the order the portfolio shows them."""
        out: dict[str, list[Missing]] = {}
        for item in self.missing:
            out.setdefault(item.section, []).append(item)
        return list(out.items())


def _for_code(records: Sequence[EvidenceRecord], code: str, kind: str) -> list[EvidenceRecord]:
    return [r for r in records if code in live_codes(r, kind)]


def pc_coverage(pc: Criterion, records: Sequence[EvidenceRecord], rule: Rule) -> PcCoverage:
    """One PC's counts by status (live evidence only), its observation and sufficiency."""
    tagged = _for_code(records, pc.code, CodeKind.PC)
    live = [r for r in tagged if counts(r)]
    accepted = [r for r in live if r.is_accepted]
    pending = [r for r in live if r.is_pending]
    return PcCoverage(
        criterion=pc,
        accepted=len(accepted),
        pending=len(pending),
        rejected=sum(r.is_rejected for r in live),
        simulated=len(tagged) - len(live),
        must_observe=pc.code in rule.must_observe,
        observed=any(r.method == OBSERVATION for r in accepted),
        sufficiency=Sufficiency(
            accepted=Span.of(accepted),
            with_pending=Span.of(accepted + pending),
            need_tickets=rule.tickets_per_pc,
            need_days=rule.min_days,
        ),
    )


def is_inferred(record: EvidenceRecord) -> bool:
    """Captured from a ticket action: knowledge it shows only supports an item."""
    return record.action in catalogue().actions


def knowledge_coverage(item: Criterion, records: Sequence[EvidenceRecord]) -> KnowledgeCoverage:
    tagged = [r for r in _for_code(records, item.code, CodeKind.KNOWLEDGE) if counts(r)]
    direct = [r for r in tagged if r.method in KNOWLEDGE_METHODS and not is_inferred(r)]
    return KnowledgeCoverage(
        criterion=item,
        supporting=sum(is_inferred(r) and not r.is_rejected for r in tagged),
        met_by=tuple(r.id for r in direct if r.is_accepted),
        awaiting=sum(r.is_pending for r in direct),
    )


def _missing(
    pcs: Sequence[PcCoverage],
    covered: Sequence[tuple[str, Sequence[ScopeCoverage]]],
    knowledge: Sequence[KnowledgeCoverage],
) -> tuple[Missing, ...]:
    """Everything not yet met, in the order the portfolio shows it."""
    out: list[Missing] = []
    for row in pcs:
        pc = row.criterion
        if not row.sufficiency.met:
            why = f"Accepted evidence: {row.sufficiency.words}."
            if row.sufficiency.pending_would_meet:
                why += " Pending evidence would meet it once accepted."
            out.append(Missing("Performance criteria", pc.code, pc.text, why))
        if row.must_observe and not row.observed:
            why = "Must be observed by your assessor: no accepted observation yet."
            out.append(Missing("Observation", pc.code, pc.text, why))
    for section, items in covered:
        for item in items:
            if not item.met:
                c = item.criterion
                out.append(Missing(section, c.code, c.text, item.words + "."))
    for k in knowledge:
        if not k.met:
            why = f"{k.words}; {plural(k.supporting, 'piece')} of your work support it."
            out.append(Missing("Knowledge", k.criterion.code, k.criterion.text, why))
    return tuple(out)


OBSERVATION_RULES = "Assessment by observation"


def _observation_rules(framework: Framework, records: Sequence[EvidenceRecord]) -> list[Missing]:
    """The seed's rules on observation as a whole: A's "must include observation", B's
    "two from (a)–(d) by direct observation" (accepted observations tagged with them)."""
    observed = [r for r in records if counts(r) and r.is_accepted and r.method == OBSERVATION]
    seen_scope = {
        code
        for code in framework.observed_scope
        if any(code in live_codes(r, CodeKind.SCOPE) for r in observed)
    }
    out = []
    need = framework.observed_scope_min
    if need and len(seen_scope) < need:
        items = ", ".join(f"({c})" for c in framework.observed_scope)
        done = ", ".join(f"({c})" for c in sorted(seen_scope)) or "none"
        out.append(
            Missing(
                OBSERVATION_RULES,
                "–".join((framework.observed_scope[0], framework.observed_scope[-1])),
                f"{plural(need, 'scope item')} from {items} by direct observation",
                f"Observed by your assessor so far: {done}.",
            )
        )
    if framework.must_include_observation and not observed:
        out.append(
            Missing(
                OBSERVATION_RULES,
                "O",
                "Assessment must include observation of your performance",
                "No accepted observation of your work yet.",
            )
        )
    return out


def _guidance(framework: Framework, pcs: Sequence[PcCoverage]) -> tuple[Missing, ...]:
    return tuple(
        Missing(
            "Preferably observed",
            row.criterion.code,
            row.criterion.text,
            "Best observed by your assessor; other methods only if observation is not possible.",
        )
        for row in pcs
        if row.criterion.code in framework.prefer_observed and not row.observed
    )


def build(profile: LearnerProfile, records: Sequence[EvidenceRecord] | None = None) -> Portfolio:
    """The whole portfolio of one learner against their framework."""
    framework = catalogue().frameworks[profile.framework]
    rule = learner_rule(profile)
    if records is None:
        records = current_records(profile.user_id)
    # Evidence gathered under another framework (before a change) does not count here.
    records = [r for r in records if r.framework == framework.code]
    # Evidence by a method the rule does not take stays in the log but counts for no PC.
    by_method = [r for r in records if r.method in rule.methods]
    outcomes = tuple(
        OutcomeRows(
            code=code,
            title=title,
            rows=tuple(pc_coverage(p, by_method, rule) for p in framework.pcs if p.outcome == code),
        )
        for code, title in framework.outcomes.items()
        if any(pc.outcome == code for pc in framework.pcs)
    )
    problem_types = scope_coverage(framework.problem_types, records)
    information = scope_coverage(framework.information_procedures, records)
    scope = scope_coverage(framework.scope, records)
    knowledge = tuple(knowledge_coverage(k, records) for k in framework.knowledge)
    covered = (
        ("Problem types", problem_types),
        ("Information and procedures", information),
        ("Scope", scope),
    )
    rows = [r for o in outcomes for r in o.rows]
    observation_missing = _observation_rules(framework, records)
    live = [r for r in records if counts(r)]
    totals = {status: sum(r.status == status for r in live) for status in STATUSES}
    totals["simulated"] = len(records) - len(live)
    return Portfolio(
        profile=profile,
        framework=framework,
        rule=rule,
        outcomes=outcomes,
        problem_types=problem_types,
        information=information,
        scope=scope,
        knowledge=knowledge,
        missing=_missing(rows, covered, knowledge) + tuple(observation_missing),
        totals=totals,
        guidance=_guidance(framework, rows),
    )
