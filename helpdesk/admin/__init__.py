from flask import Blueprint

bp = Blueprint("admin", __name__)

from helpdesk.admin import catalogue, settings_views, sla_views, views  # noqa: E402,F401
