from helpdesk.errors import handlers  # noqa: F401 (registers the routes on bp)
from helpdesk.errors.blueprint import bp as bp
