"""Deliver the outbox over SMTP, with retries and back-off; a failure loses nothing.

One message that cannot be built, or that the server refuses for good (5xx), is marked
failed with its reason and skipped: it never stops the messages behind it. Temporary
trouble (4xx, a broken connection) is retried with back-off, at most MAX_ATTEMPTS times.
"""

from __future__ import annotations

import html as htmllib
import logging
import re
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, cast

import click
import nh3
from flask import current_app
from markupsafe import Markup
from sqlalchemy import CursorResult, or_, select, update

from helpdesk.domain import NotificationKind
from helpdesk.extensions import db
from helpdesk.formatting import markdown
from helpdesk.models import OutboxMessage, Ticket
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


def _lease() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("MAIL_LEASE_SECONDS", 300)))


def _claim(now: datetime, batch: int) -> tuple[str, list[OutboxMessage]]:
    """Take a lease on up to ``batch`` due messages; the token says which rows we won.

    The UPDATE checks again that each row is still free, so a row another sender
    claimed since we looked is left out: on PostgreSQL the rows are also locked (and
    rows locked by another sender skipped) from the look to the claim; on SQLite
    writes are one at a time. (On PostgreSQL a LIMIT inside the UPDATE's own subquery
    may be run again and claim more than ``batch`` rows, hence two statements.)
    """
    token = uuid.uuid4().hex
    free = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.attempts < MAX_ATTEMPTS,
            free,
        )
        .order_by(OutboxMessage.id)
        .limit(batch)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.commit()
        return token, []
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            free,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
        )
        .values(claimed_until=now + _lease(), claim_token=token)
        .execution_options(synchronize_session=False)
    )
    # The claim must be committed before anything is sent: until then other senders
    # cannot see it, and a message sent under an uncommitted claim could go twice.
    db.session.commit()
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.claim_token == token).order_by(OutboxMessage.id)
    )
    return token, list(rows)


def _renew(token: str, moment: datetime) -> None:
    """A slow batch extends its lease before it runs out, so no one else takes it over."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.claim_token == token)
        .values(claimed_until=moment + _lease())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # the renewal only counts once other senders can see it


def _record(message: OutboxMessage, token: str, **values: object) -> bool:
    """Write an outcome and end the lease, only while the lease is still ours.

    Each outcome is committed on its own, at once: a crash later in the batch must
    not resend what already went, nor forget a failure.
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == token)
        .values(claimed_until=None, claim_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    won = bool(cast("CursorResult[Any]", result).rowcount)
    if not won:
        log.warning("Mail %d: lease lost before its outcome was recorded", message.id)
    return won


# Emails that carry words a person wrote; every other kind is sent by the system on
# its own and says so (RFC 3834), so auto-responders do not answer it.
PERSONAL_KINDS = frozenset({NotificationKind.UPDATE, NotificationKind.QUESTION_ASKED})

# A bare link becomes a CommonMark autolink, so the HTML part can be clicked.
_BARE_URL = re.compile(r"(?<![<(\[])\bhttps?://[^\s<>()]+[^\s<>().,;:!?]")
_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.S)
_BLOCK_END = re.compile(r"</(?:p|li|pre|blockquote|ul|ol)>|<br\s*/?>")


def _message_id_domain() -> str:
    config = current_app.config
    return config.get("MAIL_MESSAGE_ID_DOMAIN") or (
        config["MAIL_FROM"].rpartition("@")[2].strip("> ") or "localhost"
    )


def message_id(message: OutboxMessage) -> str:
    """The same id on every try, so a retried message is recognised as one."""
    stamp = int(message.created_at.timestamp())
    return f"<outbox.{message.id}.{stamp}@{_message_id_domain()}>"


def ticket_thread_id(ticket: Ticket) -> str:
    """A per-ticket root every message about the ticket refers to, so clients thread them."""
    stamp = int(ticket.created_at.timestamp())
    return f"<ticket.{ticket.id}.{stamp}@{_message_id_domain()}>"


def html_body(text: str) -> Markup:
    """The body's Markdown rendered and sanitised (customer text comes out escaped)."""
    return markdown(_BARE_URL.sub(r"<\g<0>>", text))


def plain_body(html: str) -> str:
    """The text of the HTML part: no Markdown marks, links written out."""

    def link(match: re.Match[str]) -> str:
        href, label = match[1], match[2]
        return label if label == href else f"{label} ({href})"

    text = _LINK.sub(link, html)
    text = text.replace("<li>", "- ")
    text = _BLOCK_END.sub("\n", text)
    text = htmllib.unescape(nh3.clean(text, tags=set()))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _as_email(message: OutboxMessage, sender: str, now: datetime) -> EmailMessage:
    """The message as MIME; a value no header can hold raises PermanentFailure."""
    try:
        email = EmailMessage()
        email["From"] = sender
        # An address is one line or it is wrong: folding it would send elsewhere.
        email["To"] = message.to_email
        email["Subject"] = one_line(message.subject)
        email["Date"] = format_datetime(now)
        email["Message-ID"] = message_id(message)
        if message.ticket is not None:
            root = ticket_thread_id(message.ticket)
            email["In-Reply-To"] = root
            email["References"] = root
        if message.kind not in PERSONAL_KINDS:
            email["Auto-Submitted"] = "auto-generated"
        html = str(html_body(message.body))
        email.set_content(plain_body(html))
        email.add_alternative(
            f"<!doctype html>\n<html><body>\n{html}\n</body></html>\n", subtype="html"
        )
        email.as_bytes()  # every header is checked when written, so write it once now
    except (ValueError, TypeError, LookupError) as exc:
        raise PermanentFailure(f"could not be built: {exc}") from exc
    return email


