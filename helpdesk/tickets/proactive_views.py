"""Workspace actions of a proactive report: steps taken, and informing people."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.permissions import is_staff, require
from helpdesk.tickets import proactive
from helpdesk.tickets.blueprint import bp
from helpdesk.tickets.proactive_forms import InformForm, ProactiveStepForm
from helpdesk.tickets.workspace import act

Result = tuple[str, int] | Response


@bp.route("/tickets/<int:ticket_id>/proactive/steps", methods=["POST"])
@require(is_staff)
def record_step(ticket_id: int) -> Result:
    """Record a step taken on a problem identified internally."""
    return act(
        ticket_id,
        "step",
        ProactiveStepForm(),
        lambda t, f: proactive.record_step(
            t, current_user, f.step.data or "", idempotency_key=f.idempotency_key.data or None
        ),
    )


@bp.route("/tickets/<int:ticket_id>/proactive/inform", methods=["POST"])
@require(is_staff)
def inform(ticket_id: int) -> Result:
    """Inform chosen managers and colleagues about the problem and the steps taken."""

    def run(ticket: Ticket, form: InformForm) -> None:
        ids = [int(i) for i in form.people.data or [] if i.isdecimal()]
        people = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
        proactive.inform(
            ticket,
            current_user,
            people=people,
            groups=form.groups.data or [],
            message=form.message.data or "",
            idempotency_key=form.idempotency_key.data or None,
        )

    return act(ticket_id, "inform", InformForm(), run)
