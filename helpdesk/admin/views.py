from __future__ import annotations

from helpdesk.admin import bp
from helpdesk.htmx import render
from helpdesk.permissions import can_manage_users, require


@bp.route("/users")
@require(can_manage_users)
def users() -> str:
    """List accounts."""
    return render("admin/users.html")
