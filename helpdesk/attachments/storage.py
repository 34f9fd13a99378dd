"""Uploads: checked by name and by content, stored under random names outside static/."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from helpdesk.extensions import db
from helpdesk.models import Attachment, Ticket, TicketEvent, User
from helpdesk.refusals import Refusal

# Extension -> the content type we serve it as. Nothing a browser would run.
ALLOWED_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
}


class UploadError(Refusal):
    """A refused upload; the message says what to change."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    content_type: str
    data: bytes


def _content_matches(ext: str, head: bytes) -> bool:
    """Check the file's first bytes agree with its name (magic numbers)."""
    if ext == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == ".gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if ext == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext == ".pdf":
        return head.startswith(b"%PDF-")
    if ext == ".txt":
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # A multi-byte character may be cut at the boundary of the sample.
            try:
                head[:-3].decode("utf-8")
            except UnicodeDecodeError:
                return False
        return b"\x00" not in head
    return False


def check_upload(upload: FileStorage) -> CheckedUpload:
    """Validate one uploaded file.

    :raise UploadError: with a message for the person, for a bad type or size.
    """
    raw_name = upload.filename or ""
    filename = secure_filename(raw_name) or "file"
    ext = Path(filename).suffix.lower()
    if ext not in ALLOWED_TYPES:
        raise UploadError(
            f"“{raw_name[:80]}” is not an allowed type. Attach images (PNG, JPEG, GIF, WebP), "
            "PDF or plain text."
        )
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(f"“{raw_name[:80]}” is larger than {limit // (1024 * 1024)} MB.")
    if not data:
        raise UploadError(f"“{raw_name[:80]}” is empty.")
    if not _content_matches(ext, data[:4096]):
        raise UploadError(f"“{raw_name[:80]}” does not look like a {ext[1:].upper()} file.")
    return CheckedUpload(filename=filename[:255], content_type=ALLOWED_TYPES[ext], data=data)


def check_uploads(uploads: list[FileStorage]) -> list[CheckedUpload]:
    """Validate every non-empty file field; the count is limited too."""
    present = [u for u in uploads if u and u.filename]
    limit = current_app.config["UPLOAD_MAX_FILES"]
    if len(present) > limit:
        raise UploadError(f"Attach at most {limit} files.")
    return [check_upload(u) for u in present]


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(
    checked: CheckedUpload, *, ticket: Ticket, event: TicketEvent | None, uploader: User
) -> Attachment:
    """Write the file under a random name and add its row (the caller commits)."""
    stored_name = secrets.token_hex(16)
    (upload_dir() / stored_name).write_bytes(checked.data)
    attachment = Attachment(
        ticket=ticket,
        event=event,
        uploader_id=uploader.id,
        filename=checked.filename,
        stored_name=stored_name,
        content_type=checked.content_type,
        size=len(checked.data),
    )
    db.session.add(attachment)
    return attachment


def path_of(attachment: Attachment) -> Path:
    return upload_dir() / attachment.stored_name
