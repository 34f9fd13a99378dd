from flask import Blueprint

bp = Blueprint("attachments", __name__)

from helpdesk.attachments import views  # noqa: E402,F401
