"""Admin-set numbers with code defaults: thresholds and periods the rules read."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.audit import audit
from helpdesk.domain import AuditAction
from helpdesk.extensions import db
from helpdesk.models import Setting, User


@dataclass(frozen=True)
class Knob:
    key: str
    label: str
    default: int
    minimum: int
    maximum: int
    hint: str


KNOBS = {
    k.key: k
    for k in (
        Knob(
            "repeat_alert_threshold",
            "Alert supervisors when a problem record reaches this many tickets",
            3,
            2,
            1000,
            "Creating a problem record always alerts; this adds an alert at the Nth ticket.",
        ),
        Knob(
            "possible_repeat_min",
            "Mark a new ticket as a possible repeat when it is very like this many open tickets",
            2,
            1,
            100,
            "The queue then offers to link it to a problem record.",
        ),
        Knob(
            "monitoring_days",
            "Days a live solution is monitored before its problem record may close",
            28,
            1,
            365,
            "It can close sooner only with a written reason.",
        ),
        Knob(
            "observation_record_days",
            "Days after the work an assessor may still record an observation of it",
            7,
            0,
            60,
            "Observations are recorded as they happen or within these days (0: same day).",
        ),
    )
}


def get_int(key: str) -> int:
    knob = KNOBS[key]
    row = db.session.get(Setting, key)
    if row is None:
        return knob.default
    try:
        return max(knob.minimum, min(knob.maximum, int(row.value)))
    except ValueError:
        return knob.default


def set_int(key: str, value: int, actor: User | None = None) -> None:
    """Save one number; a change made by someone is audited (old → new)."""
    knob = KNOBS[key]
    if not knob.minimum <= value <= knob.maximum:
        raise ValueError(f"Between {knob.minimum} and {knob.maximum}.")
    old = get_int(key)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=str(value)))
    else:
        row.value = str(value)
    if actor is not None and old != value:
        audit(AuditAction.SETTING_CHANGED, actor, None, key=key, old=old, new=value)
    db.session.flush()
