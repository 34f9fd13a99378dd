from flask import Blueprint

bp = Blueprint("admin", __name__)

from helpdesk.admin import catalogue, sla_views, views  # noqa: E402,F401
