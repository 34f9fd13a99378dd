from helpdesk.tickets import proactive_views, resolution_views, views  # noqa: F401 (registers the routes on bp)
from helpdesk.tickets.blueprint import bp as bp
