"""Guards that keep the audit trail append-only, whatever code path tries otherwise."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from helpdesk.models.ticket import TicketEvent


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(TicketEvent, "before_update")
def _refuse_event_update(_mapper: Any, _connection: Any, target: TicketEvent) -> None:
    # A correction is a new event, never an edit of an old one.
    raise AppendOnlyError(f"ticket event {target.id} is append-only")
