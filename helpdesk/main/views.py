from __future__ import annotations

from flask import redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from helpdesk.domain import Role
from helpdesk.htmx import render
from helpdesk.main.blueprint import bp


@bp.route("/")
def home() -> str | Response:
    """Send each person to where their work is."""
    if not current_user.is_authenticated:
        return render("main/landing.html")
    if current_user.is_staff:
        return redirect(url_for("tickets.queue"))
    if current_user.is_customer:
        return redirect(url_for("portal.my_tickets"))
    if current_user.has_role(Role.ADMIN):
        return redirect(url_for("admin.users"))
    return render("main/landing.html")
