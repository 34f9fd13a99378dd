"""An approved solution goes live, is monitored for whether repeats stop, then closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from helpdesk.domain import ProblemEventKind, ProblemStatus
from helpdesk.models import ProblemRecord, User
from helpdesk.models.types import utcnow
from helpdesk.problems.services import ProblemError, _flush, _text, move_problem
from helpdesk.settings import get_int


def put_live(problem: ProblemRecord, actor: User, note: str) -> None:
    """The approved solution is in place: monitoring starts now."""
    if not problem.is_approved:
        raise ProblemError("Only an approved solution can go live.")
    note = _text(note, "note", "What was done", 2000)
    problem.solution_live_at = utcnow()
    move_problem(problem, ProblemStatus.LIVE, actor, ProblemEventKind.SOLUTION_LIVE, note)
    _flush()


@dataclass(frozen=True)
class Monitoring:
    weeks_before: int
    weeks_after: int
    before: int
    after: int
    monitored_days: int
    needed_days: int

    @property
    def rate_before(self) -> float:
        return self.before / self.weeks_before if self.weeks_before else 0.0

    @property
    def rate_after(self) -> float:
        return self.after / self.weeks_after if self.weeks_after else 0.0

    @property
    def repeats_stopped(self) -> bool | None:
        """None until a full week has passed since the solution went live."""
        if self.weeks_after == 0:
            return None
        return self.rate_after <= self.rate_before / 2

    @property
    def period_done(self) -> bool:
        return self.monitored_days >= self.needed_days


def progress(problem: ProblemRecord, now: datetime | None = None) -> Monitoring | None:
    """Repeats per week before and after the solution went live."""
    if problem.solution_live_at is None:
        return None
    now = now or utcnow()
    live = problem.solution_live_at
    created = [link.ticket.created_at for link in problem.links]
    first = min(created, default=live)
    weeks_before = max(1, (live - first).days // 7 + 1)
    weeks_after = (now - live).days // 7
    return Monitoring(
        weeks_before=weeks_before,
        weeks_after=weeks_after,
        before=sum(1 for c in created if c < live),
        after=sum(1 for c in created if c >= live),
        monitored_days=(now - live).days,
        needed_days=get_int("monitoring_days"),
    )


def weekly_counts(
    problem: ProblemRecord, weeks: int = 12, now: datetime | None = None
) -> list[int]:
    """Linked tickets per week, oldest first, for the record's small chart."""
    now = now or utcnow()
    start = now - timedelta(weeks=weeks)
    counts = [0] * weeks
    for link in problem.links:
        created = link.ticket.created_at
        if created >= start:
            index = min(weeks - 1, int((created - start).days // 7))
            counts[index] += 1
    return counts


def close(problem: ProblemRecord, actor: User, reason: str = "") -> None:
    """Close once monitored for the admin-set period, or sooner with a written reason."""
    if not problem.is_open:
        raise ProblemError("This problem record is already closed.")
    watch = progress(problem)
    reason = (reason or "").strip()
    if (watch is None or not watch.period_done) and not reason:
        needed = get_int("monitoring_days")
        raise ProblemError(
            f"A problem record closes after its solution has been monitored for {needed} days; "
            "to close it sooner, give the reason.",
            "reason",
        )
    if len(reason) > 2000:
        raise ProblemError("Keep the reason under 2,000 characters.", "reason")
    problem.closed_at = utcnow()
    problem.close_reason = reason
    move_problem(problem, ProblemStatus.CLOSED, actor, ProblemEventKind.CLOSED, reason)
    _flush()
