from flask import Blueprint

bp = Blueprint("problems", __name__)

from helpdesk.problems import similar_views, views  # noqa: E402,F401
