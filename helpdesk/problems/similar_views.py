"""Similar tickets beside a ticket, and linking tickets to problem records (staff only)."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user
from werkzeug.wrappers import Response

from helpdesk.permissions import get_ticket_or_404, is_staff, require
from helpdesk.problems import similar_panel
from helpdesk.problems.blueprint import bp


@bp.before_request
def _no_customers() -> None:
    # Defence in depth: every problems URL refuses customers even if a view forgot.
    if current_user.is_authenticated and not current_user.is_staff:
        abort(403)


@bp.route("/tickets/<int:ticket_id>/similar")
@require(is_staff)
def similar(ticket_id: int) -> tuple[str, int]:
    """Show the tickets most like this one, with a form to link them to a problem record."""
    return similar_panel.render_panel(get_ticket_or_404(ticket_id))


@bp.route("/tickets/<int:ticket_id>/link-problem", methods=["POST"])
@require(is_staff)
def link_problem(ticket_id: int) -> tuple[str, int] | Response:
    """Link this ticket and the ticked similar ones to a new or an open problem record."""
    ticket = get_ticket_or_404(ticket_id)
    return similar_panel.link(ticket, similar_panel.LinkProblemForm())


@bp.route("/tickets/<int:ticket_id>/link-similar", methods=["POST"])
@require(is_staff)
def link_similar(ticket_id: int) -> Response:
    """Link the ticket and its very similar open tickets to a problem record in one click."""
    ticket = get_ticket_or_404(ticket_id)
    return similar_panel.link_similar(ticket, request.form.get("next"))
