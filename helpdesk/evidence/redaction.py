"""Keep customers' personal data out of a portfolio: "Customer A", "Customer B"…

A portfolio is read by assessors, verifiers and quality assurers who have no need to
know who the customers were. Every text a portfolio shows passes through ``redact``,
which removes what identifies a customer: their name (full, first or last, any case),
email addresses, phone numbers, postcodes, street addresses it can detect, and order or
account references. The letters are given in the order each customer first appears
among the learner's evidence tickets, so a portfolio reads the same every time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models import (
    EvidenceRecord,
    ProblemEvent,
    ProblemLink,
    Ticket,
    User,
    WitnessTestimony,
)

EMAIL_REMOVED = "[email removed]"
PHONE_REMOVED = "[phone removed]"
POSTCODE_REMOVED = "[postcode removed]"
ADDRESS_REMOVED = "[address removed]"
REFERENCE_REMOVED = "[reference removed]"

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# "order 12345678", "order number: AB-12345", "account no. 998877", "invoice #12345".
REFERENCE_AFTER_WORD = re.compile(
    r"\b((?:order|account|acct|invoice|membership|customer)"
    r"(?:\s+(?:no\.?|number|num|ref(?:erence)?|id))?(?:\s+(?:is|was))?\s*[:#]?\s*)"
    r"([A-Z0-9][A-Z0-9/\-]*\d[A-Z0-9/\-]*)",
    re.IGNORECASE,
)
# ORD-123456, INV123456, ACC-99999 (one letter, as in T-000123, is our own reference).
CODED_REFERENCE = re.compile(r"\b[A-Z]{2,5}-?\d{5,}\b")
HASH_REFERENCE = re.compile(r"#\d{5,}\b")
LONG_NUMBER = re.compile(r"\b\d{8,}\b")
# Starts with +, ( or a 0, then digits with spaces, dots, dashes or brackets between.
PHONE = re.compile(r"(?:(?<![\w+])\+|(?<![\w(])\(|\b0)[\d ().\-]*\d")
PHONE_MIN_DIGITS = 9
POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2}\b", re.IGNORECASE)
STREET_WORDS = (
    "Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Drive|Dr|Close|Way|Court|Ct|Place|Pl|Crescent|"
    "Terrace|Gardens|Grove|Square|Sq|Row|Mews|Walk|Parade|Hill|Boulevard|Rise|View"
)
ADDRESS = re.compile(
    r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][A-Za-z'’\-]*\s+){1,3}"
    rf"(?:{'|'.join(f'[{w[0]}{w[0].lower()}]{w[1:]}' for w in STREET_WORDS.split('|'))})"
    r"\b"
)
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "madam", "customer"})


def letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: as many letters as a portfolio needs."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


@dataclass(frozen=True)
class CustomerDetails:
    """What identifies one customer; ``key`` tells repeat appearances apart."""

    key: object
    name: str = ""
    email: str = ""
    phone: str = ""
    other_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alias:
    label: str
    names: tuple[str, ...]
    emails: tuple[str, ...]
    phones: tuple[str, ...]


def _name_forms(name: str) -> list[str]:
    """The full name and each word of it that could identify the person alone."""
    name = " ".join((name or "").split())
    if not name:
        return []
    words = [w.strip(".,;:()\"'") for w in name.split(" ")]
    parts = [w for w in words if len(w) >= 2 and w.casefold() not in HONORIFICS]
    return [name, *parts]


@dataclass(frozen=True)
class RedactionContext:
    """The portfolio's customers (with their letters) and the references to hide."""

    aliases: tuple[Alias, ...] = ()
    order_refs: tuple[str, ...] = ()
    labels: dict[object, str] = field(default_factory=dict, compare=False)

    def label_for(self, key: object) -> str:
        """The customer's alias, or a neutral word for someone not in this portfolio."""
        return self.labels.get(key, "A customer")

    @cached_property
    def _names(self) -> tuple[re.Pattern[str] | None, dict[str, str]]:
        lookup: dict[str, str] = {}
        for alias in self.aliases:
            for name in alias.names:
                # Two customers sharing a first name: the earlier letter keeps it.
                lookup.setdefault(name.casefold(), alias.label)
        if not lookup:
            return None, lookup
        alternation = "|".join(re.escape(n) for n in sorted(lookup, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE), lookup

    @cached_property
    def _exact(self) -> list[tuple[re.Pattern[str], str]]:
        found: list[tuple[str, str]] = [(r, REFERENCE_REMOVED) for r in self.order_refs]
        for alias in self.aliases:
            found += [(e, EMAIL_REMOVED) for e in alias.emails]
            found += [(p, PHONE_REMOVED) for p in alias.phones]
        found.sort(key=lambda pair: len(pair[0]), reverse=True)
        return [
            (re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE), token)
            for value, token in found
            if len(value.strip()) >= 3
        ]

    def redact(self, text: str | None) -> str:
        return redact(text, self)


