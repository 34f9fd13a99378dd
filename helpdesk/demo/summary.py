"""What ``flask demo load`` prints after the logins: where a newcomer can look first."""

from __future__ import annotations

from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models import Confirmation, ProblemRecord


def demo_summary() -> list[str]:
    """Lines naming the demo's problem records and its colleague confirmations."""
    records = list(db.session.scalars(select(ProblemRecord).order_by(ProblemRecord.id)))
    lines = []
    if records:
        lines.append("Problem records (menu: Problem records, signed in as staff):")
        for record in records:
            linked = f"{len(record.links)} linked tickets"
            lines.append(f"  {record.reference}  {record.status:<16} {record.title} ({linked})")
    counts = dict(
        db.session.execute(
            select(Confirmation.state, func.count()).group_by(Confirmation.state)
        ).all()
    )
    if counts:
        told = ", ".join(f"{counts[state]} {state}" for state in sorted(counts))
        lines.append(f"Options a colleague was asked to confirm: {told}.")
    return lines
