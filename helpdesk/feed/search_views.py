"""Staff search: one box over tickets, problem records and team feed posts."""

from __future__ import annotations

from flask import request

from helpdesk.feed.blueprint import bp
from helpdesk.feed.search import KINDS, clean_query, snippet, staff_search
from helpdesk.feed.services import TAGS
from helpdesk.feed.views import problem_url
from helpdesk.htmx import render
from helpdesk.permissions import is_staff, require
from helpdesk.search import highlight


@bp.route("/search")
@require(is_staff)
def search() -> str:
    """Search every ticket, problem record and feed post; htmx swaps the results."""
    q = clean_query(request.args.get("q"))
    kind = request.args.get("kind", "")
    kind = kind if kind in KINDS else ""
    return render(
        "feed/search.html",
        "results",
        q=q,
        kind=kind,
        kinds=KINDS,
        results=staff_search(q, only=kind),
        hl=highlight,
        snip=snippet,
        problem_url=problem_url,
        tags=TAGS,
    )
