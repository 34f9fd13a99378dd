from helpdesk.admin import (  # noqa: F401 (registers the routes on bp)
    audit_views,
    catalogue,
    framework_views,
    settings_views,
    sla_views,
    views,
)
from helpdesk.admin.blueprint import bp as bp
