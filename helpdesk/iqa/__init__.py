"""Internal quality assurance (under /iqa): sample assessors' decisions, agree or
disagree with each, keep the sample as a snapshot; for the IQA role only."""

from flask import Blueprint

bp = Blueprint("iqa", __name__)

from helpdesk.iqa import views  # noqa: E402,F401
