"""Keep personal data out of a portfolio and out of what staff see outside a ticket.

A portfolio is read by assessors, verifiers and quality assurers who have no need to know
who the customers were. Every text a portfolio shows, its exports, the team feed's quote
and staff notifications pass through one ``RedactionContext``, which fails closed:

- the people the helpdesk knows (customers, witnesses) become "Customer A", "Customer B"…
  by every part of their name, any case, titles, possessives, hyphenated parts, the
  short forms of their first name and the name in their email address; a lower-case
  part that is an ordinary word ("price", "rose") stays an ordinary word;
- other people named in the text (a neighbour, a courier, someone at a depot) become
  "Person 1", "Person 2"…, found by titles, relationships ("my neighbour X"), the verbs
  around them ("spoke to X"), signatures and name lists (``lexicon``);
- shaped personal data (``pii``): contact details, cards, bank details, NI numbers, dates
  of birth, vehicles, postcodes, streets, towns of an address, references;
- staff names stay: the portfolio is about the staff's work.

What is found in one text of a portfolio (a street, a town, a third party's name) is hidden
in all of its texts. The letters and numbers follow the order people first appear in the
learner's evidence, so a portfolio reads the same on every page and every call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import func, select

from helpdesk.domain import WORKFORCE_ROLES
from helpdesk.evidence import lexicon, pii
from helpdesk.extensions import db
from helpdesk.models import (
    EvidenceRecord,
    KnowledgeRecord,
    Observation,
    ProblemEvent,
    ProblemLink,
    ReflectiveAccount,
    Ticket,
    User,
    UserRole,
    WitnessTestimony,
)

EMAIL_REMOVED = "[email removed]"
PHONE_REMOVED = "[phone removed]"
POSTCODE_REMOVED = "[postcode removed]"
ADDRESS_REMOVED = "[address removed]"
REFERENCE_REMOVED = "[reference removed]"
NAME_REMOVED = "[name removed]"
TOKENS: dict[str, str] = {
    pii.EMAIL: EMAIL_REMOVED,
    pii.LINK: "[link removed]",
    pii.PHONE: PHONE_REMOVED,
    pii.CARD: "[card removed]",
    pii.BANK: "[bank details removed]",
    pii.NI: "[NI number removed]",
    pii.DOB: "[date of birth removed]",
    pii.VEHICLE: "[vehicle removed]",
    pii.POSTCODE: POSTCODE_REMOVED,
    pii.ADDRESS: ADDRESS_REMOVED,
    pii.REFERENCE: REFERENCE_REMOVED,
    "name": NAME_REMOVED,
}
HONORIFICS = frozenset(
    "mr mrs ms miss mx dr prof professor sir dame lady lord rev revd reverend fr "
    "madam master mstr".split()
)
# Family and household words that, capitalised, stand as a title: "Auntie Jo", "Nan Pat".
_FAMILY_TITLES = frozenset("auntie aunty aunt uncle nan nana nanna grandma grandpa gran".split())
RELATIONS = frozenset(
    """
    neighbour neighbours neighbor neighbors sister brother husband wife partner son daughter
    mum mom mother dad father friend friends landlord landlady tenant carer flatmate housemate
    cousin uncle aunt auntie nephew niece grandson granddaughter grandmother grandfather gran
    nan grandma grandpa fiance fiancé fiancee fiancée girlfriend boyfriend child lodger
    childminder nanny courier driver engineer technician plumber electrician fitter
    installer postman postwoman postie solicitor lawyer doctor nurse accountant neighbour's
    stepson stepdaughter stepmother stepfather sibling spouse relative receptionist called
    named
    """.split()
)
# Words that say the next capitalised words are someone: "spoke to Priya", "Dear Sam".
_STRONG_BEFORE = re.compile(
    r"(?:\b(?:spoke|speaking|spoken|talked|talking|chatted|wrote|write|writing|emailed|"
    r"texted|messaged|replied|reply|ask|asked|asking|tell|told|telling|call|called|calling|"
    r"ring|rang|ringing|phone|phoned|phoning|contact|contacted|contacting|thank|thanked|met|"
    r"meet|visited|email|text|message)(?:\s+(?:to|with|back|again|up|for|on|from))?"
    r"|\b(?:dear|hi|hello|hey|attn|attention|cc|c/o|care\s+of|on\s+behalf\s+of|signed\s+by|"
    r"signed\s+for\s+by|collected\s+by|handed\s+to|left\s+with|passed\s+to|name\s+is|"
    r"names\s+are|this\s+is|it'?s|i\s+am|i'?m|called|named|known\s+as|thanks|thank\s+you|"
    r"cheers|regards|wishes|sincerely|faithfully|love|from)"
    r")\s*,?\s*$",
    re.IGNORECASE,
)
_WEAK_BEFORE = re.compile(
    r"\b(?:with|by|for|to|from|and|or|of|about|via|at|tell|told|asked|ask)\s*$", re.IGNORECASE
)
_DETERMINER = re.compile(
    r"\b(?:a|an|the|this|that|these|those|our|your|their|its|his|her|my|any|some|each|"
    r"every|no|new|old|another)\s+$",
    re.IGNORECASE,
)
SIGN_OFFS = frozenset(
    "thanks thank regards cheers sincerely faithfully best love yours wishes ta warm kind "
    "many signed from".split()
)
GREETINGS = frozenset("hi hello dear hey morning afternoon evening".split())
PARTICLES = frozenset("van von der den de da di du la le del della bin binti ibn al el ap".split())
WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-](?=[^\W\d_]))*")
_POSSESSIVE = re.compile(r"['’]s?$")
_SENTENCE_END = re.compile(r"(?:^|[.!?\n:;\"“(\[]|\s[-–—])\s*$")
# Words capitalised for reasons other than being a name.
_NEVER_NAMES = frozenset(
    """
    i monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december christmas easter ok okay
    customer customers staff team tickets ticket problem option options refund visa
    mastercard amex paypal
    """.split()
)


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


@cache
def _base(token: str) -> str:
    """The word without a possessive: "Mensah's" -> "Mensah"."""
    return _POSSESSIVE.sub("", token) or token


def _name_parts(name: str) -> list[str]:
    """Each part of a name that could identify the person alone, casefolded: the
    words, each part of a hyphenated word, without titles or particles."""
    parts: list[str] = []
    for word in WORD.findall(name or ""):
        word = _base(word).casefold()
        for part in [word, *word.split("-")]:
            if len(part) >= 2 and part not in HONORIFICS and part not in PARTICLES:
                parts.append(part)
    return list(dict.fromkeys(parts))


def _email_parts(email: str) -> list[str]:
    """The name-like pieces of an email's local part: "dan.novak" -> dan, novak."""
    local = (email or "").split("@")[0]
    return [p.casefold() for p in re.split(r"[._+\-\d]+", local) if len(p) >= 3 and p.isalpha()]


