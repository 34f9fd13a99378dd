from helpdesk.auth import two_factor_views, views  # noqa: F401 (registers the routes on bp)
from helpdesk.auth.blueprint import bp as bp
