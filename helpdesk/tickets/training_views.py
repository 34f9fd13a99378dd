"""Flag a ticket as training or role play (its evidence never counts), from the workspace."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import RadioField

from helpdesk.domain import TrainingKind
from helpdesk.models import Ticket
from helpdesk.permissions import can_flag_training, get_ticket_or_404, is_staff, require
from helpdesk.tickets.blueprint import bp
from helpdesk.tickets.forms import VersionedForm
from helpdesk.tickets.training import flag_training
from helpdesk.tickets.workspace import act

KINDS = {"": "Live work", **{k.value: k.label for k in TrainingKind}}


class TrainingForm(VersionedForm):
    training_kind = RadioField("This ticket is", choices=KINDS, default="")


@bp.route("/tickets/<int:ticket_id>/training", methods=["POST"])
@require(is_staff)
def training(ticket_id: int) -> tuple[str, int] | Response:
    """Flag the ticket as training or role play, or as live work again."""
    if not can_flag_training(current_user, get_ticket_or_404(ticket_id)):
        abort(403)

    def action(ticket: Ticket, form: TrainingForm) -> None:
        kind = form.training_kind.data or None
        flag_training(ticket, current_user, kind, expected_version=form.version.data)

    return act(ticket_id, "training", TrainingForm(), action, panel="header")
