"""What the IQA pages show: samples with their tallies, items read from their snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from helpdesk.domain import SampleVerdict
from helpdesk.extensions import db
from helpdesk.models import EvidenceRecord, IqaSample, IqaSampleItem

PAGE_SIZE = 25


def _when(raw: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ItemView:
    """One sampled decision as it stood when sampled, and what became of it since."""

    item: IqaSampleItem
    snap: dict[str, Any]
    decided_at: datetime | None
    occurred_at: datetime | None
    later: EvidenceRecord | None

    @property
    def id(self) -> int:
        return self.item.id


def item_views(items: list[IqaSampleItem]) -> list[ItemView]:
    """The items with their snapshot dates read back, and any newer decision since."""
    ids = [i.evidence_id for i in items if i.evidence_id is not None]
    later = {
        r.supersedes_id: r
        for r in db.session.scalars(
            select(EvidenceRecord).where(EvidenceRecord.supersedes_id.in_(ids))
        )
    }
    return [
        ItemView(
            item=i,
            snap=dict(i.snapshot or {}),
            decided_at=_when((i.snapshot or {}).get("decided_at")),
            occurred_at=_when((i.snapshot or {}).get("occurred_at")),
            later=later.get(i.evidence_id) if i.evidence_id is not None else None,
        )
        for i in items
    ]


@dataclass(frozen=True)
class SampleRow:
    sample: IqaSample
    agreed: int
    disagreed: int

    @property
    def size(self) -> int:
        return len(self.sample.items)

    @property
    def open(self) -> int:
        return self.size - self.agreed - self.disagreed


def _row(sample: IqaSample) -> SampleRow:
    verdicts = [i.verdict for i in sample.items]
    return SampleRow(
        sample, verdicts.count(SampleVerdict.AGREE), verdicts.count(SampleVerdict.DISAGREE)
    )


def samples_page(
    after: int | None = None, size: int = PAGE_SIZE
) -> tuple[list[SampleRow], int | None]:
    """Samples newest first, paged by id; the cursor of the next page, if any."""
    stmt = (
        select(IqaSample)
        .options(selectinload(IqaSample.assessor), selectinload(IqaSample.iqa))
        .order_by(IqaSample.id.desc())
        .limit(size + 1)
    )
    if after:
        stmt = stmt.where(IqaSample.id < after)
    found = list(db.session.scalars(stmt))
    rows = [_row(s) for s in found[:size]]
    return rows, (found[size - 1].id if len(found) > size else None)
