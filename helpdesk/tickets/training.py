"""Training and role-play tickets: staff flag them, and their evidence never counts.

The flag is on the ticket (``Ticket.training_kind``); what it means for a learner's
portfolio is ``helpdesk.evidence.training``. Every change is audited.
"""

from __future__ import annotations

from helpdesk.audit import audit
from helpdesk.domain import AuditAction, TrainingKind
from helpdesk.locking import flush_checked
from helpdesk.models import Ticket, User
from helpdesk.permissions import can_flag_training
from helpdesk.refusals import StaleTicketError, WorkflowError


def flag_training(
    ticket: Ticket, actor: User, kind: str | None, *, expected_version: int | None = None
) -> Ticket:
    """Flag the ticket as training or role play, or (``kind`` empty) as live work again.

    :raise WorkflowError: 403 for anyone ``can_flag_training`` refuses, 422 for a kind
        that is neither; 409 (stale) when the ticket changed since it was drawn.
    """
    if not can_flag_training(actor, ticket):
        raise WorkflowError(
            "Only staff who are not in learner mode can flag a training ticket.", status=403
        )
    if kind and kind not in set(TrainingKind):
        raise WorkflowError("Choose training, role play or live work.", "training_kind")
    if expected_version is not None and expected_version != ticket.version:
        raise StaleTicketError()
    new = TrainingKind(kind).value if kind else None
    old = ticket.training_kind
    if old == new:
        return ticket
    ticket.training_kind = new
    audit(AuditAction.TICKET_TRAINING_FLAGGED, actor, ticket, old=old or "live", new=new or "live")
    flush_checked()
    return ticket
