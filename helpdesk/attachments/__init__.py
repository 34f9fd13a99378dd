from helpdesk.attachments import views  # noqa: F401 (registers the routes on bp)
from helpdesk.attachments.blueprint import bp as bp
