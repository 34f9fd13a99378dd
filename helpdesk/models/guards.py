"""Guards that keep the audit trail append-only, whatever code path tries otherwise."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import object_session

from helpdesk.models.problem import ProblemEvent
from helpdesk.models.ticket import TicketEvent


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(ProblemEvent, "before_update")
@event.listens_for(TicketEvent, "before_update")
def _refuse_event_update(_mapper: Any, _connection: Any, target: Any) -> None:
    # A correction is a new event, never an edit of an old one. Attaching a file to an
    # event only changes the other side's row, so only the event's own columns count.
    session = object_session(target)
    if session is not None and not session.is_modified(target, include_collections=False):
        return
    raise AppendOnlyError(f"{type(target).__name__} {target.id} is append-only")
