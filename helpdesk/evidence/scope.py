"""What the learner's evidence covers, derived from the facts of its tickets.

The framework files name, for each "what you must cover" and scope item, the ticket fact
that evidences it (``fact``): origin and cause give the five problem types; the kind of
each update and the policy status of each implemented option give the four information
and procedure items; B's scope adds time (resolved within the SLA target), cost (within
the implementer's authority, or approved) and culture (an assessor's judgement).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from helpdesk.domain import CodeKind
from helpdesk.evidence.training import practice_codes
from helpdesk.extensions import db
from helpdesk.frameworks import Criterion, catalogue
from helpdesk.models import EvidenceRecord, Option, Ticket
from helpdesk.tickets import authority
from helpdesk.tickets.sla import resolved_within_target

OBSERVATION = "O"
JUDGEMENT = "observation:"


def simulated(record: EvidenceRecord) -> bool:
    """Demo evidence, or evidence on a simulated ticket."""
    ticket = record.ticket
    return record.is_simulated or (ticket is not None and ticket.is_simulated)


def counts(record: EvidenceRecord) -> bool:
    """Live work only: simulated evidence and practice (training tickets and accounts, a
    customer who looks like the learner; ``training``) never count."""
    return not simulated(record) and not practice_codes(record.ticket, record.learner)


def live_codes(record: EvidenceRecord, kind: str) -> set[str]:
    return {c.code for c in record.codes if c.kind == kind and c.untagged_at is None}


@dataclass(frozen=True)
class TicketMark:
    """A ticket named in the portfolio: its reference only, never its customer."""

    id: int
    reference: str


@dataclass(frozen=True)
class ScopeCoverage:
    criterion: Criterion
    tickets: tuple[TicketMark, ...]
    judgement: bool = False

    @property
    def met(self) -> bool:
        return bool(self.tickets)

    @property
    def words(self) -> str:
        if self.met:
            refs = ", ".join(t.reference for t in self.tickets)
            return f"Covered on {refs}"
        if self.judgement:
            return "Assessor judgement: needs an observation of your work"
        return "Not yet covered"


def _option_facts(record: EvidenceRecord, option: Option | None) -> set[str]:
    event = record.ticket_event
    data = event.data if event is not None else {}
    within = bool(data.get("within_policy", option.within_policy if option else True))
    cost = int(data.get("cost_minor", option.cost_minor if option else 0) or 0)
    approved = bool(data.get("approved")) or (
        option is not None and any(a.is_approved for a in option.approvals)
    )
    facts = set()
    if within:
        facts.add("option:within_policy")
    elif approved:
        facts.add("option:exception_approved")
    if approved or authority.authority_covers(record.learner, cost, within):
        facts.add("option:within_budget_and_authority")
    return facts


def _facts(record: EvidenceRecord, options: dict[int, Option]) -> set[str]:
    ticket: Ticket | None = record.ticket
    if ticket is None:
        return set()
    facts = {f"origin:{ticket.origin}"}
    if ticket.cause:
        facts.add(f"cause:{ticket.cause}")
    if resolved_within_target(ticket):
        facts.add("sla:resolved_in_time")
    event = record.ticket_event
    if record.action == "update" and event is not None:
        facts.add(f"update:{event.data.get('update_kind', 'volunteered')}")
    if record.action == "option_implemented" and event is not None:
        option_id = event.data.get("option_id")
        facts |= _option_facts(record, options.get(option_id) if option_id else None)
    return facts


def _options_of(records: Iterable[EvidenceRecord]) -> dict[int, Option]:
    ids = {
        int(r.ticket_event.data["option_id"])
        for r in records
        if r.action == "option_implemented"
        and r.ticket_event is not None
        and r.ticket_event.data.get("option_id")
    }
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(select(Option).where(Option.id.in_(ids)))}


def ticket_facts(records: Sequence[EvidenceRecord]) -> dict[str, dict[int, Ticket]]:
    """Fact -> the tickets (in order of evidence) whose live, accepted evidence shows it.

    Pending evidence is not yet assessed, so it covers nothing until an assessor accepts it.
    """
    usable = [r for r in records if counts(r) and r.is_accepted]
    options = _options_of(usable)
    found: dict[str, dict[int, Ticket]] = {}
    for record in usable:
        ticket = record.ticket
        if ticket is None:
            continue  # only tickets have facts
        for fact in _facts(record, options):
            found.setdefault(fact, {}).setdefault(ticket.id, ticket)
    return found


def _tagged(records: Iterable[EvidenceRecord], code: str, *, observed: bool) -> dict[int, Ticket]:
    """Tickets of accepted evidence an assessor tagged with the scope code (observed:
    observations only). Tags captured from ticket actions defer to the ticket's facts."""
    actions = catalogue().actions
    out: dict[int, Ticket] = {}
    for r in records:
        if not counts(r) or r.ticket is None or r.action in actions:
            continue
        if code not in live_codes(r, CodeKind.SCOPE):
            continue
        if observed and r.method != OBSERVATION:
            continue
        if r.is_accepted:
            out.setdefault(r.ticket.id, r.ticket)
    return out


def scope_coverage(
    items: Sequence[Criterion], records: Sequence[EvidenceRecord]
) -> tuple[ScopeCoverage, ...]:
    """Each item with the tickets that evidence it."""
    facts = ticket_facts(records)
    out = []
    for item in items:
        judgement = item.fact.startswith(JUDGEMENT)
        tickets = dict(_tagged(records, item.code, observed=judgement))
        if not judgement:
            for ticket_id, ticket in facts.get(item.fact, {}).items():
                tickets.setdefault(ticket_id, ticket)
        marks = tuple(TicketMark(t.id, t.reference) for t in sorted(tickets.values(), key=_id))
        out.append(ScopeCoverage(criterion=item, tickets=marks, judgement=judgement))
    return tuple(out)


def _id(ticket: Ticket) -> int:
    return ticket.id
