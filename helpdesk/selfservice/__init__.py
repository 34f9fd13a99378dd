from flask import Blueprint

bp = Blueprint("selfservice", __name__)

from helpdesk.selfservice import views  # noqa: E402,F401
