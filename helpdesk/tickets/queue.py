"""The staff queue: filters, sort orders and keyset paging that stay fast at scale."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import defer

from helpdesk.domain import (
    CHANNEL_LABELS,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    ORIGIN_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    ListFilter,
    PromiseState,
    Status,
)
from helpdesk.extensions import db
from helpdesk.models import ProblemLink, Promise, Ticket
from helpdesk.models.types import utcnow
from helpdesk.tickets.sla import AT_RISK

SORTS = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "priority": "Most urgent first",
    "updated": "Recently updated",
    "sla": "Service target due soonest",
}
SLA_FILTERS = {
    "": "Any",
    "breached": "Target missed",
    "at_risk": "Due within an hour",
}
STATUS_FILTERS = {
    ListFilter.OPEN: "All open",
    ListFilter.CLOSED: "All closed",
    ListFilter.ANY: "Any status",
    **STATUS_LABELS,
}
ASSIGNED_FILTERS = {"anyone": "Anyone", "me": "Assigned to me", "unassigned": "Unassigned"}
REPEAT_FILTERS = {"": "Any", "1": "Possible repeats not yet linked"}


@dataclass(frozen=True)
class QueueFilters:
    status: str = ListFilter.OPEN
    category: int | None = None
    priority: int | None = None
    assigned: str = "anyone"
    channel: str = ""
    origin: str = ""
    q: str = ""
    sort: str = "newest"
    sla: str = ""
    repeat: str = ""
    after: str = ""

    @classmethod
    def from_args(cls, args: Any) -> QueueFilters:
        """Read filters from query args, ignoring values that are not on offer."""

        def pick(name: str, allowed: Any, default: str) -> str:
            value = args.get(name, default) or default
            return value if value in allowed else default

        def number(name: str) -> int | None:
            raw = args.get(name, "")
            # isdecimal, not isdigit: "²" is a digit that int() refuses.
            return int(raw) if raw.isdecimal() and len(raw) < 10 else None

        priority = number("priority")
        return cls(
            status=pick("status", STATUS_FILTERS, ListFilter.OPEN),
            category=number("category"),
            priority=priority if priority in PRIORITY_LABELS else None,
            assigned=pick("assigned", ASSIGNED_FILTERS, "anyone"),
            channel=pick("channel", CHANNEL_LABELS, ""),
            origin=pick("origin", ORIGIN_LABELS, ""),
            # PostgreSQL text cannot hold a NUL; a forged one is dropped like other junk.
            q=(args.get("q", "") or "").replace("\x00", "").strip()[:200],
            sort=pick("sort", SORTS, "newest"),
            sla=pick("sla", SLA_FILTERS, ""),
            repeat=pick("repeat", REPEAT_FILTERS, ""),
            after=(args.get("after", "") or "")[:60],
        )

    def as_args(self, **changes: Any) -> dict[str, Any]:
        """Query args for a link to this view (empty values left out)."""
        merged = replace(self, **changes)
        defaults = QueueFilters()
        return {
            k: v
            for k, v in merged.__dict__.items()
            if v not in (None, "") and (v != getattr(defaults, k) or k == "after")
        }


@dataclass
class QueuePage:
    tickets: list[Ticket]
    next_cursor: str | None


def _cursor_of(ticket: Ticket, sort: str) -> str:
    if sort == "priority":
        return f"{ticket.priority}.{ticket.id}"
    if sort == "updated":
        return f"{ticket.updated_at.timestamp():.6f}.{ticket.id}"
    if sort == "sla" and ticket.sla_due_at is not None:
        return f"{ticket.sla_due_at.timestamp():.6f}.{ticket.id}"
    return str(ticket.id)


def _int(raw: str) -> int:
    """A number from a cursor; one the database cannot hold is as bad as a typo."""
    value = int(raw)
    if not -(2**63) <= value < 2**63:
        raise ValueError(raw)
    return value


def _after(stmt: Select[Any], sort: str, cursor: str) -> Select[Any]:
    """Continue after the cursor: an index range, never an OFFSET."""
    try:
        if sort == "newest":
            return stmt.where(Ticket.id < _int(cursor))
        if sort == "oldest":
            return stmt.where(Ticket.id > _int(cursor))
        key, _, last_id = cursor.rpartition(".")
        tid = _int(last_id)
        if sort == "priority":
            p = _int(key)
            # The leading ">=" gives SQLite a range to seek to; the OR alone made it scan
            # the index from the start on every page (cost grew with the page's depth).
            return stmt.where(Ticket.priority >= p, or_(Ticket.priority > p, Ticket.id > tid))
        at = datetime.fromtimestamp(float(key), UTC)
        if sort == "sla":
            return stmt.where(Ticket.sla_due_at >= at, or_(Ticket.sla_due_at > at, Ticket.id > tid))
        return stmt.where(Ticket.updated_at <= at, or_(Ticket.updated_at < at, Ticket.id < tid))
    except (ValueError, OverflowError, OSError):
        return stmt  # a mangled cursor starts from the top rather than failing


ORDER = {
    "newest": (Ticket.id.desc(),),
    "oldest": (Ticket.id.asc(),),
    # Oldest first within a priority: first come, first served, and the (priority, id)
    # index gives this order without a sort.
    "priority": (Ticket.priority.asc(), Ticket.id.asc()),
    "updated": (Ticket.updated_at.desc(), Ticket.id.desc()),
    "sla": (Ticket.sla_due_at.asc(), Ticket.id.asc()),
}


def queue_page(filters: QueueFilters, *, viewer_id: int, page_size: int = 25) -> QueuePage:
    """One page of the queue; fetches one row extra to know whether more follow."""
    stmt = select(Ticket).options(defer(Ticket.description))
    stmt = _where_status(stmt, filters.status)
    stmt = _where_fields(stmt, filters, viewer_id)
    stmt = _where_sla(stmt, filters)
    if filters.repeat:
        # Marked on arrival and not yet in a problem record.
        linked = exists().where(ProblemLink.ticket_id == Ticket.id)
        stmt = stmt.where(Ticket.possible_repeat.is_(True), ~linked)
    if filters.after:
        stmt = _after(stmt, filters.sort, filters.after)
    rows = list(db.session.scalars(stmt.order_by(*ORDER[filters.sort]).limit(page_size + 1)))
    more = len(rows) > page_size
    tickets = rows[:page_size]
    return QueuePage(
        tickets=tickets,
        next_cursor=_cursor_of(tickets[-1], filters.sort) if more and tickets else None,
    )


def _where_status(stmt: Select[Any], status: str) -> Select[Any]:
    """Open and closed stand for groups of statuses; "any" filters nothing."""
    if status == ListFilter.OPEN:
        return stmt.where(Ticket.status.in_(sorted(OPEN_STATUSES)))
    if status == ListFilter.CLOSED:
        return stmt.where(Ticket.status.in_(sorted(CLOSED_STATUSES)))
    if status != ListFilter.ANY:
        return stmt.where(Ticket.status == status)
    return stmt


def _where_fields(stmt: Select[Any], filters: QueueFilters, viewer_id: int) -> Select[Any]:
    """The filters that match one column each, and the free-text search."""
    if filters.category is not None:
        stmt = stmt.where(Ticket.category_id == filters.category)
    if filters.priority is not None:
        stmt = stmt.where(Ticket.priority == filters.priority)
    if filters.assigned == "me":
        stmt = stmt.where(Ticket.assignee_id == viewer_id)
    elif filters.assigned == "unassigned":
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    if filters.channel:
        stmt = stmt.where(Ticket.channel == filters.channel)
    if filters.origin:
        stmt = stmt.where(Ticket.origin == filters.origin)
    if filters.q:
        from helpdesk.search import ticket_text_filter

        stmt = stmt.where(ticket_text_filter(filters.q))
    return stmt


def _where_sla(stmt: Select[Any], filters: QueueFilters) -> Select[Any]:
    """Tickets by their service target: running at all, breached, or about to be."""
    if filters.sort == "sla" or filters.sla:
        # Only tickets with a running target have a place in this order.
        stmt = stmt.where(Ticket.sla_due_at.is_not(None))
    if filters.sla == "breached":
        return stmt.where(Ticket.sla_due_at < utcnow())
    if filters.sla == "at_risk":
        now = utcnow()
        return stmt.where(Ticket.sla_due_at >= now, Ticket.sla_due_at < now + AT_RISK)
    return stmt


@dataclass
class NeedsYou:
    """What should come before the queue: reopened tickets and overdue promises."""

    reopened: list[Ticket]
    overdue_promises: list[Promise]

    def __bool__(self) -> bool:
        return bool(self.reopened or self.overdue_promises)


def needs_you(viewer_id: int, limit: int = 10) -> NeedsYou:
    reopened = db.session.scalars(
        select(Ticket)
        .where(
            Ticket.reopened_at.is_not(None),
            Ticket.assignee_id == viewer_id,
            Ticket.status.in_(sorted(OPEN_STATUSES - {Status.RESOLVED})),
        )
        .order_by(Ticket.reopened_at.desc())
        .limit(limit)
    )
    overdue = db.session.scalars(
        select(Promise)
        .where(
            Promise.owner_id == viewer_id,
            Promise.state == PromiseState.OPEN,
            Promise.due_at < utcnow(),
        )
        .order_by(Promise.due_at)
        .limit(limit)
    )
    return NeedsYou(reopened=list(reopened), overdue_promises=list(overdue))
