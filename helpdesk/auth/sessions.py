"""Loading the signed-in user, honouring the per-user session generation."""

from __future__ import annotations

from helpdesk.extensions import db
from helpdesk.models import User


def load_user(session_id: str) -> User | None:
    """Return the user whose cookie still matches their current session generation."""
    user_id, _, generation = session_id.partition(":")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_generation != int(generation) or not user.active:
        return None
    return user