def send_due(now: datetime | None = None, batch: int = 100) -> SendReport:
    """Send what is due. Without MAIL_SERVER, write each message to the log instead."""
    now = now or utcnow()
    config = current_app.config
    token, messages = _claim(now, batch)
    if not messages:
        return SendReport(0, 0)
    if not config.get("MAIL_SERVER"):
        return _print_instead(messages, token, now)
    try:
        smtp = _connect()
    except (OSError, smtplib.SMTPException) as exc:
        for message in messages:
            _failed(message, token, now, exc)
        return SendReport(0, len(messages))
    try:
        return _send_over(smtp, messages, token, now)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass


def _tls_context() -> ssl.SSLContext:
    """Certificates and host names checked; MAIL_CA_FILE adds a private CA to trust."""
    return ssl.create_default_context(cafile=current_app.config.get("MAIL_CA_FILE") or None)


def _connect() -> smtplib.SMTP:
    """SMTPS when MAIL_USE_SSL is set or the port is 465, else plain SMTP (STARTTLS later)."""
    config = current_app.config
    port = int(config.get("MAIL_PORT") or 25)
    if config.get("MAIL_USE_SSL") or port == 465:
        return smtplib.SMTP_SSL(config["MAIL_SERVER"], port, timeout=10, context=_tls_context())
    return smtplib.SMTP(config["MAIL_SERVER"], port, timeout=10)


def _print_instead(messages: list[OutboxMessage], token: str, now: datetime) -> SendReport:
    """No mail server (development, the demo): print each message in full instead.

    Printed on stdout (the log is not configured for the CLI, so a log line alone was
    never seen), and logged too for deployments that do configure logging.
    """
    sender = current_app.config["MAIL_FROM"]
    sent = failed = 0
    for message in messages:
        try:
            email = _as_email(message, sender, now)
        except PermanentFailure as exc:
            _failed(message, token, now, exc, permanent=True)
            failed += 1
            continue
        text = email.as_string()
        click.echo(f"--- Mail (no MAIL_SERVER set) to {message.to_email} ---\n{text}")
        log.info(
            "Mail (no MAIL_SERVER set) to %s: %s\n%s",
            message.to_email,
            message.subject,
            message.body,
        )
        _record(message, token, sent_at=now, sent_via="printed")
        sent += 1
    return SendReport(sent, failed)


def _send_over(
    smtp: smtplib.SMTP, messages: list[OutboxMessage], token: str, now: datetime
) -> SendReport:
    """Send each message on an open connection, recording each outcome as it happens."""
    config = current_app.config
    sent = failed = 0
    done: set[int] = set()
    try:
        if config.get("MAIL_USE_TLS") and not isinstance(smtp, smtplib.SMTP_SSL):
            smtp.starttls(context=_tls_context())
        if config.get("MAIL_USERNAME"):
            # smtplib never logs the password; the errors recorded below are the server's
            # replies, which do not echo it either.
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        started = time.monotonic()
        renewed = 0.0
        for message in messages:
            elapsed = time.monotonic() - started
            if elapsed - renewed > _lease().total_seconds() / 2:
                _renew(token, now + timedelta(seconds=elapsed))
                renewed = elapsed
            if _send_one(smtp, message, token, now, config["MAIL_FROM"]):
                sent += 1
            else:
                failed += 1
            done.add(message.id)
    except (OSError, smtplib.SMTPException) as exc:
        # The connection broke: whatever was not tried yet waits for the next run.
        for message in messages:
            if message.id not in done:
                _failed(message, token, now, exc)
                failed += 1
    return SendReport(sent, failed)


def _permanent(exc: smtplib.SMTPException) -> bool:
    """A 5xx answer means this message will never be taken; 4xx and the rest may pass."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _send_one(
    smtp: smtplib.SMTP, message: OutboxMessage, token: str, now: datetime, sender: str
) -> bool:
    """True when the server took the message; a refusal of this one alone is recorded.

    A broken connection (OSError, SMTPServerDisconnected) is left to the caller, which
    puts back every message not yet tried.
    """
    try:
        smtp.send_message(_as_email(message, sender, now))
    except PermanentFailure as exc:
        _failed(message, token, now, exc, permanent=True)
        return False
    except smtplib.SMTPServerDisconnected:
        raise
    except smtplib.SMTPException as exc:
        _failed(message, token, now, exc, permanent=_permanent(exc))
        return False
    _record(message, token, sent_at=now, sent_via="smtp")
    return True


def _failed(
    message: OutboxMessage,
    token: str,
    now: datetime,
    exc: BaseException,
    *,
    permanent: bool = False,
) -> None:
    attempts = message.attempts + 1
    reason = str(exc) if isinstance(exc, PermanentFailure) else f"{type(exc).__name__}: {exc}"
    for_good = permanent or attempts >= MAX_ATTEMPTS
    _record(
        message,
        token,
        attempts=attempts,
        last_error=reason[:500],
        next_attempt_at=now + backoff(attempts),
        failed_at=now if for_good else None,
    )
    if for_good:
        log.error("Mail %d to %s failed for good: %s", message.id, message.to_email, reason)
    else:
        log.warning("Mail to %s failed (attempt %d): %s", message.to_email, attempts, exc)
