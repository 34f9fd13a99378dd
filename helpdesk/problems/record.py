"""The problem record page: its panels' data and forms, and the one way actions answer.

Views post a single form; ``act()`` validates it, checks the version the person saw,
calls the service, and answers with the whole record (an htmx swap) or a redirect,
keeping what was typed on a refusal (422) and showing the fresh state when stale (409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import abort, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from helpdesk.actions import fragment_or_redirect, run_action
from helpdesk.domain import ProblemEventKind, ProblemStatus
from helpdesk.evidence.badges import problem_event_badges
from helpdesk.extensions import db
from helpdesk.formatting import when
from helpdesk.forms import ensure_key
from helpdesk.htmx import render
from helpdesk.models import ProblemRecord
from helpdesk.models.types import utcnow
from helpdesk.problems import monitoring, services, solutions
from helpdesk.problems.forms import (
    ActionForm,
    CloseForm,
    ConfirmForm,
    DecisionForm,
    LiveForm,
    RootCauseForm,
    SolutionForm,
)
from helpdesk.refusals import StaleTicketError
from helpdesk.settings import get_int
from helpdesk.tickets.forms import VersionedForm

Result = tuple[str, int] | Response

STATUS_LABELS = {
    ProblemStatus.OPEN: "Open",
    ProblemStatus.SOLUTION_CHOSEN: "Solution chosen",
    ProblemStatus.APPROVED: "Solution approved",
    ProblemStatus.LIVE: "Live: monitoring",
    ProblemStatus.CLOSED: "Closed",
}

EVENT_LABELS = {
    ProblemEventKind.CREATED: "opened the problem record",
    ProblemEventKind.TICKETS_LINKED: "linked tickets",
    ProblemEventKind.AUTHORITY_ALERTED: "alerted the supervisors",
    ProblemEventKind.ROOT_CAUSE: "updated the suspected root cause",
    ProblemEventKind.SOLUTION_ADDED: "added a candidate solution",
    ProblemEventKind.SOLUTION_CHOSEN: "chose the solution",
    ProblemEventKind.APPROVAL_REQUESTED: "asked for approval",
    ProblemEventKind.SOLUTION_APPROVED: "approved the solution",
    ProblemEventKind.SOLUTION_REFUSED: "refused the solution",
    ProblemEventKind.ACTION: "recorded an action",
    ProblemEventKind.SOLUTION_LIVE: "put the solution live",
    ProblemEventKind.CLOSED: "closed the problem record",
}

STALE = (
    "This problem record changed since you opened it. Here is the latest; check it and try again."
)

CHART_WEEKS = 12
BAR_WIDTH = 18
BAR_GAP = 4
CHART_HEIGHT = 60


def get_problem_or_404(problem_id: int) -> ProblemRecord:
    """Load a problem record (staff-only views check the person first)."""
    problem = db.session.get(ProblemRecord, problem_id)
    if problem is None:
        abort(404)
    return problem


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    count: int
    week_of: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    total: int
    summary: str


def chart(counts: list[int], now: datetime) -> Chart:
    """Bars for the linked tickets per week, with words that say the same."""
    start = now - timedelta(weeks=len(counts))
    top = max(counts, default=0) or 1
    bars = []
    for i, count in enumerate(counts):
        height = round(count / top * (CHART_HEIGHT - 10))
        bars.append(
            Bar(
                x=i * (BAR_WIDTH + BAR_GAP),
                y=CHART_HEIGHT - height,
                height=height,
                count=count,
                week_of=when(start + timedelta(weeks=i))[:6],  # "05 Mar"
            )
        )
    total = sum(counts)
    summary = (
        f"Linked tickets per week over the last {len(counts)} weeks, oldest first: "
        f"{', '.join(str(c) for c in counts)}; {total} in all."
    )
    width = len(counts) * (BAR_WIDTH + BAR_GAP) - BAR_GAP
    return Chart(bars=bars, width=max(width, 1), height=CHART_HEIGHT, total=total, summary=summary)


@dataclass(frozen=True)
class Spec:
    cls: type[FlaskForm]
    initial: Callable[[ProblemRecord], dict[str, Any]] = field(default=lambda _p: {})


SPECS: dict[str, Spec] = {
    "root_cause": Spec(RootCauseForm, lambda p: {"root_cause": p.root_cause}),
    "solution": Spec(SolutionForm),
    "choose": Spec(ConfirmForm),
    "request": Spec(ConfirmForm),
    "decide": Spec(DecisionForm),
    "action": Spec(ActionForm),
    "live": Spec(LiveForm),
    "close": Spec(CloseForm),
}


def build_forms(
    problem: ProblemRecord, posted: dict[str, FlaskForm] | None = None
) -> dict[str, Any]:
    """Every form of the record, fresh except the one just posted (kept as typed).

    A fresh create form gets a new idempotency key, so the next post is not taken for a
    replay of the last; the one just posted keeps its key (a refusal made nothing).
    """
    posted = posted or {}
    forms: dict[str, Any] = {}
    for name, spec in SPECS.items():
        form: Any = posted.get(name) or spec.cls(formdata=None, **spec.initial(problem))
        form.version.data = problem.version
        if hasattr(form, "idempotency_key"):
            ensure_key(form)
        forms[name] = form
    return forms


def context(problem: ProblemRecord, posted: dict[str, FlaskForm] | None = None) -> dict[str, Any]:
    now = utcnow()
    approval = solutions.latest_approval(problem)
    links = sorted(problem.links, key=lambda link: link.ticket.created_at, reverse=True)
    return {
        "problem": problem,
        "links": links,
        "chart": chart(monitoring.weekly_counts(problem, CHART_WEEKS, now), now),
        "solutions": problem.solutions,
        "chosen": problem.chosen_solution,
        "approval": approval,
        "may_decide": approval is not None and solutions.can_decide(current_user, approval),
        "actions": [e for e in problem.events if e.kind == ProblemEventKind.ACTION],
        "watch": monitoring.progress(problem, now),
        "monitoring_days": get_int("monitoring_days"),
        "events": problem.events,
        "forms": build_forms(problem, posted),
        "labels": STATUS_LABELS,
        "event_labels": EVENT_LABELS,
        "event_badges": problem_event_badges(current_user, problem),
    }


def render_record(
    problem: ProblemRecord,
    posted: dict[str, FlaskForm] | None = None,
    status: int = 200,
    conflict: str | None = None,
) -> tuple[str, int]:
    return (
        render("problems/record.html", "record", conflict=conflict, **context(problem, posted)),
        status,
    )


def act(
    problem_id: int,
    name: str,
    form: VersionedForm,
    action: Callable[[ProblemRecord, Any], object],
    *,
    keyed: bool = False,
) -> Result:
    """Run one record action: validate, check the version, call the service, answer.

    A ``keyed`` action creates a row under the form's idempotency key: its service looks
    the key up and then checks the version itself, so a replayed post answers like the
    first success instead of being refused as stale.
    """
    problem = get_problem_or_404(problem_id)

    def redraw(status: int, conflict: str | None) -> tuple[str, int]:
        if form.version.errors:  # not a version we sent: say so, with the latest
            return render_record(problem, {name: form}, 409, conflict=STALE)
        return render_record(problem, {name: form}, status, conflict)

    def run() -> None:
        if not keyed:
            services.check_version(problem, form.version.data)
        action(problem, form)

    def stale(exc: StaleTicketError) -> tuple[str, int]:
        fresh = get_problem_or_404(problem_id)
        db.session.refresh(fresh)
        return render_record(fresh, {name: form}, 409, conflict=STALE)

    return run_action(
        form,
        run,
        redraw=redraw,
        done=lambda: fragment_or_redirect(
            lambda: render_record(problem), url_for("problems.record", problem_id=problem.id)
        ),
        on_stale=stale,
    )
