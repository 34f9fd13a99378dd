from flask import Blueprint

bp = Blueprint("auth", __name__)

from helpdesk.auth import two_factor_views, views  # noqa: E402,F401
