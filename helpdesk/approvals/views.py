from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.approvals.blueprint import bp
from helpdesk.approvals.forms import DecideApprovalForm, DecideConfirmationForm
from helpdesk.extensions import db
from helpdesk.htmx import render, wants_fragment
from helpdesk.models import Approval, Confirmation
from helpdesk.permissions import is_staff, require
from helpdesk.problems.forms import DecisionForm as ProblemDecisionForm
from helpdesk.problems.solutions import approvals_for as problem_approvals_for
from helpdesk.tickets import authority
from helpdesk.tickets.options import decide_approval, decide_confirmation
from helpdesk.tickets.workflow import WorkflowError


def _inbox(
    approval_forms: dict[int, DecideApprovalForm] | None = None,
    confirmation_forms: dict[int, DecideConfirmationForm] | None = None,
    status: int = 200,
    problem_forms: dict[int, ProblemDecisionForm] | None = None,
) -> tuple[str, int]:
    pending = db.session.scalars(
        select(Approval).where(Approval.state == "pending").order_by(Approval.id)
    )
    mine = [a for a in pending if authority.can_approve(current_user, a)]
    waiting = list(
        db.session.scalars(
            select(Approval)
            .where(Approval.state == "pending", Approval.requested_by_id == current_user.id)
            .order_by(Approval.id)
        )
    )
    confirmations = list(
        db.session.scalars(
            select(Confirmation)
            .where(Confirmation.colleague_id == current_user.id, Confirmation.state == "pending")
            .order_by(Confirmation.id)
        )
    )
    approval_forms = approval_forms or {}
    confirmation_forms = confirmation_forms or {}
    problem_approvals = problem_approvals_for(current_user)
    problem_forms = problem_forms or {}
    return (
        render(
            "approvals/inbox.html",
            "inbox",
            approvals=mine,
            waiting=waiting,
            confirmations=confirmations,
            approval_forms={a.id: approval_forms.get(a.id) or DecideApprovalForm() for a in mine},
            confirmation_forms={
                c.id: confirmation_forms.get(c.id) or DecideConfirmationForm()
                for c in confirmations
            },
            problem_approvals=problem_approvals,
            problem_forms={
                a.id: problem_forms.get(a.id) or ProblemDecisionForm() for a in problem_approvals
            },
        ),
        status,
    )


@bp.route("/approvals")
@require(is_staff)
def inbox() -> tuple[str, int]:
    """List approvals this person may decide and options they were asked to confirm."""
    return _inbox()


@bp.route("/approvals/<int:approval_id>", methods=["POST"])
@require(is_staff)
def decide(approval_id: int) -> tuple[str, int] | Response:
    """Approve or refuse a request, if this person's authority covers it."""
    approval = db.session.get(Approval, approval_id)
    if approval is None:
        abort(404)
    form = DecideApprovalForm()
    if not authority.can_approve(current_user, approval):
        if approval.state != "pending":
            flash("That request was already decided or voided.", "info")
            return redirect(url_for("approvals.inbox"))
        abort(403)
    if not form.validate():
        return _inbox(approval_forms={approval.id: form}, status=422)
    try:
        decide_approval(
            approval,
            current_user,
            approve=form.decision.data == "approve",
            reason=form.reason.data or "",
        )
    except WorkflowError as exc:
        db.session.rollback()
        form.reason.errors = [exc.message]
        return _inbox(approval_forms={approval.id: form}, status=422)
    if wants_fragment():
        return _inbox()
    flash("Decision recorded; the requester has been told.", "success")
    return redirect(url_for("approvals.inbox"))


@bp.route("/confirmations/<int:confirmation_id>", methods=["POST"])
@require(is_staff)
def confirm(confirmation_id: int) -> tuple[str, int] | Response:
    """Confirm or challenge an option a colleague asked about."""
    confirmation = db.session.get(Confirmation, confirmation_id)
    if confirmation is None or confirmation.colleague_id != current_user.id:
        abort(404)
    form = DecideConfirmationForm()
    if not form.validate():
        return _inbox(confirmation_forms={confirmation.id: form}, status=422)
    try:
        decide_confirmation(
            confirmation,
            current_user,
            confirm=form.decision.data == "confirm",
            comment=form.comment.data or "",
        )
    except WorkflowError as exc:
        db.session.rollback()
        form.comment.errors = [exc.message]
        return _inbox(confirmation_forms={confirmation.id: form}, status=422)
    if wants_fragment():
        return _inbox()
    flash("Thank you; your colleague has been told.", "success")
    return redirect(url_for("approvals.inbox"))
