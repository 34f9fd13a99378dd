from helpdesk.approvals import views  # noqa: F401 (registers the routes on bp)
from helpdesk.approvals.blueprint import bp as bp
