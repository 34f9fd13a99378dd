"""Measure redaction on the corpus: recall of personal data and over-redaction.

Usage::

    .venv/bin/python bench/redaction.py                      # shared corpus + our own cases
    .venv/bin/python bench/redaction.py --corpus DIR_OR_FILE  # any corpus of the same format

Each case (see ``../shared/redaction/README.md``) is redacted with the people it names
known to the redaction, as the app knows them (customers by name and email, staff by
name, an address the customer typed). It prints, per corpus and overall:

- recall: the share of ``gone`` strings that no longer appear (1.0 = nothing leaked);
- over-redaction: the share of ``stay`` strings that were removed, and the share of the
  texts' other ordinary words (lower-case dictionary words outside the personal data)
  that were removed.

The app-level test (tests/views/test_redaction_corpus.py) plays the same cases through
every output; this is the quick number to compare one change of the rules with another.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpdesk.evidence import lexicon  # noqa: E402
from helpdesk.evidence.redaction import CustomerDetails, build_context  # noqa: E402

SHARED = Path(os.environ.get("HELPDESK_REDACTION_DIR") or ROOT.parent / "shared" / "redaction")
OWN = ROOT / "tests" / "data" / "redaction_cases.jsonl"


@dataclass
class Tally:
    gone: int = 0
    leaked: int = 0
    stay: int = 0
    removed: int = 0
    words: int = 0
    words_removed: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("gone", "leaked", "stay", "removed", "words", "words_removed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures += other.failures


def redact_case(case: dict[str, Any]) -> str:
    customers = [
        CustomerDetails(key=i, name=p["name"], email=p.get("email", ""))
        for i, p in enumerate(case["people"])
        if p["role"] == "customer"
    ]
    staff = [p["name"] for p in case["people"] if p["role"] == "staff"]
    context = build_context(customers, staff=staff)
    for person in case["people"]:
        context.learn(person.get("address"))
    return context.redact(case["text"])


def _ordinary_words(case: dict[str, Any]) -> list[str]:
    """The text's lower-case dictionary words that are not inside personal data."""
    text = case["text"]
    for gone in case["gone"]:
        text = text.replace(gone, " ")
    return [w for w in re.findall(r"\b[a-z]{3,}\b", text) if lexicon.is_ordinary(w)]


def measure(case: dict[str, Any]) -> Tally:
    out = redact_case(case)
    tally = Tally(gone=len(case["gone"]), stay=len(case["stay"]))
    for gone in case["gone"]:
        if gone in out:
            tally.leaked += 1
            tally.failures.append(f"{case['id']}: leaked {gone!r} in {out!r}")
    for stay in case["stay"]:
        if stay not in out:
            tally.removed += 1
            tally.failures.append(f"{case['id']}: removed {stay!r} from {out!r}")
    left = re.findall(r"\b[a-z]{3,}\b", out)
    for word in _ordinary_words(case):
        tally.words += 1
        if word not in left:
            tally.words_removed += 1
        else:
            left.remove(word)
    return tally


def load(path: Path) -> list[dict[str, Any]]:
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    return [json.loads(line) for f in files for line in f.read_text().splitlines() if line.strip()]


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "n/a"


def report(name: str, tally: Tally, cases: int) -> str:
    recall = _share(tally.gone - tally.leaked, tally.gone)
    return (
        f"{name:<28} cases {cases:>4}  recall {recall} ({tally.gone - tally.leaked}/{tally.gone})"
        f"  stay removed {_share(tally.removed, tally.stay)} ({tally.removed}/{tally.stay})"
        f"  ordinary words removed {_share(tally.words_removed, tally.words)}"
        f" ({tally.words_removed}/{tally.words})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", help="a .jsonl file or folder")
    parser.add_argument("--quiet", action="store_true", help="no list of failing cases")
    args = parser.parse_args(argv)
    corpora = args.corpus or [p for p in (SHARED, OWN) if p.exists()]
    started = time.perf_counter()
    lexicon.warm()
    total, count = Tally(), 0
    for corpus in corpora:
        cases = load(corpus)
        tally = Tally()
        for case in cases:
            tally.add(measure(case))
        print(report(corpus.name, tally, len(cases)))
        total.add(tally)
        count += len(cases)
    print(report("all", total, count))
    if not args.quiet:
        for failure in total.failures:
            print("  " + failure)
    print(f"({time.perf_counter() - started:.1f}s; reproduce: python bench/redaction.py)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
