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


def _host_list(value: str | None, default: list[str] | None) -> list[str] | None:
    hosts = [h.strip() for h in (value or "").split(",") if h.strip()]
    return hosts or default


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
    SESSION_COOKIE_SECURE = True
    # Host headers the app answers to (Werkzeug's trusted_hosts); unset means any.
    TRUSTED_HOSTS = _host_list(os.environ.get("TRUSTED_HOSTS"), None)
    # Sign-in, registration and reset attempts: per account (email) and per client address.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    AUTH_LIMIT_PER_ACCOUNT = "5 per minute; 20 per hour"
    AUTH_LIMIT_PER_CLIENT = "30 per minute; 200 per hour"
    # PDF and CSV portfolio exports and customers' data downloads, together, per person.
    DOWNLOAD_LIMIT_PER_USER = os.environ.get(
        "DOWNLOAD_LIMIT_PER_USER", "20 per minute; 200 per hour"
    )
    # Password-reset links expire after this and die once the password changes.
    RESET_LINK_MINUTES = int(os.environ.get("RESET_LINK_MINUTES", "60"))
    # Staff sessions end after this long idle, and this long after sign-in whatever.
    STAFF_IDLE_MINUTES = int(os.environ.get("STAFF_IDLE_MINUTES", "30"))
    STAFF_ABSOLUTE_HOURS = int(os.environ.get("STAFF_ABSOLUTE_HOURS", "12"))
    # Roles that must sign in with a TOTP code (comma-separated, e.g. "admin,supervisor")
    # until an admin saves a choice on the settings page.
    TOTP_REQUIRED_ROLES = os.environ.get("TOTP_REQUIRED_ROLES", "")
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
    # STARTTLS on a plain connection (MAIL_USE_TLS=1), or SMTPS from the first byte
    # (MAIL_USE_SSL=1, or port 465); certificates and host names are always checked.
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "") == "1"
    # A private CA to trust for the mail server (a PEM file), on top of the system's.
    MAIL_CA_FILE = os.environ.get("MAIL_CA_FILE", "")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "helpdesk@example.com")
    # The domain in Message-IDs and ticket thread ids; MAIL_FROM's domain when unset.
    MAIL_MESSAGE_ID_DOMAIN = os.environ.get("MAIL_MESSAGE_ID_DOMAIN", "")
    # How long a send-mail run owns the messages it claimed (renewed while it works).
    # The admin page /dev/mail (the outbox rendered) outside debug mode; never in production.
    DEV_MAIL_PAGE = os.environ.get("DEV_MAIL_PAGE", "") == "1"
    MAIL_LEASE_SECONDS = int(os.environ.get("MAIL_LEASE_SECONDS", "300"))
    # Strict-Transport-Security: on in production (served over HTTPS), off in development.
    SECURITY_HSTS = os.environ.get("SECURITY_HSTS", "1") == "1"
    SECURITY_HSTS_MAX_AGE = int(os.environ.get("SECURITY_HSTS_MAX_AGE", "31536000"))


class DevConfig(Config):
    DEBUG = True
    SESSION_COOKIE_SECURE = False
    TRUSTED_HOSTS = _host_list(os.environ.get("TRUSTED_HOSTS"), ["localhost", "127.0.0.1"])
    SECURITY_HSTS = False


class TestConfig(Config):
    TESTING = True
    SECURITY_HSTS = False
    SECRET_KEY = "test-secret"  # noqa: S105 - fixed key for reproducible tests
    SESSION_COOKIE_SECURE = False
    TRUSTED_HOSTS = ["localhost", "127.0.0.1"]
    RATELIMIT_STORAGE_URI = "memory://"
    # Cheap hashing keeps hundreds of sign-ins fast; the algorithm stays Argon2id.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
