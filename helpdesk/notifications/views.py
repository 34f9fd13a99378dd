from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select, update
from werkzeug.wrappers import Response

from helpdesk.extensions import db
from helpdesk.htmx import render
from helpdesk.models import Notification, OutboxMessage
from helpdesk.models.types import utcnow
from helpdesk.notifications.blueprint import bp
from helpdesk.notifications.mailer import html_body, one_line, plain_body
from helpdesk.permissions import is_admin, is_staff, require

PAGE_SIZE = 30


@bp.route("/notifications")
@require(is_staff)
def index() -> str:
    """List the signed-in staff member's notifications, newest first."""
    before = request.args.get("before", type=int)
    stmt = select(Notification).where(Notification.user_id == current_user.id)
    if before:
        stmt = stmt.where(Notification.id < before)
    rows = list(db.session.scalars(stmt.order_by(Notification.id.desc()).limit(PAGE_SIZE + 1)))
    items = rows[:PAGE_SIZE]
    return render(
        "notifications/index.html",
        "notification_list",
        items=items,
        next_before=items[-1].id if len(rows) > PAGE_SIZE else None,
    )


@bp.route("/notifications/read", methods=["POST"])
@require(is_staff)
def mark_read() -> Response:
    """Mark every notification read."""
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return redirect(url_for("notifications.index"))


@bp.route("/dev/mail")
@require(is_admin)
def dev_mail() -> str:
    """Development only: the outbox, each message as its reader would see it."""
    if not (current_app.debug or current_app.config.get("DEV_MAIL_PAGE")):
        abort(404)
    rows = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)
    )
    messages = [{"row": m, "subject": one_line(m.subject), "html": html_body(m.body)} for m in rows]
    for item in messages:
        item["plain"] = plain_body(str(item["html"]))
    return render("notifications/dev_mail.html", "outbox", messages=messages)
