from helpdesk.tickets import (  # noqa: F401 (registers the routes on bp)
    proactive_views,
    resolution_views,
    training_views,
    views,
)
from helpdesk.tickets.blueprint import bp as bp
