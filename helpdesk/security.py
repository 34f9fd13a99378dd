"""Security headers on every response: a strict CSP, no framing, no sniffing, no caching
of personal pages. A header a view set deliberately (an attachment's sandbox CSP) stays."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def add_security_headers(response: Response) -> Response:
    """Set the security headers the view has not set itself."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    config = current_app.config
    if config.get("SECURITY_HSTS"):
        response.headers.setdefault(
            "Strict-Transport-Security",
            f"max-age={int(config.get('SECURITY_HSTS_MAX_AGE', 31536000))}; includeSubDomains",
        )
    if request.endpoint != "static" and current_user.is_authenticated:
        # Pages for a signed-in person carry their data: never keep them in any cache.
        response.headers["Cache-Control"] = _no_store(response.headers.get("Cache-Control"))
    return response


def _no_store(existing: str | None) -> str:
    if existing and "no-store" in existing:
        return existing
    return "no-store" if not existing else f"{existing}, no-store"


def init_security(app: Flask) -> None:
    app.after_request(add_security_headers)
