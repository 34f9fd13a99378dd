"""What a learner may do to their own evidence: add a note, untag a criterion.

Only while the record is pending: once an assessor has decided on it, it is immutable
(a re-decision is a new record). Untagging keeps the code's row, with when and why, so
the history stays; the record still points at the live ticket event it came from.
"""

from __future__ import annotations

from typing import Any

from helpdesk.extensions import db
from helpdesk.locking import reread_locked
from helpdesk.models import EvidenceCode, EvidenceRecord
from helpdesk.models.types import utcnow
from helpdesk.refusals import Refusal
from helpdesk.validation import required_text

NOTE_MAX = 4000
REASON_MAX = 1000


class EvidenceError(Refusal):
    """A refused change to evidence: the message, the field it belongs to, an HTTP status.

    403 not the learner's own, 409 already decided (immutable), 422 what was typed.
    """


def decided_message(record: EvidenceRecord) -> str:
    who = f" by {record.assessor_initials}" if record.assessor_initials else ""
    return (
        f"This evidence was {record.status}{who}: a decided record cannot change. "
        "Talk to your assessor if something is wrong."
    )


def check_may_change(record: EvidenceRecord, learner: Any) -> None:
    """:raise EvidenceError: 403 when not the learner's own, 409 once decided."""
    if learner is None or record.learner_id != getattr(learner, "id", None):
        raise EvidenceError("Only the learner can change their own evidence.", status=403)
    if record.decided:
        raise EvidenceError(decided_message(record), status=409)


def _still_pending(record: EvidenceRecord) -> EvidenceRecord:
    """Checked again under the lock: an assessor may have decided a moment ago."""
    record = reread_locked(record)
    if record.decided:
        raise EvidenceError(decided_message(record), status=409)
    return record


def _text(value: str | None, field: str, label: str, max_len: int) -> str:
    return required_text(value, field, label, max_len, EvidenceError)


def add_note(record: EvidenceRecord, learner: Any, text: str) -> EvidenceRecord:
    """Set the learner's note on their own pending evidence.

    :raise EvidenceError: 403 when not their own, 409 when decided, 422 for the text.
    """
    check_may_change(record, learner)
    text = _text(text, "note", "The note", NOTE_MAX)
    record = _still_pending(record)
    record.note = text
    db.session.flush()
    return record


def _live_code(record: EvidenceRecord, code: str) -> EvidenceCode:
    found = next((c for c in record.codes if c.code == code), None)
    if found is None:
        raise EvidenceError("This evidence is not tagged with that criterion.", "code")
    if found.untagged_at is not None:
        raise EvidenceError(f"{code} was already untagged.", "code")
    return found


def untag(record: EvidenceRecord, learner: Any, code: str, reason: str) -> EvidenceCode:
    """Take a criterion off the learner's own pending evidence, keeping the row and why.

    :raise EvidenceError: 403 when not their own, 409 when decided, 422 for a code the
        record does not carry (or no longer does) or a missing reason.
    """
    check_may_change(record, learner)
    _live_code(record, code)
    reason = _text(reason, "reason", "The reason", REASON_MAX)
    record = _still_pending(record)
    found = _live_code(record, code)  # again, under the lock
    found.untagged_at = utcnow()
    found.untag_reason = reason
    db.session.flush()
    return found
