from flask import Blueprint

bp = Blueprint("portal", __name__)

from helpdesk.portal import views  # noqa: E402,F401
