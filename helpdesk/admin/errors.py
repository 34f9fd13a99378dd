"""The one refusal type of the admin rules."""

from __future__ import annotations

from helpdesk.refusals import Refusal


class AdminError(Refusal):
    """A refused admin change, with the message to show and the form field it belongs to."""
