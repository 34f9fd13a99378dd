"""Guards that keep the audit trail append-only, whatever code path tries otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, object_session, scoped_session

from helpdesk.models.audit import AuditEntry
from helpdesk.models.evidence import FrameworkRuleVersion
from helpdesk.models.problem import ProblemEvent
from helpdesk.models.ticket import TicketEvent

# What erasure writes over a person's own words in an append-only event.
ERASED_TEXT = "[erased]"
_ERASURE_FLAG = "erasure"


class AppendOnlyError(RuntimeError):
    pass


@contextmanager
def erasure(session: Session | scoped_session[Any]) -> Iterator[None]:
    """The one deliberate exception: inside this block an event's text may be replaced
    by ``[erased]`` (data rights erasure). Nothing else about an event may change."""
    session.info[_ERASURE_FLAG] = True
    try:
        yield
    finally:
        session.info.pop(_ERASURE_FLAG, None)


def _is_erasure(session: Session, target: Any) -> bool:
    if not session.info.get(_ERASURE_FLAG) or isinstance(target, AuditEntry):
        return False
    state = inspect(target)
    changed = {a.key for a in state.attrs if a.history.has_changes()}
    return changed == {"body"} and target.body == ERASED_TEXT


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(FrameworkRuleVersion, "before_update")
@event.listens_for(ProblemEvent, "before_update")
@event.listens_for(TicketEvent, "before_update")
def _refuse_event_update(_mapper: Any, _connection: Any, target: Any) -> None:
    # A correction is a new event, never an edit of an old one. Attaching a file to an
    # event only changes the other side's row, so only the event's own columns count.
    session = object_session(target)
    if session is not None and not session.is_modified(target, include_collections=False):
        return
    if session is not None and _is_erasure(session, target):
        return
    raise AppendOnlyError(f"{type(target).__name__} {target.id} is append-only")
