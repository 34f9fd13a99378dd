"""All models, importable from one place (Alembic's autogenerate needs them loaded)."""

from helpdesk.models import guards  # noqa: E402,F401  (append-only listeners)
from helpdesk.models.selfservice import Deflection, Route
from helpdesk.models.ticket import Attachment, Category, Ticket, TicketEvent
from helpdesk.models.user import User, UserRole

__all__ = [
    "Attachment",
    "Category",
    "Deflection",
    "Route",
    "Ticket",
    "TicketEvent",
    "User",
    "UserRole",
]
