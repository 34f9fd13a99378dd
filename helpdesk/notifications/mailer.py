"""Deliver the outbox over SMTP, with retries and back-off; a failure loses nothing.

One message that cannot be built, or that the server refuses for good (5xx), is marked
failed with its reason and skipped: it never stops the messages behind it. Temporary
trouble (4xx, a broken connection) is retried with back-off, at most MAX_ATTEMPTS times.
"""

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
SUBJECT_MAX = 150


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes between tries, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int


class PermanentFailure(Exception):
    """This message can never be delivered as it stands; retrying would not help."""


def one_line(text: str, limit: int = SUBJECT_MAX) -> str:
    """The first non-blank line, spaces collapsed, cut to ``limit`` with an ellipsis."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    folded = " ".join(first.split())
    if len(folded) > limit:
        folded = folded[: limit - 1].rstrip() + "…"
    return folded


def _due(now: datetime, batch: int) -> list[OutboxMessage]:
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
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
    """The message as MIME; a value no header can hold raises PermanentFailure."""
    try:
        email = EmailMessage()
        email["From"] = sender
        # An address is one line or it is wrong: folding it would send elsewhere.
        email["To"] = message.to_email
        email["Subject"] = one_line(message.subject)
        email.set_content(message.body)
        email.as_bytes()  # every header is checked when written, so write it once now
    except (ValueError, TypeError, LookupError) as exc:
        raise PermanentFailure(f"could not be built: {exc}") from exc
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


def _permanent(exc: smtplib.SMTPException) -> bool:
    """A 5xx answer means this message will never be taken; 4xx and the rest may pass."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _send_one(smtp: smtplib.SMTP, message: OutboxMessage, now: datetime, sender: str) -> bool:
    """True when the server took the message; a refusal of this one alone is recorded.

    A broken connection (OSError, SMTPServerDisconnected) is left to the caller, which
    puts back every message not yet tried.
    """
    try:
        smtp.send_message(_as_email(message, sender))
    except PermanentFailure as exc:
        _failed(message, now, exc, permanent=True)
        return False
    except smtplib.SMTPServerDisconnected:
        raise
    except smtplib.SMTPException as exc:
        _failed(message, now, exc, permanent=_permanent(exc))
        return False
    message.sent_at = now
    return True


def _failed(
    message: OutboxMessage, now: datetime, exc: BaseException, *, permanent: bool = False
) -> None:
    message.attempts += 1
    reason = str(exc) if isinstance(exc, PermanentFailure) else f"{type(exc).__name__}: {exc}"
    message.last_error = reason[:500]
    message.next_attempt_at = now + backoff(message.attempts)
    if permanent or message.attempts >= MAX_ATTEMPTS:
        message.failed_at = now
        log.error("Mail %d to %s failed for good: %s", message.id, message.to_email, reason)
        return
    log.warning("Mail to %s failed (attempt %d): %s", message.to_email, message.attempts, exc)
