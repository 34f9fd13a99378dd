"""Configuration classes; the environment overrides what a deployment must set."""

from __future__ import annotations

import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def database_url() -> str:
    """Return the SQLAlchemy URL: ``DATABASE_URL`` when set, else SQLite in instance/."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'helpdesk.db'}"
    # Hosting platforms still hand out postgres:// URLs; we always use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    # The whole request may carry a few files; one file may not exceed UPLOAD_MAX_BYTES.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    UPLOAD_MAX_FILES = 3
    QUEUE_PAGE_SIZE = 25
    ROUTE_SUGGESTIONS = 5
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    ORGANISATION_NAME = os.environ.get("ORGANISATION_NAME", "Northwind Supplies")
    # Times are stored in UTC and shown (and typed) in the organisation's zone.
    DISPLAY_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "Europe/London")
    # Links in email are built from this, never from the request's Host header.
    EXTERNAL_BASE_URL = os.environ.get("EXTERNAL_BASE_URL", "http://127.0.0.1:5000")
    # A resolved ticket the customer does not confirm closes as "no response" after this.
    CONFIRMATION_DAYS = int(os.environ.get("CONFIRMATION_DAYS", "7"))
    # The resolution email's feedback link (answer without signing in) expires after this.
    FEEDBACK_LINK_DAYS = int(os.environ.get("FEEDBACK_LINK_DAYS", "14"))
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "helpdesk@example.com")


class DevConfig(Config):
    DEBUG = True


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105 - fixed key for reproducible tests
    # Cheap hashing keeps hundreds of sign-ins fast; the algorithm stays Argon2id.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