def build_context(
    customers: Iterable[CustomerDetails], order_refs: Iterable[str | None] = ()
) -> RedactionContext:
    """Give each customer a letter in the order given (repeats keep their first letter)."""
    merged: dict[object, list[CustomerDetails]] = {}
    for details in customers:
        merged.setdefault(details.key, []).append(details)
    aliases = []
    labels: dict[object, str] = {}
    for index, (key, found) in enumerate(merged.items()):
        label = f"Customer {letter(index)}"
        labels[key] = label
        names: list[str] = []
        for details in found:
            for raw in (details.name, *details.other_names):
                names += [n for n in _name_forms(raw) if n not in names]
        aliases.append(
            Alias(
                label=label,
                names=tuple(names),
                emails=tuple({d.email.strip() for d in found if d.email.strip()}),
                phones=tuple({d.phone.strip() for d in found if d.phone and d.phone.strip()}),
            )
        )
    refs = tuple(dict.fromkeys(r.strip() for r in order_refs if r and r.strip()))
    return RedactionContext(aliases=tuple(aliases), order_refs=refs, labels=labels)


def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return PHONE_REMOVED if digits >= PHONE_MIN_DIGITS else match.group(0)


def _reference_after_word(match: re.Match[str]) -> str:
    if sum(c.isdigit() for c in match.group(2)) < 4:
        return match.group(0)  # "order 2 kettles" is not a reference
    return match.group(1) + REFERENCE_REMOVED


def redact(text: str | None, context: RedactionContext) -> str:
    """Remove customers' personal data from ``text``; anything else is left as it was."""
    if not text:
        return text or ""
    out = EMAIL.sub(EMAIL_REMOVED, text)
    for pattern, token in context._exact:
        out = pattern.sub(token, out)
    out = REFERENCE_AFTER_WORD.sub(_reference_after_word, out)
    out = CODED_REFERENCE.sub(REFERENCE_REMOVED, out)
    out = HASH_REFERENCE.sub(REFERENCE_REMOVED, out)
    out = PHONE.sub(_phone, out)
    out = LONG_NUMBER.sub(REFERENCE_REMOVED, out)
    out = POSTCODE.sub(POSTCODE_REMOVED, out)
    out = ADDRESS.sub(ADDRESS_REMOVED, out)
    names, lookup = context._names
    if names is not None:
        out = names.sub(lambda m: lookup[m.group(0).casefold()], out)
    return out


def evidence_ticket_ids(learner_id: int) -> list[int]:
    """The learner's evidence tickets, in the order each first appears in the portfolio."""
    first = func.min(EvidenceRecord.occurred_at)
    rows = db.session.execute(
        select(EvidenceRecord.ticket_id, first, func.min(EvidenceRecord.id))
        .where(EvidenceRecord.learner_id == learner_id, EvidenceRecord.ticket_id.is_not(None))
        .group_by(EvidenceRecord.ticket_id)
        .order_by(first, func.min(EvidenceRecord.id))
    )
    return [int(ticket_id) for ticket_id, _first, _id in rows if ticket_id is not None]


def problem_ticket_ids(learner_id: int) -> list[int]:
    """Tickets grouped in the problem records the learner's evidence speaks of: their
    customers may be named in it too, so they get letters after the evidence tickets'."""
    first = func.min(EvidenceRecord.id)
    rows = db.session.execute(
        select(ProblemLink.ticket_id, first)
        .join(ProblemEvent, ProblemEvent.problem_id == ProblemLink.problem_id)
        .join(EvidenceRecord, EvidenceRecord.problem_event_id == ProblemEvent.id)
        .where(EvidenceRecord.learner_id == learner_id)
        .group_by(ProblemLink.ticket_id)
        .order_by(first, ProblemLink.ticket_id)
    )
    return [int(ticket_id) for ticket_id, _first in rows]


def _details(user: User) -> CustomerDetails:
    return CustomerDetails(key=user.id, name=user.name, email=user.email, phone=user.phone or "")


def _witness(customer_id: int, testimony: WitnessTestimony) -> CustomerDetails:
    """A witness is the ticket's customer: the name and contact they gave hide as theirs."""
    contact = (testimony.contact or "").strip()
    return CustomerDetails(
        key=customer_id,
        name=testimony.witness_name,
        email=contact if "@" in contact else "",
        phone=contact if contact and "@" not in contact else "",
    )


def portfolio_context(learner_id: int) -> RedactionContext:
    """The redaction context of one learner's portfolio (the same on every call)."""
    ticket_ids = evidence_ticket_ids(learner_id)
    ticket_ids += [t for t in problem_ticket_ids(learner_id) if t not in ticket_ids]
    tickets = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)))}
    witnesses: dict[int, list[CustomerDetails]] = {}
    for testimony, ticket_id in db.session.execute(
        select(WitnessTestimony, EvidenceRecord.ticket_id)
        .join(EvidenceRecord, WitnessTestimony.evidence_id == EvidenceRecord.id)
        .where(EvidenceRecord.learner_id == learner_id)
        .order_by(WitnessTestimony.id)
    ):
        owner = tickets.get(testimony.ticket_id or ticket_id or 0)
        if owner is not None and owner.customer_id is not None:
            witnesses.setdefault(owner.customer_id, []).append(
                _witness(owner.customer_id, testimony)
            )
    customers: list[CustomerDetails] = []
    refs: list[str | None] = []
    for ticket_id in ticket_ids:
        ticket = tickets.get(ticket_id)
        if ticket is None:
            continue
        refs.append(ticket.order_ref)
        if ticket.customer is not None:
            customers.append(_details(ticket.customer))
            customers += witnesses.get(ticket.customer.id, [])
    return build_context(customers, refs)
