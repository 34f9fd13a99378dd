"""A stand-in clock so demo timelines can look weeks old without editing any event.

Events are append-only (helpdesk.models.guards refuses updates), so they must be born
with their past timestamps. While a :class:`DemoClock` is active, each ticket or problem
event inserted takes the clock's time instead of the real one; the ticket's (or problem
record's) own timestamps, which the services stamped with the real time, are then moved
by the same amount afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, inspect, select

from helpdesk.extensions import db
from helpdesk.models import (
    Option,
    ProblemEvent,
    ProblemRecord,
    Promise,
    SatisfactionResponse,
    Ticket,
    TicketEvent,
)
from helpdesk.models.types import UTCDateTime, utcnow

# Apart enough to keep order on every database, close enough to read as one action.
TICK = timedelta(seconds=1)


class DemoClock:
    def __init__(self) -> None:
        self.started = utcnow()
        self._at: datetime | None = None
        self._last: datetime | None = None
        # (real time the service used, demo time the event got), in insertion order.
        self._stamps: list[tuple[datetime, datetime]] = []

    def set(self, at: datetime) -> None:
        """Make the events of the next action happen at ``at``."""
        self._at = at

    def stamp(self, real: datetime) -> datetime:
        if self._at is None:
            return real
        demo = self._at if self._last is None else max(self._at, self._last + TICK)
        self._last = demo
        self._stamps.append((real, demo))
        return demo

    def shift(self, value: datetime) -> datetime:
        """Move a real time by as much as the event stamped nearest to it was moved."""
        if not self._stamps:
            return value
        # Not a bisect: one flush inserts problem and ticket events table by table, so
        # the real times are not always in insertion order.
        real, demo = min(self._stamps, key=lambda stamp: abs(stamp[0] - value))
        return value + (demo - real)

    def backdate(self, ticket: Ticket) -> None:
        """Shift every timestamp the services set on ``ticket`` and its resolution rows
        (options, their approvals and confirmations, promises, satisfaction answers)
        while this clock ran, so a 40-day-old ticket's promise is not due tomorrow."""
        if not self._stamps:
            return
        options = db.session.scalars(select(Option).where(Option.ticket_id == ticket.id)).all()
        rows: list[Any] = [ticket, *options]
        for option in options:
            rows.extend([*option.approvals, *option.confirmations])
        for model in (Promise, SatisfactionResponse):
            rows.extend(db.session.scalars(select(model).where(model.ticket_id == ticket.id)))
        ended = utcnow()
        for row in rows:
            self._backdate_row(row, ended)

    def backdate_problem(self, problem: ProblemRecord) -> None:
        """Shift the times the services set on a problem record, its links, candidate
        solutions and their approvals, as :meth:`backdate` does for a ticket."""
        if not self._stamps:
            return
        rows: list[Any] = [problem, *problem.links, *problem.solutions]
        for solution in problem.solutions:
            rows.extend(solution.approvals)
        ended = utcnow()
        for row in rows:
            self._backdate_row(row, ended)

    def _backdate_row(self, row: Any, ended: datetime) -> None:
        # A deadline (an SLA clock, a promise's due time) counts from when its row was
        # made, so it moves as far as the row's own creation did.
        made = getattr(row, "created_at", None)
        real, demo = self._stamps[0]
        deadline_shift = (
            self.shift(made) - made if made is not None and made >= self.started else demo - real
        )
        for attr in inspect(type(row)).column_attrs:
            if not isinstance(attr.columns[0].type, UTCDateTime):
                continue
            value = getattr(row, attr.key)
            if value is None or value < self.started:
                continue
            setattr(row, attr.key, self.shift(value) if value <= ended else value + deadline_shift)


_active: ContextVar[DemoClock | None] = ContextVar("demo_clock", default=None)


def current_clock() -> DemoClock | None:
    """The clock of the demo ticket being played, if any."""
    return _active.get()


@contextmanager
def demo_clock() -> Iterator[DemoClock]:
    clock = DemoClock()
    token = _active.set(clock)
    try:
        yield clock
    finally:
        _active.reset(token)


@event.listens_for(TicketEvent, "before_insert")
@event.listens_for(ProblemEvent, "before_insert")
def _stamp_event(_mapper: Any, _connection: Any, target: TicketEvent | ProblemEvent) -> None:
    clock = _active.get()
    if clock is not None:
        # A service that left the time to the column default gets "now" like the rest.
        target.created_at = clock.stamp(target.created_at or utcnow())
