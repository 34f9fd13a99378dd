"""Where the seed documents are, for the tests that compare our frameworks with them.

The seeds live beside a clone on our machines (``../shared/seeds``), not in it. A fresh
clone elsewhere skips those tests with a reason; CI, which always has them, fails loudly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def seeds_dir() -> Path:
    """The seed folder, or a skip (a fail under CI) that says where it was looked for."""
    return _shared_dir(
        "HELPDESK_SEEDS_DIR",
        "seeds",
        "00?_*.txt",
        "the seed documents are",
        "000_*.txt … 004_*.txt",
    )


def shared_redaction_dir() -> Path:
    """The redaction corpus folder (``corpus.jsonl``), or a skip (a fail under CI).

    ``HELPDESK_REDACTION_DIR`` names it (a larger, unshared corpus runs the same tests);
    otherwise it is ``../shared/redaction`` beside this clone.
    """
    return _shared_dir(
        "HELPDESK_REDACTION_DIR", "redaction", "*.jsonl", "the redaction corpus is", "corpus.jsonl"
    )


def _shared_dir(variable: str, folder: str, pattern: str, what: str, holding: str) -> Path:
    """``$variable`` or ``../shared/<folder>`` if it holds ``pattern``; else skip, or fail in CI."""
    configured = os.environ.get(variable)
    path = Path(configured) if configured else REPO.parent / "shared" / folder
    if path.is_dir() and any(path.glob(pattern)):
        return path
    reason = (
        f"{what} not at {path}: set {variable} to the folder "
        f"holding {holding}, or put shared/ beside this clone, to run these tests"
    )
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)
