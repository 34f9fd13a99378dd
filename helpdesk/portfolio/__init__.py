"""A learner's evidence portfolio (under /portfolio): coverage, the evidence log,
redacted tickets and reflective accounts; seen only by the learner, their assessors
and admins."""

from helpdesk.portfolio import assessment_views, evidence_item_views, export_views, views  # noqa: F401 (registers the routes on bp)
from helpdesk.portfolio.blueprint import bp as bp
