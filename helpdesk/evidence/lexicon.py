"""The word lists redaction judges names by, loaded once from installed packages.

- first names and their short forms ("Dan" for "Daniel"): gender-guesser's nam_dict
  (about 48,000 given names from many countries, GFDL data);
- ordinary words: Webster's Second lower-case word list from english-words (MIT). Its
  lower-case entries are common nouns, verbs and adjectives, while names are listed
  capitalised, so "rose" and "price" are words but "daniel" and "siobhan" are not.

Nothing is fetched at run time: both lists ship inside their wheels.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

# Words that web2 lacks or spells apart but that people type every day.
_EXTRA_ORDINARY = frozenset(
    """
    ok okay email emails online website app refund refunds refunded voucher login
    logged password postcode courier parcel parcels kettle kettles toaster delivery
    delivered redelivery tracking invoice hi hello thanks cheers regards
    """.split()
)
# Webster's lists headwords: the little words and most inflections are not in it.
_CLOSED_CLASS = frozenset(
    """
    a an the this that these those my your his her its our their mine yours hers ours
    theirs i me you he him she we us they them myself yourself himself herself itself
    ourselves themselves who whom whose which what where when why how whoever whatever is
    am are was were be been being has have had having do does did doing done would
    shall should can could might must ought not no nor yes and or but if then else
    than so because as of at by for from in into on onto off out over under up down to
    with without within about above below after before between through during since until
    till upon via per against among around along across behind beyond near inside outside
    there here all any both each either every few many more most much neither none one
    other others some such own same too very just also only even still yet ever never
    again already always often sometimes soon later now today tonight tomorrow yesterday
    okay ok hi hello thanks sorry please lets let's it's i'm i've i'd i'll you're we're
    they're he's she's that's there's isn't aren't wasn't weren't don't doesn't didn't
    can't couldn't won't wouldn't shouldn't haven't hasn't hadn't cannot
    """.split()
)
_SUFFIXES = ("'s", "’s", "s", "es", "ed", "d", "ing", "ies", "ied", "er", "est", "ly")


@cache
def _nam_dict() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """(first names casefolded, full name -> its short forms)."""
    data = resources.files("gender_guesser").joinpath("data/nam_dict.txt")
    names: set[str] = set()
    short: dict[str, set[str]] = {}
    with data.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if line.startswith("#") or len(line) < 4:
                continue
            field = line[3:29].strip()
            if line.startswith("="):
                parts = field.split()
                if len(parts) == 2:
                    nick, full = (p.replace("+", "-").casefold() for p in parts)
                    short.setdefault(full, set()).add(nick)
                continue
            name = field.replace("+", "-").casefold()
            if name and (name.isalpha() or "-" in name):
                names.add(name)
    return frozenset(names), {k: frozenset(v) for k, v in short.items()}


@cache
def _ordinary() -> frozenset[str]:
    from english_words import get_english_words_set

    words = get_english_words_set(["web2"], lower=False, alpha=True)
    return frozenset(w for w in words if w.islower()) | _EXTRA_ORDINARY


@cache
def is_first_name(word: str) -> bool:
    return word.casefold() in _nam_dict()[0]


def short_forms(first_name: str) -> frozenset[str]:
    """Nicknames of a given name ("dan", "danny" for "daniel"), casefolded."""
    return _nam_dict()[1].get(first_name.casefold(), frozenset())


# Webster's spells American: "neighbour", "cancelled", "organise" are found as the
# American word.
_BRITISH = (
    ("our", "or"),
    ("ours", "ors"),
    ("ise", "ize"),
    ("ised", "ized"),
    ("ising", "izing"),
    ("isation", "ization"),
    ("lled", "led"),
    ("lling", "ling"),
    ("tre", "ter"),
    ("ogue", "og"),
    ("ence", "ense"),
)


def is_closed_class(word: str) -> bool:
    """Pronouns, auxiliaries, determiners, prepositions: never a name ("You collected…")."""
    return word.casefold().replace("’", "'") in _CLOSED_CLASS


@cache
def is_ordinary(word: str) -> bool:
    """Whether the word (any case) is an ordinary English word, inflections and British
    spellings included."""
    lower = word.casefold().strip("'’").replace("’", "'")
    for british, american in _BRITISH:
        if lower.endswith(british) and len(lower) > len(british) + 2:
            if _is_ordinary(lower[: -len(british)] + american):
                return True
    return _is_ordinary(lower)


def _is_ordinary(lower: str) -> bool:
    words = _ordinary()
    if lower in words or lower in _CLOSED_CLASS:
        return True
    for suffix in _SUFFIXES:
        if not lower.endswith(suffix) or len(lower) - len(suffix) < 3:
            continue
        stem = lower[: -len(suffix)]
        stems = [stem, stem + "e"]
        if suffix in ("ies", "ied"):
            stems.append(stem + "y")
        if suffix in ("ed", "ing", "er", "est") and len(stem) > 3 and stem[-1] == stem[-2]:
            stems.append(stem[:-1])  # swapped -> swap, bigger -> big
        # "-er", "-est", "-ly" only on a word a name is unlikely to be: a real stem.
        if any(s in words for s in stems) and (suffix not in ("er", "est", "ly") or len(stem) > 4):
            return True
    return False


def warm() -> None:
    """Load both lists now (the app does this at start, not on someone's first request)."""
    _nam_dict()
    _ordinary()
