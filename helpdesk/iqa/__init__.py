"""Internal quality assurance (under /iqa): sample assessors' decisions, agree or
disagree with each, keep the sample as a snapshot; for the IQA role only."""

from helpdesk.iqa import views  # noqa: F401 (registers the routes on bp)
from helpdesk.iqa.blueprint import bp as bp
