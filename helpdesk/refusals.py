"""Refusals: the one exception type services raise when the rules say no.

This module is the bottom layer: it imports nothing from helpdesk, so any module,
from locking to the views, can raise or catch a refusal without an import circle.
"""

from __future__ import annotations


class Refusal(Exception):
    """A refused step: the message for the person, the form field it belongs to, an HTTP status."""

    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


class WorkflowError(Refusal):
    """A move the rules do not allow; the message is meant for the person who tried."""


class StaleTicketError(WorkflowError):
    """Someone else changed the ticket since this person opened it."""

    def __init__(self) -> None:
        super().__init__(
            "This ticket changed since you opened it. Here is the latest; check it and try again.",
            status=409,
        )


# The general name; the ticket name stays because most callers meet it on tickets.
StaleRefusal = StaleTicketError
