"""The team feedback feed and staff search (staff only, under /staff)."""

from helpdesk.feed import search_views, views  # noqa: F401 (registers the routes on bp)
from helpdesk.feed.blueprint import bp as bp
