"""The assessor's pages (under /assess): their learners, evidence review, observations of
live work, knowledge evidence and sign-off; only a learner's assessors and admins."""

from helpdesk.assessor import (  # noqa: F401 (registers the routes on bp)
    knowledge_views,
    observation_views,
    signoff_views,
    views,
)
from helpdesk.assessor.blueprint import bp as bp
