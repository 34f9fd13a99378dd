from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.actions import fragment_or_redirect, run_action
from helpdesk.approvals.blueprint import bp
from helpdesk.approvals.forms import DecideApprovalForm, DecideConfirmationForm
from helpdesk.domain import ApprovalState, ConfirmationState
from helpdesk.extensions import db
from helpdesk.forms import attach_refusal
from helpdesk.htmx import render
from helpdesk.models import Approval, Confirmation
from helpdesk.permissions import is_staff, require
from helpdesk.problems.forms import DecisionForm as ProblemDecisionForm
from helpdesk.problems.solutions import approvals_for as problem_approvals_for
from helpdesk.refusals import Refusal
from helpdesk.tickets import authority
from helpdesk.tickets.options import decide_approval, decide_confirmation


def _inbox(
    approval_forms: dict[int, DecideApprovalForm] | None = None,
    confirmation_forms: dict[int, DecideConfirmationForm] | None = None,
    status: int = 200,
    problem_forms: dict[int, ProblemDecisionForm] | None = None,
) -> tuple[str, int]:
    pending = db.session.scalars(
        select(Approval).where(Approval.state == ApprovalState.PENDING).order_by(Approval.id)
    )
    mine = [a for a in pending if authority.can_approve(current_user, a)]
    waiting = list(
        db.session.scalars(
            select(Approval)
            .where(
                Approval.state == ApprovalState.PENDING, Approval.requested_by_id == current_user.id
            )
            .order_by(Approval.id)
        )
    )
    confirmations = list(
        db.session.scalars(
            select(Confirmation)
            .where(
                Confirmation.colleague_id == current_user.id,
                Confirmation.state == ConfirmationState.PENDING,
            )
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


def _refused(form: FlaskForm, exc: Refusal, field: str, **forms: Any) -> tuple[str, int]:
    """A decision lost to a race is answered like any refusal: 422, next to the field."""
    attach_refusal(form, exc, field)
    return _inbox(status=422, **forms)


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
        if not approval.is_pending:
            flash("That request was already decided or voided.", "info")
            return redirect(url_for("approvals.inbox"))
        abort(403)
    return run_action(
        form,
        lambda: decide_approval(
            approval,
            current_user,
            approve=form.decision.data == "approve",
            reason=form.reason.data or "",
        ),
        redraw=lambda status, _: _inbox(approval_forms={approval.id: form}, status=status),
        done=lambda: fragment_or_redirect(
            _inbox, url_for("approvals.inbox"), "Decision recorded; the requester has been told."
        ),
        default_field="reason",
        on_stale=lambda exc: _refused(form, exc, "reason", approval_forms={approval.id: form}),
    )


@bp.route("/confirmations/<int:confirmation_id>", methods=["POST"])
@require(is_staff)
def confirm(confirmation_id: int) -> tuple[str, int] | Response:
    """Confirm or challenge an option a colleague asked about."""
    confirmation = db.session.get(Confirmation, confirmation_id)
    if confirmation is None or confirmation.colleague_id != current_user.id:
        abort(404)
    form = DecideConfirmationForm()
    return run_action(
        form,
        lambda: decide_confirmation(
            confirmation,
            current_user,
            confirm=form.decision.data == "confirm",
            comment=form.comment.data or "",
        ),
        redraw=lambda status, _: _inbox(confirmation_forms={confirmation.id: form}, status=status),
        done=lambda: fragment_or_redirect(
            _inbox, url_for("approvals.inbox"), "Thank you; your colleague has been told."
        ),
        default_field="comment",
        on_stale=lambda exc: _refused(
            form, exc, "comment", confirmation_forms={confirmation.id: form}
        ),
    )
