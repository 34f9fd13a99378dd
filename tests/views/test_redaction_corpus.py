"""The redaction corpus played through the app: each case's text typed where its author
types it, then every output a portfolio reader sees (portfolio, evidence, redacted ticket,
reflections, observations, assessor and IQA pages, the PDF and the CSV) read back. Zero
leaks and zero over-redactions, for the shared corpus and for our own cases."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from helpdesk.evidence.export_files import folder
from tests.redaction_corpus import OWN_CASES, load, play, problems
from tests.seeds import shared_redaction_dir


@pytest.fixture(autouse=True)
def export_folder(app: Flask, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path / "exports"))
    assert folder() is not None


def shared_cases() -> list[Any]:
    try:
        path = shared_redaction_dir()
    except pytest.skip.Exception as skipped:
        return [pytest.param(None, marks=pytest.mark.skip(reason=str(skipped)), id="no-corpus")]
    except pytest.fail.Exception:
        return [pytest.param(None, id="no-corpus-under-ci")]
    return [
        pytest.param(case, id=case["id"])
        for corpus in sorted(path.glob("*.jsonl"))
        for case in load(corpus)
    ]


@pytest.mark.parametrize("case", shared_cases())
def test_a_shared_corpus_case_leaks_nothing_and_keeps_its_words(app, assessor, case):
    if case is None:
        shared_redaction_dir()  # fails under CI with the reason
    out = play(case, 0, app, assessor)
    assert out.showing, "the case's text reached no output"
    assert problems(case, out) == []


# One of our own cases of each kind through every output (all of them run against the
# service itself in tests/unit/test_redaction.py, which is quicker).
THROUGH_THE_APP = (
    "own-hyphen-surname-alone",
    "own-nickname",
    "own-third-party-depot",
    "own-signature-newline",
    "own-card-masked",
    "own-sort-code-spaces",
    "own-address-full",
    "own-town-live-in",
    "own-phone-intl-00",
    "own-email-brackets",
    "own-dob-words",
    "own-ni-tight",
    "own-plate-old",
    "own-url",
    "own-ordinary-words",
    "own-products-stay",
    "own-staff-stay",
    "own-second-customer",
    "own-witness-sign",
    "h-possessive-2",
    "x-lower-neighbour",
)


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c["id"]) for c in load(OWN_CASES) if c["id"] in THROUGH_THE_APP]
)
def test_our_own_case_leaks_nothing_and_keeps_its_words(app, assessor, case):
    out = play(case, 1, app, assessor)
    assert problems(case, out) == []
