"""Render a whole page or just one of its blocks, from the same template."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template
from htmx_flask import request
from jinja2_fragments.flask import render_block


def wants_fragment() -> bool:
    """True for htmx requests that swap part of a page (not boosted navigation)."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(template: str, block: str | None = None, **context: Any) -> str:
    """Render ``block`` of ``template`` for an htmx swap, else the full page."""
    if block and wants_fragment():
        return render_block(template, block, **context)
    return render_template(template, **context)


def add_vary_header(response: Response) -> Response:
    # One URL serves a page and a partial: caches must keep them apart.
    response.vary.add("HX-Request")
    return response
