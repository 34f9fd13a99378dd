"""Every response carries the security headers; personal pages are never cached."""

from __future__ import annotations

import re

from helpdesk.security import CONTENT_SECURITY_POLICY
from tests.conftest import repo_root

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def test_the_policy_is_strict() -> None:
    assert CONTENT_SECURITY_POLICY == CSP
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP


def test_an_anonymous_page_has_the_headers(client) -> None:
    response = client.get("/login")
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in response.headers["Vary"]
    # Testing (like development) runs over plain HTTP: no HSTS.
    assert "Strict-Transport-Security" not in response.headers
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_error_pages_and_htmx_fragments_have_them_too(client, hx) -> None:
    assert client.get("/no-such-page").headers["X-Frame-Options"] == "DENY"
    response = client.get("/no-such-page", headers=hx)
    assert response.headers["Content-Security-Policy"] == CSP


def test_signed_in_pages_are_not_stored(client, login_as, customer) -> None:
    login_as(customer)
    response = client.get("/my/tickets")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    # Static files carry no personal data and may be cached.
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_hsts_is_sent_when_configured(app, client) -> None:
    app.config["SECURITY_HSTS"] = True
    try:
        response = client.get("/login")
    finally:
        app.config["SECURITY_HSTS"] = False
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_views_own_csp_is_kept(client, login_as, customer, category) -> None:
    from tests.views.test_attachments import PNG, raise_with, upload

    login_as(customer)
    assert raise_with(client, category, upload(PNG, "photo.png")).status_code == 302
    from helpdesk.extensions import db
    from helpdesk.models import Attachment

    attachment = db.session.query(Attachment).one()
    response = client.get(f"/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response.headers["Cache-Control"]
    response.close()


def test_no_template_has_inline_styles_scripts_or_hx_on() -> None:
    root = repo_root() / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        if path.relative_to(root).parts[0] == "export":
            continue  # WeasyPrint renders these to PDF on the server
        text = path.read_text()
        if re.search(r"\sstyle\s*=|<style|<script(?![^>]*\ssrc=)|hx-on|\son[a-z]+\s*=", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
