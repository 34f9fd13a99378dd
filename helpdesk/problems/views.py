"""Problem records for staff: the list, a new record, the record page and its actions."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from helpdesk.approvals import views as inbox_views
from helpdesk.domain import ListFilter
from helpdesk.extensions import db
from helpdesk.forms import attach_refusal, category_choices, ensure_key
from helpdesk.htmx import render, wants_fragment
from helpdesk.models import CandidateSolution, ProblemApproval, ProblemRecord
from helpdesk.permissions import is_staff, require
from helpdesk.problems import monitoring, services, solutions
from helpdesk.problems.blueprint import bp
from helpdesk.problems.forms import (
    ActionForm,
    CloseForm,
    ConfirmForm,
    DecisionForm,
    LiveForm,
    ProblemForm,
    RootCauseForm,
    SolutionForm,
)
from helpdesk.problems.record import (
    STALE,
    STATUS_LABELS,
    Result,
    act,
    get_problem_or_404,
    render_record,
)
from helpdesk.tickets.workflow import StaleTicketError, WorkflowError

PAGE_SIZE = 25
FILTERS = {ListFilter.OPEN: "Open", ListFilter.CLOSED: "Closed", ListFilter.ALL: "All"}
MAX_ID = 2**31 - 1


@bp.route("/problems")
@require(is_staff)
def problems() -> tuple[str, int]:
    """List problem records, newest first, a page at a time."""
    status = request.args.get("status", ListFilter.OPEN)
    if status not in FILTERS:
        status = ListFilter.OPEN
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before <= MAX_ID:
        before = None
    rows = services.problems_page(status, before, PAGE_SIZE)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return (
        render(
            "problems/list.html",
            "problem_list",
            problems=rows,
            counts=services.linked_counts([p.id for p in rows]),
            status=status,
            before=before,
            next_before=rows[-1].id if more else None,
            filters=FILTERS,
            labels=STATUS_LABELS,
        ),
        200,
    )


@bp.route("/problems/new", methods=["GET", "POST"])
@require(is_staff)
def new_problem() -> Result:
    """Open a problem record: title, category and suspected root cause."""
    form = ProblemForm()
    form.category_id.choices = category_choices(blank="No category")
    if request.method == "POST" and form.validate():
        try:
            problem = services.create_problem(
                current_user,
                title=form.title.data or "",
                category_id=int(form.category_id.data) if form.category_id.data else None,
                root_cause=form.root_cause.data or "",
                idempotency_key=form.idempotency_key.data or None,
            )
        except WorkflowError as exc:
            attach_refusal(form, exc, "title")
        else:
            flash("Problem record opened; the supervisors have been alerted.", "success")
            url = url_for("problems.record", problem_id=problem.id)
            if wants_fragment():
                return Response(status=204, headers={"HX-Redirect": url})
            return redirect(url)
    status = 422 if request.method == "POST" else 200
    return render("problems/new.html", "new_problem", form=ensure_key(form)), status


@bp.route("/problems/<int:problem_id>")
@require(is_staff)
def record(problem_id: int) -> tuple[str, int]:
    """The problem record: tickets, cause, solutions, approval, actions, monitoring."""
    return render_record(get_problem_or_404(problem_id))


@bp.route("/problems/<int:problem_id>/root-cause", methods=["POST"])
@require(is_staff)
def root_cause(problem_id: int) -> Result:
    """Update the suspected root cause while the record is open."""

    def run(problem: ProblemRecord, f: RootCauseForm) -> None:
        if not problem.is_open:
            raise services.ProblemError("This problem record is closed.")
        services.update_root_cause(problem, current_user, f.root_cause.data or "")

    return act(problem_id, "root_cause", RootCauseForm(), run)


@bp.route("/problems/<int:problem_id>/solutions", methods=["POST"])
@require(is_staff)
def add_solution(problem_id: int) -> Result:
    """Add a candidate solution with its pros and cons for both sides and its cost."""

    def run(problem: ProblemRecord, f: SolutionForm) -> None:
        data = solutions.SolutionData(
            description=f.description.data or "",
            cost_minor=f.cost.minor or 0,
            pros_customer=f.pros_customer.data or "",
            cons_customer=f.cons_customer.data or "",
            pros_org=f.pros_org.data or "",
            cons_org=f.cons_org.data or "",
        )
        solutions.add_solution(
            problem,
            current_user,
            data,
            expected_version=f.version.data,
            idempotency_key=f.idempotency_key.data or None,
        )

    return act(problem_id, "solution", SolutionForm(), run, keyed=True)


def _solution_of(problem: ProblemRecord, solution_id: int) -> CandidateSolution:
    solution = db.session.get(CandidateSolution, solution_id)
    if solution is None or solution.problem_id != problem.id:
        abort(404)
    return solution


def _approval_of(problem: ProblemRecord, approval_id: int) -> ProblemApproval:
    approval = db.session.get(ProblemApproval, approval_id)
    if approval is None or approval.solution.problem_id != problem.id:
        abort(404)
    return approval


@bp.route("/problems/<int:problem_id>/solutions/<int:solution_id>/choose", methods=["POST"])
@require(is_staff)
def choose(problem_id: int, solution_id: int) -> Result:
    """Choose one of the compared solutions."""
    return act(
        problem_id,
        "choose",
        ConfirmForm(),
        lambda p, _f: solutions.choose_solution(p, current_user, _solution_of(p, solution_id)),
    )


@bp.route("/problems/<int:problem_id>/approval", methods=["POST"])
@require(is_staff)
def request_approval(problem_id: int) -> Result:
    """Ask a decision maker to approve the chosen solution."""
    return act(
        problem_id,
        "request",
        ConfirmForm(),
        lambda p, _f: solutions.request_approval(p, current_user),
    )


@bp.route("/problems/<int:problem_id>/approvals/<int:approval_id>", methods=["POST"])
@require(is_staff)
def decide(problem_id: int, approval_id: int) -> Result:
    """Approve or refuse the chosen solution, on the record page."""
    return act(
        problem_id,
        "decide",
        DecisionForm(),
        lambda p, f: solutions.decide_approval(
            _approval_of(p, approval_id),
            current_user,
            approve=f.decision.data == "approve",
            reason=f.reason.data or "",
        ),
    )


@bp.route("/problem-approvals/<int:approval_id>", methods=["POST"])
@require(is_staff)
def decide_from_inbox(approval_id: int) -> Result:
    """Approve or refuse a problem's chosen solution from the approvals inbox."""
    approval = db.session.get(ProblemApproval, approval_id)
    if approval is None:
        abort(404)
    form = DecisionForm()
    if not solutions.can_decide(current_user, approval):
        if not approval.is_pending:
            flash("That request was already decided or voided.", "info")
            return redirect(url_for("approvals.inbox"))
        abort(403)
    if not form.validate():
        return inbox_views._inbox(problem_forms={approval.id: form}, status=422)
    try:
        solutions.decide_approval(
            approval,
            current_user,
            approve=form.decision.data == "approve",
            reason=form.reason.data or "",
        )
    except WorkflowError as exc:
        message = STALE if isinstance(exc, StaleTicketError) else exc.message
        form.reason.errors = [*form.reason.errors, message]
        return inbox_views._inbox(problem_forms={approval.id: form}, status=422)
    if wants_fragment():
        return inbox_views._inbox()
    flash("Decision recorded; the requester has been told.", "success")
    return redirect(url_for("approvals.inbox"))


@bp.route("/problems/<int:problem_id>/actions", methods=["POST"])
@require(is_staff)
def record_action(problem_id: int) -> Result:
    """Note an action taken on the problem."""
    return act(
        problem_id,
        "action",
        ActionForm(),
        lambda p, f: services.record_action(
            p,
            current_user,
            f.text.data or "",
            expected_version=f.version.data,
            idempotency_key=f.idempotency_key.data or None,
        ),
        keyed=True,
    )


@bp.route("/problems/<int:problem_id>/live", methods=["POST"])
@require(is_staff)
def put_live(problem_id: int) -> Result:
    """Put the approved solution live; monitoring starts."""
    return act(
        problem_id,
        "live",
        LiveForm(),
        lambda p, f: monitoring.put_live(p, current_user, f.note.data),
    )


@bp.route("/problems/<int:problem_id>/close", methods=["POST"])
@require(is_staff)
def close(problem_id: int) -> Result:
    """Close the record after the monitoring period, or sooner with a reason."""
    return act(
        problem_id,
        "close",
        CloseForm(),
        lambda p, f: monitoring.close(p, current_user, f.reason.data or ""),
    )
