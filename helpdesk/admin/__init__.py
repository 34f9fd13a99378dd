from flask import Blueprint

bp = Blueprint("admin", __name__)

from helpdesk.admin import (  # noqa: E402,F401
    audit_views,
    catalogue,
    framework_views,
    settings_views,
    sla_views,
    views,
)
