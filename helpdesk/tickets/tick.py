"""The minute-by-minute sweep run by cron: SLA alerts, overdue promises, time-outs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from helpdesk.domain import NotificationKind
from helpdesk.extensions import db
from helpdesk.models import SlaAlert, Ticket
from helpdesk.models.types import utcnow
from helpdesk.notifications.services import notify_staff, supervisors
from helpdesk.tickets.promises import flag_overdue
from helpdesk.tickets.resolution import close_unconfirmed
from helpdesk.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TickReport:
    sla_alerts: int
    promises_overdue: int
    closed_no_response: int
    failed: tuple[str, ...] = ()  # each failed job with its reason

    def __str__(self) -> str:
        text = (
            f"SLA alerts: {self.sla_alerts}, overdue promises flagged: {self.promises_overdue}, "
            f"closed for no response: {self.closed_no_response}"
        )
        return text + "".join(f"\nFailed: {reason}" for reason in self.failed)


def alert_sla_breaches(now: datetime) -> int:
    """Tell the assignee (or the supervisors, if nobody holds it) once per missed deadline."""
    breached = db.session.scalars(
        select(Ticket).where(Ticket.sla_due_at.is_not(None), Ticket.sla_due_at < now)
    )
    count = 0
    for ticket in breached:
        due = ticket.sla_due_at
        if due is None:
            continue
        exists = db.session.scalar(
            select(SlaAlert.id).where(SlaAlert.ticket_id == ticket.id, SlaAlert.due_at == due)
        )
        if exists:
            continue
        db.session.add(SlaAlert(ticket_id=ticket.id, due_at=due))
        who = [ticket.assignee] if ticket.assignee else supervisors()
        notify_staff(
            who,
            NotificationKind.SLA_BREACH,
            f"{ticket.reference} has missed an SLA target.",
            ticket=ticket,
        )
        count += 1
    try:
        db.session.flush()
    except IntegrityError:
        # Another sweep got there first; its alerts stand.
        db.session.rollback()
        return 0
    return count


def _own_unit(name: str, job: Callable[[], int], failed: list[str]) -> int:
    """Run one job in its own unit of work: a failure is logged with its reason, its
    work rolled back, and the other jobs still run."""
    try:
        with unit_of_work():
            return job()
    except Exception as exc:  # noqa: BLE001 - one job's failure must not stop the others
        log.exception("Tick job %s failed", name)
        # The first line only: a database error goes on with the statement and its values.
        first_line = (str(exc).splitlines() or [""])[0]
        failed.append(f"{name}: {type(exc).__name__}: {first_line}"[:300])
        return 0


def run_tick(now: datetime | None = None) -> TickReport:
    at = now or utcnow()
    days = current_app.config["CONFIRMATION_DAYS"]
    failed: list[str] = []
    return TickReport(
        sla_alerts=_own_unit("SLA alerts", lambda: alert_sla_breaches(at), failed),
        promises_overdue=_own_unit("overdue promises", lambda: flag_overdue(at), failed),
        closed_no_response=_own_unit(
            "confirmation time-outs", lambda: close_unconfirmed(at, days), failed
        ),
        failed=tuple(failed),
    )
