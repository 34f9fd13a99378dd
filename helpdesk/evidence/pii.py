"""Find personal data that has a shape: contact details, payment and bank details,
identity numbers, dates of birth, vehicles, addresses and references.

Each finder returns ``Found`` spans over the original text; ``redaction`` merges them
with the names it finds and replaces each with a token. The finders lean towards
finding too much (a number that could be a card is a card): a portfolio with one
word too few is a smaller harm than one with a customer's bank details.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import phonenumbers

EMAIL = "email"
LINK = "link"
PHONE = "phone"
CARD = "card"
BANK = "bank"
NI = "ni"
DOB = "dob"
VEHICLE = "vehicle"
POSTCODE = "postcode"
ADDRESS = "address"
REFERENCE = "reference"


@dataclass(frozen=True, order=True)
class Found:
    start: int
    end: int
    kind: str
    # A street, a town or a name worth hiding wherever it appears again in the portfolio.
    learn: str = ""


_I = re.IGNORECASE
URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", _I)
EMAIL_RE = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}")
# "nadia dot k at example dot com", "jo[at]mail[dot]co[dot]uk", "sam (at) x.org"
_AT = r"(?:\s*[\[(]\s*at\s*[\])]\s*|\s+at\s+|\s*@\s*)"
_DOT = r"(?:\s*[\[(]\s*dot\s*[\])]\s*|\s+dot\s+|\.)"
OBFUSCATED_EMAIL = re.compile(
    rf"\b[\w+\-]+(?:{_DOT}[\w+\-]+)*{_AT}[\w\-]+(?:{_DOT}[\w\-]+)*{_DOT}"
    r"(?:com|org|net|co|uk|io|edu|gov|info|biz|me|ie|de|fr|eu|us|ac|nhs)\b",
    _I,
)
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]{4}){2,7}(?:[ \-]?[A-Z0-9]{1,3})?\b", _I)
# 12 to 19 digits in groups (a card number, spaced, dashed or not).
CARD_NUMBER = re.compile(r"(?<![\d\-])\d{4}(?:[ \-]?\d{2,4}){2,4}(?:[ \-]?\d{1,3})?(?![\d\-])")
CARD_WORDS = (
    r"card|visa|mastercard|master\s?card|amex|american\s+express|maestro|debit|credit|"
    r"ending(?:\s+(?:in|with))?|ends?(?:\s+(?:in|with))?|last\s+(?:four|4)(?:\s+digits)?|long\s+number|cvv|"
    r"cvc|security\s+code|expiry|expires|exp|valid\s+(?:to|until|thru)"
)
# "card ending 4242", "last four digits are 0005", "Mastercard 5454", "**** 4242".
CARD_FRAGMENT = re.compile(
    rf"\b(?:{CARD_WORDS})\b(?:[^\S\n]*[^\w\s£$€][^\S\n]*|[^\S\n]+(?:[a-z]+[^\S\n]+){{0,4}})"
    r"(?:[*xX•#.\-]{2,}[^\S\n]*)?(\d{3,4}(?:[ /]\d{2,4})?)\b",
    _I,
)
MASKED_CARD = re.compile(r"(?:[*xX•#]{4}[ \-]?){1,3}\d{4}\b")
SORT_CODE = re.compile(r"(?<![\d\-/])\d{2}-\d{2}-\d{2}(?![\d\-/])")
SORT_CODE_WORD = re.compile(r"\bsort\s*code\b\W{0,3}(?:is\s+)?(\d{2}\W?\d{2}\W?\d{2})\b", _I)
NI_NUMBER = re.compile(r"\b[A-Z]{2}[ \-]?\d{2}[ \-]?\d{2}[ \-]?\d{2}[ \-]?[A-D]?\b", _I)
NI_WORDS = re.compile(r"\b(?:NI|NINO|national\s+insurance)\b", _I)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
DATE = re.compile(
    r"\b(?:\d{1,2}[/.\-]\d{1,2}[/.\-](\d{4}|\d{2})"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:{_MONTHS})\.?,?\s+(\d{{4}})"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(\d{{4}})"
    r"|(\d{4})-\d{2}-\d{2})\b",
    _I,
)
BIRTH_YEAR = re.compile(r"\b(?:born|b\.)\s+(?:in\s+)?((?:19|20)\d{2})\b", _I)
DOB_WORDS = re.compile(r"\b(?:date\s+of\s+birth|d\.?o\.?b\.?|born|birthday|birth\s+date)\b", _I)
# Current UK plates (AB12 CDE) anywhere; older shapes only after a word that says "plate".
PLATE = re.compile(r"\b[A-Z]{2}\d{2}[ ]?[A-Z]{3}\b")
PLATE_WORDS = re.compile(
    r"\b(?:reg(?:istration)?(?:\s+(?:no\.?|number|plate))?|number\s*plate|plate|vrn)\b\W{0,3}"
    r"(?:is\s+|was\s+)?([A-Z0-9]{1,4}[ ]?[A-Z0-9]{1,4})\b",
    _I,
)
POSTCODE_RE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR) ?\d[A-Z]{2}\b", _I)
# An outward code alone, where it is said to be one: "postcode LS6", "in the BS8 area".
POSTCODE_AREA = re.compile(
    r"\b(?:post\s?code|postal\s+code|zip)\W{0,3}(?:is\s+)?([A-Z]{1,2}\d[A-Z\d]?)\b"
    r"|\b([A-Z]{1,2}\d[A-Z\d]?)\s+(?:area|postcode|district)\b",
    _I,
)
STRONG_STREETS = (
    "Road|Rd|Street|Lane|Ln|Avenue|Ave|Drive|Close|Crescent|Cres|Terrace|Gardens|Grove|"
    "Mews|Boulevard|Cul-de-sac|Wynd|Square|Sq|Place|Way|Court|Row|Walk|Parade|Rise|"
    "Hill|View|Park|Green|Vale|Meadow|Meadows|Fields|Heights|Embankment|Broadway|"
    "Chase|Croft|Brow|Approach|Wharf|Quay|St"
)
_STREET_WORD = "|".join(f"[{w[0]}{w[0].lower()}]{w[1:]}" for w in STRONG_STREETS.split("|"))
_NAME_WORD = r"(?:[A-Z][\w'’\-]*|St\.?)"
# "14 Larch Close", "221B Baker Street", "27, Victoria Rd"
NUMBERED_STREET = re.compile(
    rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:{_NAME_WORD}\s+){{1,3}}(?:{_STREET_WORD}|St)\b\.?"
)
# "Larch Close" with no number: the street word must be capitalised and follow a name word.
STREET = re.compile(rf"\b(?:{_NAME_WORD}\s+){{1,3}}(?:{STRONG_STREETS})\b")
# Words of a place that are too common as words to be a street on their own.
_WEAK_STREET = frozenset(
    "Way Court Row Walk Rise Hill View Park Green Square Place Chase Approach Vale St".split()
)
FLAT = re.compile(
    r"\b(?:flat|apartment|apt|unit|suite|room|house|plot)\s+(?:no\.?\s*)?\d+[A-Z]?\b,?", _I
)
HOUSE_NUMBER = re.compile(r"\b(?:number|no\.?|house)\s+(\d{1,4}[A-Za-z]?)\b", _I)
_PLACE = (
    r"(?<![\w'’\-])[A-Z][A-Za-z'’\-]+"
    r"(?:[ \-](?:(?:upon|on|under|le|in|by|the)[ \-])?(?:St\.?|[A-Z][a-z'’\-]+)(?![\w'’\-])){0,3}"
)
# The town before a postcode: "Leeds LS6 2AB", "Bristol, BS8 1TH".
TOWN_BEFORE_POSTCODE = re.compile(rf"({_PLACE}),?\s+$")
# Where a person is: "I live in Harrogate", "she is staying in St Ives", "moved to York".
LOCATED = re.compile(
    r"\b(?:live[sd]?|living|stay(?:s|ed|ing)?|moved|moving|based|reside[sd]?|resident|"
    r"I'?m|I\s+am|we'?re|we\s+are|(?:s?he|they)(?:'s|\s+is|\s+are|'re)|"
    r"address(?:ed)?(?:\s+is)?|deliver(?:ed|y|ing)?|home|house|flat|visiting|mum|mother|dad|"
    r"father|sister|brother|son|daughter|neighbour|family|parents|gran|nan)"
    r"(?:\s+(?:it|them|this|that|the\s+\w+|here|now|currently|still|back|over|up|out|down))?"
    rf"\s+(?:in|at|near|to|from|outside|around)\s+(?:central\s+|north\s+|south\s+|east\s+|"
    rf"west\s+)?({_PLACE})",
)
REFERENCE_AFTER_WORD = re.compile(
    r"\b((?:order|account|acct|invoice|membership|customer|booking|ref|reference|policy|"
    r"tracking|consignment|parcel|case|claim|receipt|transaction|contract|serial|"
    r"confirmation|loyalty|member)"
    r"(?:\s+(?:no\.?|number|num|ref(?:erence)?|id|code))?(?:\s+(?:is|was))?\s*[:#]?\s*)"
    r"([A-Z0-9][A-Z0-9/\-]*\d[A-Z0-9/\-]*)",
    _I,
)
# ORD-123456, INV123456, nw-486335 (one letter, as in T-000123, is our own reference).
CODED_REFERENCE = re.compile(r"\b[A-Z]{2,5}[\-/]?\d{4,}\b", _I)
HASH_REFERENCE = re.compile(r"#\d{4,}\b")
LONG_NUMBER = re.compile(r"(?<![\d.,£$€])\d{6,}(?![\d.,])")
OWN_REFERENCE = re.compile(r"\b[TP]-\d{5,6}\b")
PHONE_LIKE = re.compile(r"(?:(?<![\w+])\+|(?<![\w(])\(|\b0)[\d ().\-]*\d")
PHONE_MIN_DIGITS = 9
# Ten or eleven digits in groups, with no prefix to say so: "1 800 555 0199".
DIGIT_GROUPS = re.compile(r"(?<![\w+.\-/])\d{1,5}(?:[ .\-]\d{2,5}){2,5}(?![\w.\-/]?\d)")
# How long ago a date must be to be someone's birth date rather than a delivery date.
BIRTH_YEARS = 12


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _year(match: re.Match[str]) -> int | None:
    raw = next((g for g in match.groups() if g), None)
    if raw is None:
        return None
    year = int(raw)
    if len(raw) == 2:
        year += 1900 if year > date.today().year % 100 + 1 else 2000
    return year


def _phone(text: str, start: int, end: int) -> Found:
    """The number without a bracket it does not close: "(+44 7700 900999" -> "+44 …"."""
    raw = text[start:end]
    if raw.startswith("(") and ")" not in raw:
        start += 1
    if raw.endswith(")") and "(" not in raw:
        end -= 1
    return Found(start, end, PHONE)


def _phones(text: str) -> Iterator[Found]:
    if _digits(text) < 7:
        return  # no phone number has fewer digits (and the matcher is the slow part)
    for number in phonenumbers.PhoneNumberMatcher(
        text, "GB", leniency=phonenumbers.Leniency.POSSIBLE
    ):
        digits = _digits(number.raw_string)
        if digits >= 10 or (digits >= 7 and phonenumbers.is_valid_number(number.number)):
            yield _phone(text, number.start, number.end)
    for match in PHONE_LIKE.finditer(text):
        if _digits(match.group(0)) >= PHONE_MIN_DIGITS:
            yield _phone(text, match.start(), match.end())
    for match in DIGIT_GROUPS.finditer(text):
        if 10 <= _digits(match.group(0)) <= 11:
            yield _phone(text, match.start(), match.end())


def _group(match: re.Match[str], kind: str, group: int = 1) -> Found:
    return Found(match.start(group), match.end(group), kind)


def _is_plate(text: str) -> bool:
    squeezed = text.replace(" ", "")
    return (
        any(c.isdigit() for c in squeezed)
        and any(c.isalpha() for c in squeezed)
        and 4 <= len(squeezed) <= 8
    )


def _streets(text: str) -> Iterator[Found]:
    for match in NUMBERED_STREET.finditer(text):
        street = re.sub(r"^\d{1,4}[A-Za-z]?,?\s+", "", match.group(0)).rstrip(".")
        yield Found(match.start(), match.end(), ADDRESS, learn=street)
    for match in STREET.finditer(text):
        words = match.group(0).split()
        while words and words[0].casefold() in _NOT_A_STREET_START:
            words = words[1:]
        if len(words) < 2:
            continue
        start = match.end() - len(" ".join(words))
        if words[-1] in _WEAK_STREET and not _after_place_word(text, start):
            continue
        yield Found(start, match.end(), ADDRESS, learn=" ".join(words))


_NOT_A_STREET_START = frozenset(
    "the a an this that my your our their his her its on in at to from of and or "
    "i we he she they it".split()
)
_PLACE_WORDS = re.compile(
    r"\b(?:to|on|in|at|from|along|off|near|onto|into|opposite|past|via|round|down|up|"
    r"address|live[sd]?|lives)\s+(?:the\s+)?$",
    _I,
)


# Words that introduce a postcode rather than name a town: "Postcode LS1 4AB".
_POSTCODE_LABELS = frozenset("postcode post code zip address is at to in near".split())


def _after_place_word(text: str, start: int) -> bool:
    return bool(_PLACE_WORDS.search(text[max(0, start - 20) : start]))


def _towns(text: str, found: list[Found]) -> Iterator[Found]:
    """Towns beside a postcode or after a street, and places a person is said to be."""
    for postcode in POSTCODE_RE.finditer(text):
        before = text[max(0, postcode.start() - 60) : postcode.start()]
        match = TOWN_BEFORE_POSTCODE.search(before)
        if match and match.group(1).split()[-1].casefold() not in _POSTCODE_LABELS:
            start = postcode.start() - len(before) + match.start(1)
            yield Found(start, start + len(match.group(1)), ADDRESS, learn=match.group(1))
    for street in [f for f in found if f.kind == ADDRESS]:
        after = text[street.end : street.end + 60]
        if match := re.match(rf",?\s*({_PLACE})", after):
            start = street.end + match.start(1)
            yield Found(start, start + len(match.group(1)), ADDRESS, learn=match.group(1))
    for match in LOCATED.finditer(text):
        place = match.group(1)
        if place.split()[0].casefold() in _NOT_A_STREET_START:
            continue
        yield Found(match.start(1), match.end(1), ADDRESS, learn=place)


def _contact(text: str) -> Iterator[Found]:
    for match in URL.finditer(text):
        yield Found(match.start(), match.end(), LINK)
    for pattern in (EMAIL_RE, OBFUSCATED_EMAIL):
        for match in pattern.finditer(text):
            yield Found(match.start(), match.end(), EMAIL)
    yield from _phones(text)


def _payment(text: str) -> Iterator[Found]:
    for match in IBAN.finditer(text):
        if _digits(match.group(0)) >= 8:
            yield Found(match.start(), match.end(), BANK)
    for match in CARD_NUMBER.finditer(text):
        if 12 <= _digits(match.group(0)) <= 19:
            yield Found(match.start(), match.end(), CARD)
    for match in CARD_FRAGMENT.finditer(text):
        yield _group(match, CARD)
    for match in MASKED_CARD.finditer(text):
        yield Found(match.start(), match.end(), CARD)
    for match in SORT_CODE.finditer(text):
        yield Found(match.start(), match.end(), BANK)
    for match in SORT_CODE_WORD.finditer(text):
        yield _group(match, BANK)


def _identity(text: str) -> Iterator[Found]:
    for match in NI_NUMBER.finditer(text):
        squeezed = re.sub(r"[ \-]", "", match.group(0))
        has_words = NI_WORDS.search(text[max(0, match.start() - 40) : match.start()])
        if len(squeezed) == 9 or has_words:
            yield Found(match.start(), match.end(), NI)
    for match in DATE.finditer(text):
        year = _year(match)
        said = DOB_WORDS.search(text[max(0, match.start() - 60) : match.start()])
        if said or (year is not None and year <= date.today().year - BIRTH_YEARS):
            yield Found(match.start(), match.end(), DOB)
    for match in BIRTH_YEAR.finditer(text):
        yield _group(match, DOB)
    for match in PLATE.finditer(text):
        yield Found(match.start(), match.end(), VEHICLE)
    for match in PLATE_WORDS.finditer(text):
        if _is_plate(match.group(1)):
            yield _group(match, VEHICLE)


def _places(text: str) -> Iterator[Found]:
    found: list[Found] = [Found(m.start(), m.end(), POSTCODE) for m in POSTCODE_RE.finditer(text)]
    for match in POSTCODE_AREA.finditer(text):
        group = 1 if match.group(1) else 2
        found.append(_group(match, POSTCODE, group))
    found.extend(_streets(text))
    found += [Found(m.start(), m.end(), ADDRESS) for m in FLAT.finditer(text)]
    found += [_group(m, ADDRESS) for m in HOUSE_NUMBER.finditer(text)]
    found.extend(list(_towns(text, found)))
    return iter(found)


def _references(text: str) -> Iterator[Found]:
    for match in REFERENCE_AFTER_WORD.finditer(text):
        if _digits(match.group(2)) >= 3:
            yield _group(match, REFERENCE, 2)
    for pattern in (CODED_REFERENCE, HASH_REFERENCE, LONG_NUMBER):
        for match in pattern.finditer(text):
            yield Found(match.start(), match.end(), REFERENCE)


def find(text: str) -> list[Found]:
    """Every shaped piece of personal data in ``text`` (spans may overlap); our own
    ticket and problem references (T-000123, P-00012) are not personal data."""
    found = [
        *_contact(text),
        *_payment(text),
        *_identity(text),
        *_places(text),
        *_references(text),
    ]
    own = [(m.start(), m.end()) for m in OWN_REFERENCE.finditer(text)]
    return [f for f in found if not any(s <= f.start < e for s, e in own)]
