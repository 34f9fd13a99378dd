from flask import Blueprint

bp = Blueprint("portal", __name__)

from helpdesk.portal import data_views, feedback_views, views  # noqa: E402,F401
