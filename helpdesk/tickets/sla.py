"""SLA clocks: first response, the longest gap between public updates, resolution.

The deadlines live on the ticket row (kept in step before every flush), so the queue
can filter and sort by breach risk from an index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from helpdesk.domain import ClockState, Priority, Status
from helpdesk.models import SlaPolicy, Ticket
from helpdesk.models.types import utcnow

# Used for a priority that has no row yet, so a fresh install has sensible clocks.
DEFAULT_MINUTES: dict[int, tuple[int, int, int]] = {
    Priority.URGENT: (30, 120, 8 * 60),
    Priority.HIGH: (2 * 60, 8 * 60, 24 * 60),
    Priority.NORMAL: (8 * 60, 24 * 60, 3 * 24 * 60),
    Priority.LOW: (24 * 60, 3 * 24 * 60, 7 * 24 * 60),
}
# While the customer holds the ball the update clock stops.
PAUSED = frozenset({Status.AWAITING_CUSTOMER, Status.RESOLVED})
AT_RISK = timedelta(hours=1)


def policy_minutes(session: Session, priority: int) -> tuple[int, int, int]:
    row = session.scalar(select(SlaPolicy).where(SlaPolicy.priority == priority))
    if row is None:
        return DEFAULT_MINUTES.get(priority, DEFAULT_MINUTES[Priority.NORMAL])
    return (row.first_response_minutes, row.update_interval_minutes, row.resolution_minutes)


def refresh(ticket: Ticket, minutes: tuple[int, int, int]) -> None:
    """Recompute the ticket's deadlines from its facts and the policy."""
    first, interval, resolution = minutes
    created = ticket.created_at or utcnow()
    if not ticket.is_open:
        ticket.next_update_due_at = None
        ticket.sla_due_at = None
        return
    ticket.resolution_due_at = created + timedelta(minutes=resolution)
    # customer_id is only filled in at flush; the relationship is set before.
    if ticket.customer_id is None and ticket.customer is None:
        # A proactive report has nobody to answer or update: only resolution counts.
        ticket.first_response_due_at = None
        ticket.next_update_due_at = None
        ticket.sla_due_at = ticket.resolution_due_at
        return
    ticket.first_response_due_at = created + timedelta(minutes=first)
    last_update = ticket.last_public_update_at or ticket.first_response_at
    if last_update is not None and ticket.status not in PAUSED:
        ticket.next_update_due_at = last_update + timedelta(minutes=interval)
    else:
        ticket.next_update_due_at = None
    due = []
    if ticket.first_response_at is None:
        due.append(ticket.first_response_due_at)
    if ticket.next_update_due_at is not None:
        due.append(ticket.next_update_due_at)
    if ticket.status != Status.RESOLVED:
        due.append(ticket.resolution_due_at)
    ticket.sla_due_at = min(due) if due else None


@event.listens_for(Session, "before_flush")
def _keep_clocks(session: Session, _context: Any, _instances: Any) -> None:
    tickets = [o for o in (*session.new, *session.dirty) if isinstance(o, Ticket)]
    if not tickets:
        return
    with session.no_autoflush:
        cache: dict[int, tuple[int, int, int]] = {}
        for ticket in tickets:
            priority = ticket.priority or Priority.NORMAL
            if priority not in cache:
                cache[priority] = policy_minutes(session, priority)
            refresh(ticket, cache[priority])


@dataclass(frozen=True)
class Clock:
    name: str
    due_at: datetime | None
    met_at: datetime | None
    now: datetime

    @property
    def state(self) -> ClockState:
        if self.due_at is None:
            return ClockState.PAUSED
        if self.met_at is not None:
            return ClockState.MET if self.met_at <= self.due_at else ClockState.MISSED
        if self.now > self.due_at:
            return ClockState.OVERDUE
        if self.due_at - self.now < AT_RISK:
            return ClockState.AT_RISK
        return ClockState.RUNNING

    @property
    def is_counting(self) -> bool:
        """Running towards its due time (not met, missed or paused)."""
        return self.state in (ClockState.RUNNING, ClockState.AT_RISK, ClockState.OVERDUE)

    @property
    def words(self) -> str:
        """'2 h 5 min left', '40 min overdue', 'met', 'paused'."""
        state = self.state
        if state in (ClockState.MET, ClockState.MISSED, ClockState.PAUSED) or self.due_at is None:
            return str(state)
        delta = abs(self.due_at - self.now)
        total = int(delta.total_seconds() // 60)
        days, rest = divmod(total, 24 * 60)
        hours, mins = divmod(rest, 60)
        parts = [f"{days} d"] if days else []
        if hours:
            parts.append(f"{hours} h")
        if mins or not parts:
            parts.append(f"{mins} min")
        return f"{' '.join(parts)} {'overdue' if state == ClockState.OVERDUE else 'left'}"


def clocks(ticket: Ticket, now: datetime | None = None) -> list[Clock]:
    now = now or utcnow()
    # Met when staff resolved it, as resolved_within_target says: a customer slow to
    # confirm (closed_at) must not turn a resolution on time into a missed one.
    resolved = ticket.resolved_at or ticket.closed_at
    return [
        Clock("First response", ticket.first_response_due_at, ticket.first_response_at, now),
        Clock("Next update", ticket.next_update_due_at, None, now),
        Clock("Resolution", ticket.resolution_due_at, resolved, now),
    ]


def update_overdue(ticket: Ticket, now: datetime | None = None) -> bool:
    """The customer has not had a public update within the SLA's gap."""
    due = ticket.next_update_due_at
    return due is not None and (now or utcnow()) > due


def resolved_within_target(ticket: Ticket) -> bool | None:
    """For evidence of working within time parameters; None while still open."""
    end = ticket.resolved_at or ticket.closed_at
    if end is None or ticket.resolution_due_at is None:
        return None
    return end <= ticket.resolution_due_at
