"""Assessment frameworks as data: one JSON file per framework plus one action mapping.

Loaded and checked once at start-up; a mistake in a file stops the app with a message
that names the file and the entry, rather than failing later on a learner's page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
FRAMEWORK_FILES = ("unit_a.json", "nvq_b.json", "nos_c.json")
METHODS = {
    "O": "Observation",
    "PD": "Professional discussion",
    "Q": "Questioning",
    "WP": "Work product",
    "WT": "Witness testimony",
    "Oth": "Other",
}


class FrameworkError(ValueError):
    """A framework or mapping file is malformed; the message says where."""


@dataclass(frozen=True)
class Criterion:
    code: str
    text: str
    outcome: str = ""
    fact: str = ""


@dataclass(frozen=True)
class Framework:
    code: str
    title: str
    source: str
    outcomes: dict[str, str]
    pcs: tuple[Criterion, ...]
    knowledge: tuple[Criterion, ...]
    scope: tuple[Criterion, ...]
    problem_types: tuple[Criterion, ...]
    information_procedures: tuple[Criterion, ...]
    must_observe: frozenset[str]
    tickets_per_pc: int
    min_days: int
    # Seed rules on observation: B's "two from (a)–(d) by direct observation", B's other
    # PCs observed where possible (guidance, not a block), A's "must include observation".
    observed_scope: tuple[str, ...] = ()
    observed_scope_min: int = 0
    prefer_observed: frozenset[str] = frozenset()
    must_include_observation: bool = False
    pc_index: dict[str, Criterion] = field(default_factory=dict, compare=False, repr=False)

    def pc(self, code: str) -> Criterion | None:
        return self.pc_index.get(code)

    def label(self, code: str) -> str:
        """'1.2 Ask customers about the problem…' for badges and logs."""
        found = self.pc_index.get(code) or next(
            (k for k in (*self.knowledge, *self.scope) if k.code == code), None
        )
        return f"{code} {found.text}" if found else code


@dataclass(frozen=True)
class ActionMapping:
    action: str
    label: str
    codes: dict[str, tuple[str, ...]]
    inferred: dict[str, tuple[str, ...]]
    scope: dict[str, tuple[str, ...]]


def _need(entry: dict[str, Any], key: str, where: str) -> Any:
    if key not in entry:
        raise FrameworkError(f"{where}: missing '{key}'")
    return entry[key]


def _criteria(items: Any, where: str, *, outcome: bool = False) -> tuple[Criterion, ...]:
    if not isinstance(items, list):
        raise FrameworkError(f"{where}: expected a list")
    out = []
    seen = set()
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        code = str(_need(item, "code", here)).strip()
        text = str(_need(item, "text", here)).strip()
        if not code or not text:
            raise FrameworkError(f"{here}: code and text must not be empty")
        if code in seen:
            raise FrameworkError(f"{here}: duplicate code {code!r}")
        seen.add(code)
        out.append(
            Criterion(
                code=code,
                text=text,
                outcome=str(_need(item, "outcome", here)) if outcome else "",
                fact=str(item.get("fact", "")),
            )
        )
    return tuple(out)


def parse_framework(raw: dict[str, Any], where: str) -> Framework:
    outcomes = {
        str(_need(o, "code", f"{where} outcomes")): str(_need(o, "title", f"{where} outcomes"))
        for o in _need(raw, "outcomes", where)
    }
    pcs = _criteria(_need(raw, "pcs", where), f"{where} pcs", outcome=True)
    for pc in pcs:
        if pc.outcome not in outcomes:
            raise FrameworkError(f"{where} pcs {pc.code}: unknown outcome {pc.outcome!r}")
    cover = _need(raw, "must_cover", where)
    must_observe = frozenset(str(c) for c in _need(raw, "must_observe", where))
    codes = {p.code for p in pcs}
    if not must_observe <= codes:
        raise FrameworkError(f"{where} must_observe: not PCs: {sorted(must_observe - codes)}")
    rule = _need(raw, "sufficiency", where)
    tickets, days = int(_need(rule, "tickets_per_pc", where)), int(_need(rule, "min_days", where))
    if tickets < 1 or days < 0:
        raise FrameworkError(f"{where} sufficiency: tickets_per_pc >= 1 and min_days >= 0")
    observing = raw.get("observation_rules", {})
    scope_rule = observing.get("scope_observed", {})
    observed_scope = tuple(str(c) for c in scope_rule.get("from", ()))
    prefer = frozenset(str(c) for c in observing.get("prefer_observed", ()))
    if not prefer <= codes:
        raise FrameworkError(f"{where} prefer_observed: not PCs: {sorted(prefer - codes)}")
    return Framework(
        code=str(_need(raw, "code", where)),
        title=str(_need(raw, "title", where)),
        source=str(raw.get("source", "")),
        outcomes=outcomes,
        pcs=pcs,
        knowledge=_criteria(_need(raw, "knowledge", where), f"{where} knowledge"),
        scope=_criteria(raw.get("scope", []), f"{where} scope"),
        problem_types=_criteria(_need(cover, "problem_types", where), f"{where} problem_types"),
        information_procedures=_criteria(
            _need(cover, "information_procedures", where), f"{where} information_procedures"
        ),
        must_observe=must_observe,
        tickets_per_pc=tickets,
        min_days=days,
        observed_scope=observed_scope,
        observed_scope_min=int(scope_rule.get("at_least", 0)),
        prefer_observed=prefer,
        must_include_observation=bool(observing.get("must_include_observation", False)),
        pc_index={p.code: p for p in pcs},
    )


def parse_mapping(
    raw: dict[str, Any], frameworks: dict[str, Framework]
) -> dict[str, ActionMapping]:
    actions = _need(raw, "actions", "mapping.json")
    out = {}
    for action, entry in actions.items():
        where = f"mapping.json actions.{action}"
        codes, inferred, scope = {}, {}, {}
        for fw_code, fw in frameworks.items():
            listed = tuple(str(c) for c in entry.get(fw_code, []))
            unknown = [c for c in listed if fw.pc(c) is None]
            if unknown:
                raise FrameworkError(f"{where}: {fw_code} has no PC {unknown}")
            codes[fw_code] = listed
            inferred[fw_code] = tuple(str(c) for c in entry.get("inferred", {}).get(fw_code, []))
            known = {k.code for k in fw.knowledge}
            if not set(inferred[fw_code]) <= known:
                raise FrameworkError(f"{where}: {fw_code} inferred codes are not knowledge items")
            scope[fw_code] = tuple(str(c) for c in entry.get("scope", {}).get(fw_code, []))
        out[action] = ActionMapping(
            action=action,
            label=str(_need(entry, "label", where)),
            codes=codes,
            inferred=inferred,
            scope=scope,
        )
    return out


@dataclass(frozen=True)
class Catalogue:
    frameworks: dict[str, Framework]
    actions: dict[str, ActionMapping]

    def codes_for(self, action: str, framework: str) -> tuple[str, ...]:
        mapping = self.actions.get(action)
        return mapping.codes.get(framework, ()) if mapping else ()

    def unreachable(self, framework: str) -> list[str]:
        reach = {c for m in self.actions.values() for c in m.codes.get(framework, ())}
        return [p.code for p in self.frameworks[framework].pcs if p.code not in reach]


def load(data: Path = DATA) -> Catalogue:
    """Read and check every framework file and the mapping.

    :raise FrameworkError: naming the file and entry at fault.
    """
    frameworks = {}
    for name in FRAMEWORK_FILES:
        path = data / name
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise FrameworkError(f"{name}: {exc}") from exc
        framework = parse_framework(raw, name)
        frameworks[framework.code] = framework
    try:
        mapping = json.loads((data / "mapping.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise FrameworkError(f"mapping.json: {exc}") from exc
    return Catalogue(frameworks=frameworks, actions=parse_mapping(mapping, frameworks))


@cache
def catalogue() -> Catalogue:
    return load()
