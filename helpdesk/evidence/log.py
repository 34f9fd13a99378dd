"""The evidence log (the unit's layout: No, method, summary, assessor initials, date),
filtered by criterion, method, status and dates, paged by id without OFFSET."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased, selectinload

from helpdesk.domain import CodeKind
from helpdesk.evidence.portfolio import STATUSES
from helpdesk.extensions import db
from helpdesk.frameworks import METHODS
from helpdesk.models import EvidenceCode, EvidenceRecord

PAGE_SIZE = 25


def _date(raw: str) -> date:
    """An ISO date within reason (a year 9999 end date would overflow the day after).

    :raise ValueError: for anything else.
    """
    found = date.fromisoformat(raw)
    if not 1900 <= found.year <= 2999:
        raise ValueError(raw)
    return found


@dataclass(frozen=True)
class LogFilters:
    pc: str = ""
    method: str = ""
    status: str = ""
    date_from: date | None = None
    date_to: date | None = None
    after: int | None = None
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_args(cls, args: Mapping[str, str], pcs: Iterable[str]) -> LogFilters:
        """Read the filters; values not on offer are dropped, bad dates get a message."""
        errors: dict[str, str] = {}

        def pick(name: str, allowed: Iterable[str]) -> str:
            value = (args.get(name) or "").strip()
            return value if value in set(allowed) else ""

        def day(name: str) -> date | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            try:
                return _date(raw)
            except ValueError:
                errors[name] = "Enter a date like 2026-03-05."
                return None

        date_from, date_to = day("date_from"), day("date_to")
        if date_from and date_to and date_to < date_from:
            errors["date_to"] = "The end date is before the start date."
            date_to = None
        raw_after = args.get("after") or ""
        after = int(raw_after) if raw_after.isdecimal() and len(raw_after) < 19 else None
        return cls(
            pc=pick("pc", pcs),
            method=pick("method", METHODS),
            status=pick("status", STATUSES),
            date_from=date_from,
            date_to=date_to,
            after=after,
            errors=errors,
        )

    def as_args(self, **changes: object) -> dict[str, str]:
        """Query args for a link to this view (empty values left out)."""
        merged = replace(self, **changes)  # type: ignore[arg-type]
        values = {
            "pc": merged.pc,
            "method": merged.method,
            "status": merged.status,
            "date_from": merged.date_from.isoformat() if merged.date_from else "",
            "date_to": merged.date_to.isoformat() if merged.date_to else "",
            "after": str(merged.after) if merged.after else "",
        }
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return any(self.as_args(after=None).values())


@dataclass(frozen=True)
class LogPage:
    records: list[EvidenceRecord]
    next_cursor: int | None


def log_page(
    learner_id: int, filters: LogFilters, zone: tzinfo, page_size: int = PAGE_SIZE
) -> LogPage:
    """One page of the learner's evidence, newest first (decisions replaced are left out)."""
    newer = aliased(EvidenceRecord)
    stmt = (
        select(EvidenceRecord)
        .options(selectinload(EvidenceRecord.ticket), selectinload(EvidenceRecord.testimony))
        .where(
            EvidenceRecord.learner_id == learner_id,
            ~exists().where(newer.supersedes_id == EvidenceRecord.id),
        )
    )
    if filters.pc:
        stmt = stmt.where(
            exists().where(
                EvidenceCode.evidence_id == EvidenceRecord.id,
                EvidenceCode.code == filters.pc,
                EvidenceCode.kind == CodeKind.PC,
                EvidenceCode.untagged_at.is_(None),
            )
        )
    if filters.method:
        stmt = stmt.where(EvidenceRecord.method == filters.method)
    if filters.status:
        stmt = stmt.where(EvidenceRecord.status == filters.status)
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, tzinfo=zone)
        stmt = stmt.where(EvidenceRecord.occurred_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=zone)
        stmt = stmt.where(EvidenceRecord.occurred_at < end)
    if filters.after:
        stmt = stmt.where(EvidenceRecord.id < filters.after)
    rows = list(db.session.scalars(stmt.order_by(EvidenceRecord.id.desc()).limit(page_size + 1)))
    more = len(rows) > page_size
    records = rows[:page_size]
    return LogPage(records=records, next_cursor=records[-1].id if more and records else None)