def _is_capitalised(token: str) -> bool:
    return token[:1].isupper()


@dataclass
class _Person:
    label: str
    key: object = None
    # Forms matched in any case unless they are ordinary words in lower case.
    parts: set[str] = field(default_factory=set)
    # Short forms (nicknames) matched only when capitalised.
    short: set[str] = field(default_factory=set)


@dataclass
class RedactionContext:
    """The people of one portfolio (or one ticket) with their labels, and what to hide."""

    people: list[_Person] = field(default_factory=list)
    order_refs: tuple[str, ...] = ()
    exact: list[tuple[str, str]] = field(default_factory=list)
    staff: tuple[str, ...] = ()
    tokens: dict[str, str] = field(default_factory=lambda: dict(TOKENS))
    person_label: str = "Person {n}"
    unknown_label: str = "A customer"
    places: set[str] = field(default_factory=set)
    _part_labels: dict[str, set[str]] = field(default_factory=dict)
    _short_labels: dict[str, set[str]] = field(default_factory=dict)
    _third: dict[str, str] = field(default_factory=dict)
    _staff_parts: frozenset[str] = frozenset()
    _staff_full: re.Pattern[str] | None = None
    _places_pattern: re.Pattern[str] | None = None
    _exact_pattern: re.Pattern[str] | None = None
    _exact_kinds: dict[str, str] = field(default_factory=dict)
    # Each text redacted once per context: a portfolio page shows a summary many times.
    _done: dict[str, str] = field(default_factory=dict)
    _learned: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for value, kind in self.exact:
            self._exact_kinds.setdefault(value.casefold(), kind)
        if self._exact_kinds:
            alternation = "|".join(
                re.escape(v) for v in sorted(self._exact_kinds, key=len, reverse=True)
            )
            self._exact_pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)
        for person in self.people:
            self._index(person)
        self.staff = tuple(" ".join(s.split()) for s in self.staff if s and s.strip())
        self._staff_parts = frozenset(p for s in self.staff for p in _name_parts(s))
        if self.staff:
            names = sorted({s for s in self.staff if " " in s}, key=len, reverse=True)
            if names:
                alternation = "|".join(r"\s+".join(map(re.escape, n.split())) for n in names)
                self._staff_full = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)

    def _index(self, person: _Person) -> None:
        for part in person.parts:
            self._part_labels.setdefault(part, set()).add(person.label)
        for part in person.short:
            self._short_labels.setdefault(part, set()).add(person.label)

    # --- labels ----------------------------------------------------------------------------

    def label_for(self, key: object) -> str:
        """The customer's alias, or a neutral word for someone not in this portfolio."""
        for person in self.people:
            if person.key == key and person.key is not None:
                return person.label
        return self.unknown_label

    @property
    def labels(self) -> dict[object, str]:
        return {p.key: p.label for p in self.people if p.key is not None}

    def _third_party(self, name: str) -> str:
        """The label of someone named in the text who is not a known person (made once)."""
        key = " ".join(_name_parts(name))
        if key in self._third:
            return self._third[key]
        label = self.person_label.format(n=len(self._third) + 1)
        self._third[key] = label
        person = _Person(label=label, parts=set(_name_parts(name)))
        self.people.append(person)
        self._index(person)
        return label

    # --- finding ---------------------------------------------------------------------------

    def learn(self, text: str | None) -> None:
        """Remember the streets, towns and third parties ``text`` names, so that they are
        hidden in every other text of the portfolio, and number people in this order."""
        if text and text not in self._learned:
            self._learned.add(text)
            self._find(text)

    def redact(self, text: str | None) -> str:
        """``text`` with every piece of personal data replaced by its label or token."""
        if not text:
            return text or ""
        if text in self._done:
            return self._done[text]
        spans = self._find(text)
        out: list[str] = []
        at = 0
        for start, end, replacement in spans:
            out.append(text[at:start])
            out.append(replacement)
            at = end
        out.append(text[at:])
        self._done[text] = "".join(out)
        return self._done[text]

    def _find(self, text: str) -> list[tuple[int, int, str]]:
        found = pii.find(text)
        if self._exact_pattern is not None:
            for match in self._exact_pattern.finditer(text):
                kind = self._exact_kinds[match.group(0).casefold()]
                found.append(pii.Found(match.start(), match.end(), kind))
        for item in found:
            if item.learn and item.kind == pii.ADDRESS:
                self._learn_place(item.learn)
        if self.places:
            if self._places_pattern is None:
                alternation = "|".join(
                    re.escape(p) for p in sorted(self.places, key=len, reverse=True)
                )
                self._places_pattern = re.compile(rf"(?<![\w\-])(?:{alternation})(?![\w\-])")
            for match in self._places_pattern.finditer(text):
                found.append(pii.Found(match.start(), match.end(), pii.ADDRESS))
        links = [f for f in found if f.kind == pii.LINK]
        spans = _merge([(f.start, f.end, self.tokens[f.kind]) for f in found if f.kind != pii.LINK])
        spans += [span for f in links for span in self._link_names(text, f.start, f.end)]
        spans = _merge(spans)
        spans = _merge(spans + self._names(text, spans + [(f.start, f.end, "") for f in links]))
        return spans

    def _link_names(self, text: str, start: int, end: int) -> list[tuple[int, int, str]]:
        """The parts of a link that name someone ("…/ian.price/kettle", "owenprice"):
        a link stays readable (and its own text), only those parts go."""
        spans = []
        for part in re.finditer(r"[^/?#&=:.]+(?:\.[^/?#&=:.]+)*", text[start:end]):
            pieces = [p for p in re.split(r"[._\-+%~]+", part.group(0)) if p]
            folded = part.group(0).casefold()
            named = any(
                self._labels_of(p, capitalised=True)
                or (lexicon.is_first_name(p) and not lexicon.is_ordinary(p))
                for p in pieces
                if len(p) >= 3
            ) or any(len(n) >= 4 and n in folded for n in self._part_labels)
            if named:
                spans.append((start + part.start(), start + part.end(), self.tokens["name"]))
        return spans

    def _learn_place(self, place: str) -> None:
        words = place.split()
        if not words or any(w.casefold() in self._staff_parts for w in words):
            return
        if len(place) >= 4 and not (len(words) == 1 and lexicon.is_ordinary(place)):
            if place not in self.places:
                self.places.add(place)
                self._places_pattern = None

    def _names(self, text: str, taken: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """Known people by their names, then anyone else the text names."""
        protected = list(taken)
        if self._staff_full is not None:
            protected += [(m.start(), m.end(), "") for m in self._staff_full.finditer(text)]
        shouting = _mostly_capitals(text)
        tokens = [
            m
            for m in WORD.finditer(text)
            if not any(s <= m.start() < e or s < m.end() <= e for s, e, _ in protected)
        ]
        spans: list[tuple[int, int, str]] = []
        used: set[int] = set()
        for group in _capitalised_runs(text, tokens, shouting):
            person = self._judge(text, group, shouting)
            if person is not None:
                start, end, who = person
                spans.append((start, end, who))
                used.update(m.start() for m in group if start <= m.start() < end)
        for m in tokens:
            if m.start() in used:
                continue
            base = _base(m.group(0))
            label = self._known_word(text, m)
            if label is None and _named_in_lower_case(text, m):
                label = self._third_party(base)  # "my neighbour siobhan", "mrs okafor"
            if label is not None:
                spans.append((m.start(), m.start() + len(base), label))
        return _join_same(text, spans)

    def _labels_of(self, word: str, *, capitalised: bool) -> set[str]:
        base = _base(word).casefold()
        found = set(self._part_labels.get(base, set()))
        for part in base.split("-"):
            found |= self._part_labels.get(part, set())
        if capitalised:
            found |= self._short_labels.get(base, set())
        return found

    def _known_word(self, text: str, m: re.Match[str]) -> str | None:
        """A word that is part of a known person's name, used as a name."""
        word = m.group(0)
        base = _base(word)
        capitalised = _is_capitalised(base)
        labels = self._labels_of(base, capitalised=capitalised)
        if not labels:
            return None
        if base.casefold() in self._staff_parts and not self._part_labels.get(base.casefold()):
            return None
        if not capitalised and lexicon.is_ordinary(base) and not _name_position(text, m):
            return None  # "the price of the rose bush", but "thanks, rose"
        folded = base.casefold()
        in_parts = any(p in self._part_labels for p in (folded, *folded.split("-")))
        if not in_parts and _sentence_start(text, m.start()) and lexicon.is_ordinary(base):
            # A short form that is also a word ("May I ask"): a name only where it signs.
            after = text[m.end() : m.end() + 8]
            if not re.match(r"\s*(?:here\b|,|$|\.\s*$)", after):
                return None
        return labels.pop() if len(labels) == 1 else self.tokens["name"]

    def _judge(
        self, text: str, group: list[re.Match[str]], shouting: bool
    ) -> tuple[int, int, str] | None:
        """Whether a run of capitalised words names a person, and who."""
        words = [_base(m.group(0)) for m in group]
        start_index = 0
        before = text[max(0, group[0].start() - 40) : group[0].start()]
        first_at_start = _sentence_start(text, group[0].start())
        # "Called Daniel back": a sentence's first word is a verb, not part of the name.
        while start_index < len(words) - 1 and (
            words[start_index].casefold() in SIGN_OFFS | GREETINGS | HONORIFICS | _FAMILY_TITLES
            or (
                start_index == 0
                and first_at_start
                and lexicon.is_ordinary(words[0])
                and not self._labels_of(words[0], capitalised=True)
            )
        ):
            start_index += 1
        if start_index:
            cut = group[start_index].start()
            before = text[max(0, cut - 40) : cut]
            group = group[start_index:]
            words = words[start_index:]
            first_at_start = False
        if words[0].casefold() in SIGN_OFFS | GREETINGS | _NEVER_NAMES or (
            lexicon.is_closed_class(words[0])
        ):
            return None
        end = group[-1].start() + len(words[-1])
        start = group[0].start()
        person = self._is_person(text, words, before, end, first_at_start, shouting)
        if not person:
            return None
        if (
            person != "context"
            and any(w.casefold() in self._staff_parts for w in words)
            and not any(self._part_labels.get(w.casefold()) for w in words)
        ):
            return None
        labels = [
            self._labels_of(w, capitalised=True)
            for w in words
            if len(w) > 1 and w.casefold() not in PARTICLES
        ]
        if labels and all(labels) and len(set.intersection(*labels)) == 1:
            return start, end, next(iter(set.intersection(*labels)))
        if len(labels) == 1 and len(labels[0]) > 1:
            return start, end, self.tokens["name"]
        return start, end, self._third_party(" ".join(words))

    def _is_person(
        self,
        text: str,
        words: list[str],
        before: str,
        end: int,
        at_start: bool,
        shouting: bool,
    ) -> str:
        """ "context" (a title or relationship says so: even a staff member's first name
        is someone else's here), "plain" (judged a name), or "" (not a person)."""
        first = words[0]
        known = bool(self._labels_of(first, capitalised=True))
        if _titled(before):
            return "context"
        if shouting:
            return "plain" if known else ""
        if any(len(w) > 1 and w.isupper() for w in words) and not known:
            return ""  # an acronym: IBAN, NHS, DPD
        return "plain" if self._looks_named(text, words, before, end, at_start, known) else ""

    def _looks_named(
        self, text: str, words: list[str], before: str, end: int, at_start: bool, known: bool
    ) -> bool:
        first = words[0]
        ordinary = all(lexicon.is_ordinary(w) for w in words)
        first_name = lexicon.is_first_name(first) and not lexicon.is_ordinary(first)
        after = text[end : end + 12]
        if re.match(r"\s+here\b", after) and (at_start or re.search(r"[,.!]\s*$", before)):
            return known or lexicon.is_first_name(first) or not lexicon.is_ordinary(first)
        if _is_signature(text, before, end, len(words)):
            return not ordinary or lexicon.is_first_name(first) or known
        if _DETERMINER.search(before) and not re.search(r"\b(?:my|her|his|their)\s+$", before):
            return False
        if _DETERMINER.search(before) and re.match(r"\s+[a-z]", after):
            return False  # "my Russell Hobbs kettle": a thing
        if _THING_AFTER.match(text[end : end + 40]):
            return False  # "Russell Hobbs toasters", "Grace Hopper model"
        strong = bool(_STRONG_BEFORE.search(before))
        if strong and (not ordinary or (lexicon.is_first_name(first) and not at_start)):
            return True  # "spoke to Priya", "asked Will"
        if _SPEECH_AFTER.match(after) and (not ordinary or lexicon.is_first_name(first)):
            return True  # "Okafor said", "Pat rang back"
        if lexicon.is_first_name(first) and re.match(r"\s+from\s+(?:the\s+|our\s+)?\w", after):
            return True  # "Pat from the depot"
        if first_name and (len(words) > 1 or not at_start or _WEAK_BEFORE.search(before)):
            return True
        if first_name and at_start and re.match(r"\s+(?:[a-z]+\s+)?[a-z]", after):
            return True  # "Siobhan took the parcel in"
        if len(words) >= 2 and not ordinary and not at_start:
            rare = [w for w in words if not lexicon.is_ordinary(w)]
            return len(rare) == len(words) and any(lexicon.is_first_name(w) for w in words)
        return False


# Words after a brand, not after a person.
_THING_AFTER = re.compile(
    r"\s+(?:kettles?|toasters?|fridges?|freezers?|washers?|dryers?|ovens?|microwaves?|"
    r"hoovers?|vacuums?|mixers?|blenders?|machines?|models?|range|irons?|tvs?|laptops?|"
    r"speakers?|headphones|heaters?|fans?|lamps?|printers?|cameras?|appliances?|products?|"
    r"brand|version|units?|air\s+fryers?|coffee|cookers?|hobs?|dishwashers?|sofas?|"
    r"mattress(?:es)?|chairs?|tables?|beds?|bikes?|phones?|tablets?|watch(?:es)?|"
    r"one|ones|card|account|app|website|store|shop|branch|warehouse|depot|office)\b"
)
_SPEECH_AFTER = re.compile(
    r"\s+(?:said|says|told|asked|rang|rings|called|phoned|emailed|texted|wrote|replied|"
    r"confirmed|agreed|explained|promised|mentioned|complained|wants|wanted|thinks|thought|"
    r"signed|collected|answered|shouted)\b"
)


def _titled(before: str) -> bool:
    """Right after a title ("Mrs", "Dr.") or a relationship ("my neighbour"), on the same
    line: "…Sam Supervisor.\nKeep an eye out" is no title."""
    found = re.search(r"([\w'’]+)(\.?)(,?)[ \t]+$", before)
    if not found:
        return False
    word, dot, comma = found.group(1).casefold(), found.group(2), found.group(3)
    if word in HONORIFICS or word in _FAMILY_TITLES:
        return not comma
    return word in RELATIONS and not dot


def _name_position(text: str, m: re.Match[str]) -> bool:
    """Where only a name fits: after a title, a relationship, a greeting or a sign-off,
    before "here", or alone at the end after a comma ("thanks, dan")."""
    before = text[max(0, m.start() - 30) : m.start()]
    if _titled(before) or _previous_word(before) in GREETINGS | SIGN_OFFS:
        return True
    after = text[m.end() :]
    return bool(re.match(r"\s+here\b", after)) or (
        bool(re.search(r",\s*$", before)) and not after.strip(" .!\n")
    )


def _named_in_lower_case(text: str, m: re.Match[str]) -> bool:
    """A lower-case word that is no ordinary word, right after a title or relationship."""
    word = _base(m.group(0))
    if _is_capitalised(word) or len(word) < 2 or lexicon.is_ordinary(word):
        return False
    return _titled(text[max(0, m.start() - 30) : m.start()])


def _previous_word(before: str) -> str:
    """The word just before a name, casefolded, without a trailing full stop or comma."""
    found = re.search(r"([\w'’]+)\.?,?\s*$", before)
    return found.group(1).casefold() if found else ""


def _mostly_capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and sum(c.isupper() for c in letters) > 0.7 * len(letters)


def _sentence_start(text: str, at: int) -> bool:
    return bool(_SENTENCE_END.search(text[max(0, at - 4) : at])) or not text[:at].strip()


def _is_signature(text: str, before: str, end: int, count: int) -> bool:
    """The last words of a text, alone on their line or after a sign-off."""
    if count > 3 or text[end:].strip(" .!\n\t'\"”") != "" or not before.strip():
        return False  # a text of one word signs nothing
    return bool(
        re.search(r"(?:^|[\n.!?]|\b(?:" + "|".join(SIGN_OFFS) + r")\b,?|[,\-–—])\s*$", before, re.I)
    )


def _capitalised_runs(
    text: str, tokens: list[re.Match[str]], shouting: bool
) -> list[list[re.Match[str]]]:
    """Runs of capitalised words joined by single spaces (particles allowed inside)."""
    runs: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []
    for index, m in enumerate(tokens):
        word = m.group(0)
        joined = bool(current) and text[current[-1].end() : m.start()] in (" ", "-")
        if _is_capitalised(word) or shouting:
            if not joined and current:
                runs.append(current)
                current = []
            current.append(m)
            if _base(word) != word:  # a possessive ends the name
                runs.append(current)
                current = []
            continue
        ahead = index + 1
        while ahead < len(tokens) and tokens[ahead].group(0) in PARTICLES:
            ahead += 1
        nxt = tokens[ahead] if ahead < len(tokens) else None
        if (
            joined
            and word in PARTICLES
            and nxt is not None
            and _is_capitalised(nxt.group(0))
            and text[m.end() : tokens[index + 1].start()] == " "
        ):
            current.append(m)
            continue
        if current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    out = []
    for run in runs:
        while run and run[-1].group(0) in PARTICLES:
            run = run[:-1]
        # A name is at most four words; longer runs are titles of things or shouting.
        if run and (len(run) <= 4 or shouting):
            out.append(run)
    return out


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping spans become one; the longest span's replacement wins."""
    merged: list[tuple[int, int, str]] = []
    for start, end, token in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            keep = last[2] if last[1] - last[0] >= end - start else token
            merged[-1] = (last[0], max(last[1], end), keep)
        else:
            merged.append((start, end, token))
    return merged


def _join_same(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """ "Jade Turner" is one "Customer A", not "Customer A Customer A"."""
    out: list[tuple[int, int, str]] = []
    for span in sorted(spans):
        if out and out[-1][2] == span[2] and text[out[-1][1] : span[0]] in (" ", "-"):
            out[-1] = (out[-1][0], span[1], span[2])
        else:
            out.append(span)
    return out


def _person_for(label: str, key: object, found: list[CustomerDetails]) -> _Person:
    parts: list[str] = []
    short: set[str] = set()
    for details in found:
        for raw in (details.name, *details.other_names):
            parts += [p for p in _name_parts(raw) if p not in parts]
            words = WORD.findall(raw or "")
            first = next((w for w in words if w.casefold() not in HONORIFICS), "")
            if first:
                short |= set(lexicon.short_forms(first))
        parts += [p for p in _email_parts(details.email) if p not in parts]
    return _Person(label=label, key=key, parts=set(parts), short=short - set(parts))


def build_context(
    customers: Iterable[CustomerDetails],
    order_refs: Iterable[str | None] = (),
    *,
    staff: Iterable[str] = (),
    label: str = "Customer {letter}",
    tokens: dict[str, str] | None = None,
) -> RedactionContext:
    """Give each customer a letter in the order given (repeats keep their first letter)."""
    merged: dict[object, list[CustomerDetails]] = {}
    for details in customers:
        merged.setdefault(details.key, []).append(details)
    people = [
        _person_for(label.format(letter=letter(index)), key, found)
        for index, (key, found) in enumerate(merged.items())
    ]
    refs = tuple(dict.fromkeys(r.strip() for r in order_refs if r and r.strip()))
    exact = [(r, pii.REFERENCE) for r in refs if len(r) >= 3]
    for found in merged.values():
        for details in found:
            if details.email.strip():
                exact.append((details.email.strip(), pii.EMAIL))
            if details.phone and len(details.phone.strip()) >= 3:
                exact.append((details.phone.strip(), pii.PHONE))
    exact.sort(key=lambda pair: len(pair[0]), reverse=True)
    return RedactionContext(
        people=people,
        order_refs=refs,
        exact=exact,
        staff=tuple(staff),
        tokens={**TOKENS, **(tokens or {})},
    )


def redact(text: str | None, context: RedactionContext) -> str:
    """Remove personal data from ``text``; anything else is left as it was."""
    return context.redact(text)


def staff_names() -> list[str]:
    """Everyone who works here (agents, assessors, IQAs, admins): their names stay in a
    portfolio, which is about their work."""
    rows = db.session.scalars(
        select(User.name).join(User.roles).where(UserRole.role.in_(WORKFORCE_ROLES)).distinct()
    )
    return sorted({name for name in rows if name})


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


def customer_details(user: User) -> CustomerDetails:
    """What identifies a customer account: name, email, phone."""
    return CustomerDetails(key=user.id, name=user.name, email=user.email, phone=user.phone or "")


_details = customer_details


def _witness(customer_id: int, testimony: WitnessTestimony) -> CustomerDetails:
    """A witness is the ticket's customer: the name and contact they gave hide as theirs."""
    contact = (testimony.contact or "").strip()
    return CustomerDetails(
        key=customer_id,
        name=testimony.witness_name,
        email=contact if "@" in contact else "",
        phone=contact if contact and "@" not in contact else "",
    )


def _portfolio_texts(learner_id: int, tickets: list[Ticket]) -> list[str]:
    """Every text the portfolio shows, in a fixed order (so people keep their numbers)."""
    texts: list[str] = []
    for ticket in tickets:
        texts += [ticket.subject, ticket.description]
        texts += [e.body for e in ticket.events]
    records = db.session.scalars(
        select(EvidenceRecord)
        .where(EvidenceRecord.learner_id == learner_id)
        .order_by(EvidenceRecord.id)
    )
    for record in records:
        texts += [record.summary, record.note, record.feedback]
        if record.testimony is not None:
            texts.append(record.testimony.statement)
    for account in db.session.scalars(
        select(ReflectiveAccount)
        .where(ReflectiveAccount.learner_id == learner_id)
        .order_by(ReflectiveAccount.id)
    ):
        texts += [account.title, account.situation, account.task, account.action, account.result]
    for observation in db.session.scalars(
        select(Observation).where(Observation.learner_id == learner_id).order_by(Observation.id)
    ):
        texts += [observation.place, observation.activity, observation.comments]
        texts += [observation.learner_comments, *(p.comment for p in observation.pins)]
    for knowledge in db.session.scalars(
        select(KnowledgeRecord)
        .where(KnowledgeRecord.learner_id == learner_id)
        .order_by(KnowledgeRecord.id)
    ):
        texts += [knowledge.questions, knowledge.answers, knowledge.feedback]
    return [t for t in texts if t]


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
    ordered = [tickets[t] for t in ticket_ids if t in tickets]
    for ticket in ordered:
        refs.append(ticket.order_ref)
        if ticket.customer is not None:
            customers.append(_details(ticket.customer))
            customers += witnesses.get(ticket.customer.id, [])
    context = build_context(customers, refs, staff=staff_names())
    for text in _portfolio_texts(learner_id, ordered):
        context.learn(text)
    return context


def ticket_context(
    ticket: Ticket | None,
    *,
    about: Iterable[Ticket] = (),
    label: str = "Customer {letter}",
    **kwargs: Any,
) -> RedactionContext:
    """The redaction of tickets' texts seen outside them (the feed, staff notifications):
    their customers, order references, and what their own texts name."""
    tickets = list(dict.fromkeys(t for t in (ticket, *about) if t is not None))
    customers = [customer_details(t.customer) for t in tickets if t.customer is not None]
    refs = [t.order_ref for t in tickets]
    context = build_context(customers, refs, staff=staff_names(), label=label, **kwargs)
    for found in tickets:
        for text in (found.subject, found.description, *(e.body for e in found.events)):
            context.learn(text)
    return context
