from helpdesk.main import views  # noqa: F401 (registers the routes on bp)
from helpdesk.main.blueprint import bp as bp
