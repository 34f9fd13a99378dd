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
    configured = os.environ.get("HELPDESK_SEEDS_DIR")
    path = Path(configured) if configured else REPO.parent / "shared" / "seeds"
    if path.is_dir() and any(path.glob("00?_*.txt")):
        return path
    reason = (
        f"the seed documents are not at {path}: set HELPDESK_SEEDS_DIR to the folder "
        "holding 000_*.txt … 004_*.txt, or put shared/ beside this clone, to run these tests"
    )
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def shared_redaction_dir() -> Path:
    """The redaction corpus folder (``corpus.jsonl``), or a skip (a fail under CI).

    ``HELPDESK_REDACTION_DIR`` names it (a larger, unshared corpus runs the same tests);
    otherwise it is ``../shared/redaction`` beside this clone.
    """
    configured = os.environ.get("HELPDESK_REDACTION_DIR")
    path = Path(configured) if configured else REPO.parent / "shared" / "redaction"
    if path.is_dir() and any(path.glob("*.jsonl")):
        return path
    reason = (
        f"the redaction corpus is not at {path}: set HELPDESK_REDACTION_DIR to the folder "
        "holding corpus.jsonl, or put shared/ beside this clone, to run these tests"
    )
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)
