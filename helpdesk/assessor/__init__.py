"""The assessor's pages (under /assess): their learners, evidence review, observations of
live work, knowledge evidence and sign-off; only a learner's assessors and admins."""

from flask import Blueprint

bp = Blueprint("assessor", __name__)

from helpdesk.assessor import (  # noqa: E402,F401
    knowledge_views,
    observation_views,
    signoff_views,
    views,
)
