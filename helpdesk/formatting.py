"""Template filters: money, dates and labels in the words people read."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import nh3
from flask import Flask, current_app, has_app_context
from markdown_it import MarkdownIt
from markupsafe import Markup

from helpdesk import domain

# Events whose text people may format (staff replies, customers' messages and the
# problem as first described); every other event's text is shown escaped, as typed.
FORMATTED_EVENT_KINDS = frozenset({"reply", "customer_message", "created"})

# The whole allow-list: anything else (script, img, svg, style, on*, hx-*, data-*)
# is removed, and so is the content of script and style elements.
ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote"}
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

# CommonMark without raw HTML (typed tags come out as text), tables or images.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable(
    "image"
)


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


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Only a link's href (and the rel we add) survive: no title, class, id, data-*,
    # hx-*, on* or style.
    return (
        value if (tag, attribute) in _KEPT_ATTRIBUTES or (tag, attribute) == ("a", "rel") else None
    )


_KEPT_ATTRIBUTES = {(tag, a) for tag, names in ALLOWED_ATTRIBUTES.items() for a in names}

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_keep_attribute,
    generic_attribute_prefixes=set(),
    url_schemes=set(ALLOWED_URL_SCHEMES),
    url_relative="deny",
    link_rel="noopener nofollow",
    strip_comments=True,
)


def sanitise_html(html: str) -> Markup:
    """Keep only the allow-listed tags, a link's http(s)/mailto href, and give links rel."""
    return Markup(_cleaner.clean(html))  # noqa: S704 - this is the sanitiser


def markdown(text: str | None) -> Markup:
    """Render Markdown to sanitised HTML: only the allow-listed tags survive.

    Output it inside an element with ``hx-disable`` so htmx never processes it.
    """
    if not text:
        return Markup("")
    return sanitise_html(_md.render(text))


def register_filters(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(markdown)
    app.jinja_env.globals["formatted_kinds"] = FORMATTED_EVENT_KINDS
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
