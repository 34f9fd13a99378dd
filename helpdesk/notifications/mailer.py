"""Deliver the outbox over SMTP, with retries and back-off; a failure loses nothing."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import OutboxMessage
from helpdesk.models.types import utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between tries, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int


def _due(now: datetime, batch: int) -> list[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.attempts < MAX_ATTEMPTS,
        )
        .order_by(OutboxMessage.id)
        .limit(batch)
    )
    if db.engine.dialect.name == "postgresql":
        # Two senders at once each take different rows.
        stmt = stmt.with_for_update(skip_locked=True)
    return list(db.session.scalars(stmt))


def _as_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_email
    email["Subject"] = message.subject
    email.set_content(message.body)
    return email


def send_due(now: datetime | None = None, batch: int = 100) -> SendReport:
    """Send what is due. Without MAIL_SERVER, write each message to the log instead."""
    now = now or utcnow()
    config = current_app.config
    messages = _due(now, batch)
    if not messages:
        db.session.commit()
        return SendReport(0, 0)
    if not config.get("MAIL_SERVER"):
        return _log_instead(messages, now)
    try:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT", 25), timeout=10)
    except (OSError, smtplib.SMTPException) as exc:
        for message in messages:
            _failed(message, now, exc)
        db.session.commit()
        return SendReport(0, len(messages))
    try:
        return _send_over(smtp, messages, now)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass


def _log_instead(messages: list[OutboxMessage], now: datetime) -> SendReport:
    """No mail server (development, the demo): the log shows what would have gone."""
    for message in messages:
        log.info(
            "Mail (no MAIL_SERVER set) to %s: %s\n%s",
            message.to_email,
            message.subject,
            message.body,
        )
        message.sent_at = now
    db.session.commit()
    return SendReport(len(messages), 0)


def _send_over(smtp: smtplib.SMTP, messages: list[OutboxMessage], now: datetime) -> SendReport:
    """Send each message on an open connection, recording each outcome as it happens."""
    config = current_app.config
    sent = failed = 0
    done: set[int] = set()
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        for message in messages:
            if _send_one(smtp, message, now, config["MAIL_FROM"]):
                sent += 1
            else:
                failed += 1
            done.add(message.id)
            # Commit as we go: a crash mid-batch must not resend what already went.
            db.session.commit()
    except (OSError, smtplib.SMTPException) as exc:
        # The connection broke: whatever was not tried yet waits for the next run.
        for message in messages:
            if message.id not in done:
                _failed(message, now, exc)
                failed += 1
        db.session.commit()
    return SendReport(sent, failed)


def _send_one(smtp: smtplib.SMTP, message: OutboxMessage, now: datetime, sender: str) -> bool:
    """True when the server took the message; a refusal of this one alone is recorded."""
    try:
        smtp.send_message(_as_email(message, sender))
    except (OSError, smtplib.SMTPException) as exc:
        _failed(message, now, exc)
        return False
    message.sent_at = utcnow()
    return True


def _failed(message: OutboxMessage, now: datetime, exc: BaseException) -> None:
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:500]
    message.next_attempt_at = now + backoff(message.attempts)
    log.warning("Mail to %s failed (attempt %d): %s", message.to_email, message.attempts, exc)
