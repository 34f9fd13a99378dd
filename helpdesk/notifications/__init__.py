from helpdesk.notifications import views  # noqa: F401 (registers the routes on bp)
from helpdesk.notifications.blueprint import bp as bp
