"""Badges that tell a learner which criteria an action evidences, next to its button and
on the timeline entry it produced. People not in learner mode get none.

A badge carries the code, a short label (the code and the mapping's words for the
action) and the criterion's full text for the tooltip and the screen-reader label.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select

from helpdesk.domain import CodeKind
from helpdesk.evidence.capture import learner_profile
from helpdesk.extensions import db
from helpdesk.frameworks import Framework, catalogue
from helpdesk.models import EvidenceCode, EvidenceRecord, ProblemEvent, ProblemRecord, Ticket

# Per request: whose framework was looked up already (a page draws many badges).
_CACHE_KEY = "helpdesk.learner_frameworks"
KIND_WORDS: dict[str, str] = {
    CodeKind.PC: "Evidences",
    CodeKind.KNOWLEDGE: "Supports knowledge",
    CodeKind.SCOPE: "Covers scope",
}


@dataclass(frozen=True)
class Badge:
    code: str
    label: str
    text: str
    kind: str = CodeKind.PC

    @property
    def aria_label(self) -> str:
        """'Evidences 1.2: Ask customers about the problem to check their understanding'."""
        return f"{KIND_WORDS.get(self.kind, 'Evidences')} {self.code}: {self.text}"


def criterion_text(framework: Framework, code: str, kind: str = CodeKind.PC) -> str:
    """The criterion's full text, starting with a capital ('Ask customers about …')."""
    if kind == CodeKind.PC:
        found = framework.pc(code)
    else:
        pool = framework.knowledge if kind == CodeKind.KNOWLEDGE else framework.scope
        found = next((c for c in pool if c.code == code), None)
    text = found.text if found else code
    return text[:1].upper() + text[1:]


def learner_framework(user: Any) -> str | None:
    """The framework the user is assessed against, or None when not in learner mode."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cache: dict[int, str | None] | None = None
    if has_request_context():
        cache = request.environ.setdefault(_CACHE_KEY, {})
        if user.id in cache:
            return cache[user.id]
    profile = learner_profile(user)
    code = profile.framework if profile is not None else None
    if code not in catalogue().frameworks:
        code = None
    if cache is not None:
        cache[user.id] = code
    return code


def _badges(framework: str, action: str, codes: Iterable[tuple[str, str]]) -> list[Badge]:
    cat = catalogue()
    fw = cat.frameworks[framework]
    mapping = cat.actions.get(action)
    words = mapping.label if mapping else action.replace("_", " ").capitalize()
    return [
        Badge(code=code, label=f"{code} {words}", text=criterion_text(fw, code, kind), kind=kind)
        for code, kind in codes
    ]


def pc_badges(user: Any, action: str) -> list[Badge]:
    """The badges for what ``action`` would evidence in the user's framework.

    Empty for anyone not in learner mode (the learner role and a learner profile).
    """
    framework = learner_framework(user)
    mapping = catalogue().actions.get(action)
    if framework is None or mapping is None:
        return []
    codes = [(c, CodeKind.PC) for c in mapping.codes.get(framework, ())]
    codes += [(c, CodeKind.KNOWLEDGE) for c in mapping.inferred.get(framework, ())]
    codes += [(c, CodeKind.SCOPE) for c in mapping.scope.get(framework, ())]
    return _badges(framework, action, codes)


def _by_event(rows: Iterable[Any]) -> dict[int, list[Badge]]:
    found: dict[int, list[Badge]] = {}
    for event_id, framework, action, code, kind in rows:
        if framework not in catalogue().frameworks:
            continue
        have = found.setdefault(event_id, [])
        if all(b.code != code for b in have):
            have.extend(_badges(framework, action, [(code, kind)]))
    return found


def _rows(user: Any, column: Any, where: Any) -> dict[int, list[Badge]]:
    if learner_framework(user) is None:
        return {}
    stmt = (
        select(
            column,
            EvidenceRecord.framework,
            EvidenceRecord.action,
            EvidenceCode.code,
            EvidenceCode.kind,
        )
        .join(EvidenceCode, EvidenceCode.evidence_id == EvidenceRecord.id)
        .where(
            EvidenceRecord.learner_id == user.id,
            column.is_not(None),
            EvidenceCode.untagged_at.is_(None),
            where,
        )
        .order_by(EvidenceRecord.id, EvidenceCode.id)
    )
    return _by_event(db.session.execute(stmt))


def event_badges(user: Any, ticket: Ticket) -> dict[int, list[Badge]]:
    """Ticket event id -> the live codes of the viewer's evidence from it (one query)."""
    return _rows(user, EvidenceRecord.ticket_event_id, EvidenceRecord.ticket_id == ticket.id)


def problem_event_badges(user: Any, problem: ProblemRecord) -> dict[int, list[Badge]]:
    """Problem event id -> the live codes of the viewer's evidence from it (one query)."""
    events = select(ProblemEvent.id).where(ProblemEvent.problem_id == problem.id)
    return _rows(user, EvidenceRecord.problem_event_id, EvidenceRecord.problem_event_id.in_(events))
