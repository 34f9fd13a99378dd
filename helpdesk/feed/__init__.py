"""The team feedback feed and staff search (staff only, under /staff)."""

from flask import Blueprint

bp = Blueprint("feed", __name__)

from helpdesk.feed import search_views, views  # noqa: E402,F401
