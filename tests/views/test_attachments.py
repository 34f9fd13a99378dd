"""Uploads on the raise form: checked by size, type and content; served to who may see them."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from helpdesk.attachments.storage import CheckedUpload, path_of, store
from helpdesk.extensions import db
from helpdesk.models import Attachment, Ticket
from helpdesk.tickets.workflow import record_event
from tests.helpers import count, text, without_csrf

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
SUBJECT = "Photo of the damage"
DESCRIPTION = "The corner of the box was crushed and the lamp base snapped."


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


def raise_with(client, category, *files: FileStorage):
    fields = MultiDict(
        {
            "subject": SUBJECT,
            "description": DESCRIPTION,
            "category_id": str(category.id),
            "order_ref": "",
            "idempotency_key": uuid.uuid4().hex,
            "routes_seen": "1",
        }
    )
    for file in files:
        fields.add("attachments", file)
    # Encoded in memory: the test client spools big bodies to a file it never closes.
    boundary, body = encode_multipart(fields)
    return client.post(
        "/my/raise", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def stored_files(app) -> set[str]:
    return {p.name for p in Path(app.config["UPLOAD_FOLDER"]).iterdir()}


def sign_out(client) -> None:
    assert client.post("/logout").status_code == 302


@pytest.fixture
def attached(login_as, customer, category):
    """A ticket the customer raised with a PNG and a text file; they stay signed in."""
    client = login_as(customer)
    response = raise_with(
        client, category, upload(PNG, "photo.png"), upload(b"Order 77, lamp\n", "notes.txt")
    )
    assert response.status_code == 302
    return db.session.scalar(db.select(Ticket))


def test_uploads_are_stored_under_random_names_with_the_created_event(app, attached):
    png, txt = attached.attachments
    assert (png.filename, png.content_type, png.size) == ("photo.png", "image/png", len(PNG))
    assert (txt.filename, txt.content_type) == ("notes.txt", "text/plain")
    assert png.event.kind == "created"
    assert re.fullmatch(r"[0-9a-f]{32}", png.stored_name)
    assert path_of(png).read_bytes() == PNG
    assert png.stored_name in stored_files(app)


def test_the_owner_downloads_an_attachment_as_a_download(client, attached):
    png = attached.attachments[0]
    page = text(client.get(f"/my/tickets/{attached.id}"))
    assert f'href="/attachments/{png.id}"' in page
    response = client.get(f"/attachments/{png.id}")
    assert response.status_code == 200
    assert response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"] == "attachment; filename=photo.png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response.headers["Cache-Control"]
    response.close()


def test_a_text_file_is_served_as_plain_text(client, attached):
    txt = attached.attachments[1]
    response = client.get(f"/attachments/{txt.id}")
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Content-Disposition"] == "attachment; filename=notes.txt"
    assert response.data == b"Order 77, lamp\n"
    response.close()


def test_staff_download_the_customers_attachment(client, login_as, agent, attached):
    png = attached.attachments[0]
    sign_out(client)
    login_as(agent)
    assert f'href="/attachments/{png.id}"' in text(client.get(f"/staff/tickets/{attached.id}"))
    response = client.get(f"/attachments/{png.id}")
    assert response.status_code == 200
    assert response.data == PNG
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_another_customers_attachment_looks_like_a_missing_one(
    client, login_as, other_customer, attached
):
    png = attached.attachments[0]
    sign_out(client)
    login_as(other_customer)
    client.get("/my/tickets")  # shows (and so clears) the flashed messages
    theirs = client.get(f"/attachments/{png.id}")
    missing = client.get("/attachments/99999")
    assert theirs.status_code == missing.status_code == 404
    assert without_csrf(text(theirs)) == without_csrf(text(missing))
    assert "photo.png" not in text(theirs)
    assert client.get("/attachments/99999999999999999999999").status_code == 404


def test_anonymous_is_sent_to_sign_in_or_told_401_over_htmx(client, attached, hx):
    png = attached.attachments[0]
    sign_out(client)
    response = client.get(f"/attachments/{png.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert client.get(f"/attachments/{png.id}", headers=hx).status_code == 401


def test_a_file_on_an_internal_note_stays_with_staff(client, login_as, agent, customer, ticket):
    # A note and its file written in one flush, as create_ticket writes a ticket's files
    # (an event is never updated afterwards, not even to hang a file on it).
    with db.session.no_autoflush:
        note = record_event(ticket, agent, "note", body="Screenshot of the courier's system")
        internal = store(
            CheckedUpload("courier.png", "image/png", PNG),
            ticket=ticket,
            event=note,
            uploader=agent,
        )
    db.session.commit()
    assert not note.is_public
    login_as(customer)
    assert client.get(f"/attachments/{internal.id}").status_code == 404
    assert "courier.png" not in text(client.get(f"/my/tickets/{ticket.id}"))
    sign_out(client)
    login_as(agent)
    response = client.get(f"/attachments/{internal.id}")
    assert response.status_code == 200
    response.close()


def test_a_file_missing_from_disk_is_not_found(client, attached):
    png = attached.attachments[0]
    path_of(png).unlink()
    assert client.get(f"/attachments/{png.id}").status_code == 404


def test_a_forged_file_name_is_made_safe(login_as, customer, category):
    client = login_as(customer)
    raise_with(client, category, upload(PNG, "../../etc/<b>passwd</b>.png"))
    (attachment,) = db.session.scalars(db.select(Attachment))
    assert "/" not in attachment.filename and "<" not in attachment.filename
    assert attachment.filename.endswith(".png")


def test_three_files_are_allowed(login_as, customer, category):
    client = login_as(customer)
    response = raise_with(
        client,
        category,
        upload(PNG, "a.png"),
        upload(PDF, "b.pdf"),
        upload(b"GIF89a" + bytes(20), "c.gif"),
    )
    assert response.status_code == 302
    assert count(Attachment) == 3


BIG = PNG + bytes(5 * 1024 * 1024 + 1 - len(PNG))

BAD_UPLOADS = [
    pytest.param(
        [upload(b"MZ\x90\x00" + bytes(60), "setup.exe")], "is not an allowed type", id="exe"
    ),
    pytest.param(
        [upload(b"<html><script>alert(1)</script></html>", "page.html")],
        "is not an allowed type",
        id="html",
    ),
    pytest.param(
        [upload(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.svg")],
        "is not an allowed type",
        id="svg",
    ),
    pytest.param(
        [upload(b"<html><script>alert(1)</script></html>", "photo.png")],
        "does not look like a PNG file",
        id="png-that-is-html",
    ),
    pytest.param([upload(PDF, "photo.png")], "does not look like a PNG file", id="png-that-is-pdf"),
    pytest.param([upload(PNG, "scan.pdf")], "does not look like a PDF file", id="pdf-that-is-png"),
    pytest.param(
        [upload(b"MZ\x00\x00binary", "readme.txt")],
        "does not look like a TXT file",
        id="txt-with-nul",
    ),
    pytest.param([upload(b"", "empty.png")], "is empty", id="empty"),
    pytest.param([upload(BIG, "huge.png")], "is larger than 5 MB", id="oversize"),
    pytest.param(
        [upload(PNG, "ok.png"), upload(b"MZ", "bad.exe")],
        "is not an allowed type",
        id="one-bad-of-two",
    ),
    pytest.param(
        [upload(PNG, f"{n}.png") for n in range(4)], "Attach at most 3 files.", id="four-files"
    ),
]


@pytest.mark.parametrize(("files", "message"), BAD_UPLOADS)
def test_a_bad_upload_is_refused_and_the_form_kept(
    app, login_as, customer, category, files, message
):
    client = login_as(customer)
    before = stored_files(app)
    response = raise_with(client, category, *files)
    body = text(response)
    assert response.status_code == 422
    error = re.search(r'<p class="field-error" id="attachments-error">([^<]*)</p>', body)
    assert error is not None and message in error.group(1)
    assert f'value="{SUBJECT}"' in body
    assert DESCRIPTION in body
    assert count(Ticket) == 0
    assert count(Attachment) == 0
    assert stored_files(app) == before


def test_the_upload_limit_is_the_configured_one(app, login_as, customer, category, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024)
    client = login_as(customer)
    response = raise_with(client, category, upload(PNG + bytes(1024), "photo.png"))
    assert response.status_code == 422
    assert count(Ticket) == 0


def test_a_request_over_the_total_limit_is_413_not_500(
    app, login_as, customer, category, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    client = login_as(customer)
    response = raise_with(client, category, upload(PNG + bytes(128 * 1024), "photo.png"))
    assert response.status_code == 413
    assert "Files may be up to 5 MB each" in text(response)
    assert count(Ticket) == 0
