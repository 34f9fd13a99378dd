"""A learner's evidence portfolio (under /portfolio): coverage, the evidence log,
redacted tickets and reflective accounts; seen only by the learner, their assessors
and admins."""

from flask import Blueprint

bp = Blueprint("portfolio", __name__)

from helpdesk.portfolio import assessment_views, evidence_item_views, export_views, views  # noqa: E402,F401
