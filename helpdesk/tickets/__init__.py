from flask import Blueprint

bp = Blueprint("tickets", __name__)

from helpdesk.tickets import proactive_views, resolution_views, views  # noqa: E402,F401
