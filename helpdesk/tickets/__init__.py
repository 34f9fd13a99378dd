from flask import Blueprint

bp = Blueprint("tickets", __name__)

from helpdesk.tickets import resolution_views, views  # noqa: E402,F401
