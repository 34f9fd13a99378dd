"""Template filters: money, dates and labels in the words people read."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context

from helpdesk import domain


def money(minor: int | None) -> str:
    """Format minor units (pence) as pounds: 12345 -> £123.45."""
    if minor is None:
        return "—"
    sign = "-" if minor < 0 else ""
    pounds, pence = divmod(abs(minor), 100)
    return f"{sign}£{pounds:,}.{pence:02d}"


def _zone() -> tzinfo:
    if has_app_context():
        return ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "UTC"))
    return UTC


def when(value: datetime | None) -> str:
    """A date and time in the organisation's zone: '05 Mar 2026 14:30'."""
    if value is None:
        return "—"
    return value.astimezone(_zone()).strftime("%d %b %Y %H:%M")


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """Say how long ago, coarsely: '3 min ago', '2 h ago', '5 days ago'."""
    if value is None:
        return "—"
    seconds = int(((now or datetime.now(UTC)) - value).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    days = seconds // 86400
    return f"{days} day{'s' if days != 1 else ''} ago"


def register_filters(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(when)
    app.add_template_filter(ago)
    app.add_template_filter(lambda s: domain.STATUS_LABELS.get(s, s), "status_label")
    app.add_template_filter(
        lambda s: domain.CUSTOMER_STATUS_LABELS.get(s, s), "customer_status_label"
    )
    app.add_template_filter(lambda p: domain.PRIORITY_LABELS.get(p, p), "priority_label")
    app.add_template_filter(lambda c: domain.CHANNEL_LABELS.get(c, c), "channel_label")
    app.add_template_filter(lambda o: domain.ORIGIN_LABELS.get(o, o), "origin_label")
    app.add_template_filter(
        lambda c: domain.CAUSE_LABELS.get(c, "Not known yet") if c else "Not known yet",
        "cause_label",
    )
    app.add_template_filter(lambda k: domain.ROUTE_KIND_LABELS.get(k, k), "route_kind_label")
    app.add_template_filter(lambda r: domain.REMEDY_LABELS.get(r, r), "remedy_label")
