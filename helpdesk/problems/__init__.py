from helpdesk.problems import similar_views, views  # noqa: F401 (registers the routes on bp)
from helpdesk.problems.blueprint import bp as bp
