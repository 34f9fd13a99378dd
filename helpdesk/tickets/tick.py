"""The minute-by-minute sweep run by cron: SLA alerts, overdue promises, time-outs."""

from __future__ import annotations

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


@dataclass(frozen=True)
class TickReport:
    sla_alerts: int
    promises_overdue: int
    closed_no_response: int

    def __str__(self) -> str:
        return (
            f"SLA alerts: {self.sla_alerts}, overdue promises flagged: {self.promises_overdue}, "
            f"closed for no response: {self.closed_no_response}"
        )


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
        db.session.commit()
    except IntegrityError:
        # Another sweep got there first; its alerts stand.
        db.session.rollback()
        return 0
    return count


def run_tick(now: datetime | None = None) -> TickReport:
    now = now or utcnow()
    return TickReport(
        sla_alerts=alert_sla_breaches(now),
        promises_overdue=flag_overdue(now),
        closed_no_response=close_unconfirmed(now, current_app.config["CONFIRMATION_DAYS"]),
    )
