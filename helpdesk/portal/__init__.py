from helpdesk.portal import data_views, feedback_views, views  # noqa: F401 (registers the routes on bp)
from helpdesk.portal.blueprint import bp as bp
