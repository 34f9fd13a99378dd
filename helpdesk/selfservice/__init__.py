from helpdesk.selfservice import views  # noqa: F401 (registers the routes on bp)
from helpdesk.selfservice.blueprint import bp as bp
