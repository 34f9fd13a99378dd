"""When the database cannot be reached the app answers with a clear 503, not a 500."""

from __future__ import annotations

from helpdesk import create_app
from helpdesk.config import TestConfig


def test_an_unreachable_database_gives_a_503_page(tmp_path):
    missing = tmp_path / "no-such-folder" / "helpdesk.db"
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}", UPLOAD_FOLDER=str(tmp_path)
    )
    client = app.test_client()
    response = client.get("/login")
    assert response.status_code in (200, 503)  # the login page needs no database
    response = client.get("/help/")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "briefly unavailable" in body
    assert "sqlite" not in body.lower() and "Traceback" not in body
    assert response.headers["Retry-After"] == "30"


def test_htmx_requests_get_the_message_in_the_page_area(tmp_path):
    missing = tmp_path / "gone" / "helpdesk.db"
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}", UPLOAD_FOLDER=str(tmp_path)
    )
    response = app.test_client().get(
        "/help/suggest?description=parcel", headers={"HX-Request": "true"}
    )
    assert response.status_code == 503
    assert response.headers["HX-Retarget"] == "#messages"
    assert "<html" not in response.get_data(as_text=True)
