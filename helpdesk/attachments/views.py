from __future__ import annotations

from flask import abort, send_file
from flask_login import current_user
from werkzeug.wrappers import Response

from helpdesk.attachments.blueprint import bp
from helpdesk.attachments.storage import path_of
from helpdesk.extensions import db
from helpdesk.models import Attachment
from helpdesk.permissions import can_view_attachment, require, signed_in


@bp.route("/attachments/<int:attachment_id>")
@require(signed_in)  # like every other page: a redirect to sign in, 401 for htmx
def download(attachment_id: int) -> Response:
    """Send an attachment to someone who may see its ticket, as a download."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_view_attachment(current_user, attachment):
        abort(404)
    path = path_of(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
