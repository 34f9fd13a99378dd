"""Delivering the outbox to a real SMTP server on 127.0.0.1, with retries and back-off."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from helpdesk.extensions import db
from helpdesk.models import OutboxMessage, Ticket, TicketEvent
from helpdesk.notifications.mailer import MAX_ATTEMPTS, backoff, send_due
from helpdesk.notifications.services import notify_customer
from helpdesk.tickets import resolution, services
from helpdesk.tickets.workflow import StaleTicketError, record_event
from tests.helpers import count

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def free_port() -> int:
    """A port nothing listens on (the OS picks it, then it is let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port that refuses connections: held bound (never listening) for the whole test, so
    another xdist worker's server cannot take it meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message it is given (and bounces some)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []
        self.unknown: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        if address in self.unknown:
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    for attempt in range(5):
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
        try:
            controller.start()
            break
        except OSError:  # another xdist worker took the port between pick and bind
            if attempt == 4:
                raise
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def smtp(app, smtp_server, monkeypatch) -> Inbox:
    """The app pointed at the running server (restored after the test)."""
    inbox, port = smtp_server
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    return inbox


@pytest.fixture
def smtp_down(app, monkeypatch, closed_port) -> int:
    port = closed_port
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    return port


@pytest.fixture
def queued(ticket, agent) -> list[OutboxMessage]:
    """Two emails to the customer, queued by real changes to the ticket."""
    with time_machine.travel(T0, tick=False):
        services.reply(ticket, agent, "A new lid is on its way.")
        services.reply(ticket, agent, "The courier has it.")
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def send_at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        return send_due()


def test_queued_messages_are_delivered_and_marked_sent(app, smtp, queued, ticket, customer):
    report = send_at(T0 + timedelta(seconds=1))
    assert (report.sent, report.failed) == (2, 0)
    assert len(smtp.messages) == 2
    first = smtp.messages[0]
    assert first["To"] == "casey@example.com"
    assert first["From"] == app.config["MAIL_FROM"]
    assert first["Subject"] == f"[{ticket.reference}] An update on your problem"
    body = first.get_payload(decode=True).decode()
    assert "Hello Casey" in body
    assert "A new lid is on its way." in body
    assert f"/my/tickets/{ticket.id}" in body
    assert "The courier has it." in smtp.messages[1].get_payload(decode=True).decode()
    assert smtp.recipients == [[customer.email], [customer.email]]
    for message in queued:
        db.session.refresh(message)
        assert message.sent_at == T0 + timedelta(seconds=1)
        assert (message.attempts, message.last_error) == (0, "")


def test_a_second_run_sends_nothing_again(smtp, queued):
    send_at(T0 + timedelta(seconds=1))
    report = send_at(T0 + timedelta(hours=1))
    assert (report.sent, report.failed) == (0, 0)
    assert len(smtp.messages) == 2


def test_smtp_down_keeps_the_messages_queued_with_back_off(smtp_down, queued, ticket):
    report = send_at(T0 + timedelta(seconds=1))
    assert (report.sent, report.failed) == (0, 2)
    for message in queued:
        db.session.refresh(message)
        assert message.sent_at is None
        assert message.attempts == 1
        assert "ConnectionRefusedError" in message.last_error
        assert message.next_attempt_at == T0 + timedelta(seconds=1) + backoff(1)
    # The change that queued them still stands.
    assert count(TicketEvent, kind="reply") == 2
    # Not yet due again: the next run leaves them alone.
    report = send_at(T0 + timedelta(seconds=30))
    assert (report.sent, report.failed) == (0, 0)
    db.session.refresh(queued[0])
    assert queued[0].attempts == 1


@pytest.mark.parametrize(
    ("attempts", "minutes"), [(1, 1), (2, 2), (3, 4), (4, 8), (6, 32), (7, 60), (20, 60)]
)
def test_back_off_doubles_up_to_an_hour(attempts, minutes):
    assert backoff(attempts) == timedelta(minutes=minutes)


def test_failed_messages_are_sent_once_the_server_is_back(
    app, smtp_server, queued, monkeypatch, closed_port
):
    inbox, port = smtp_server
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port)
    assert send_at(T0).failed == 2
    monkeypatch.setitem(app.config, "MAIL_PORT", port)  # the server is up again
    later = T0 + backoff(1) + timedelta(seconds=1)
    report = send_at(later)
    assert (report.sent, report.failed) == (2, 0)
    assert len(inbox.messages) == 2
    for message in queued:
        db.session.refresh(message)
        assert message.sent_at == later
        assert message.attempts == 1  # the record of the failure is kept


def test_retrying_stops_after_max_attempts(app, smtp_server, queued, monkeypatch, closed_port):
    inbox, port = smtp_server
    for message in queued:
        message.attempts = MAX_ATTEMPTS - 1
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port)
    assert send_at(T0).failed == 2
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    report = send_at(T0 + timedelta(days=2))
    assert (report.sent, report.failed) == (0, 0)
    assert inbox.messages == []
    for message in queued:
        db.session.refresh(message)
        assert (message.attempts, message.sent_at) == (MAX_ATTEMPTS, None)


def test_without_a_mail_server_messages_are_logged_and_marked_sent(
    app, queued, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    with caplog.at_level(logging.INFO, logger="helpdesk.notifications.mailer"):
        report = send_at(T0 + timedelta(seconds=1))
    assert (report.sent, report.failed) == (2, 0)
    assert "A new lid is on its way." in caplog.text
    assert "casey@example.com" in caplog.text
    for message in queued:
        db.session.refresh(message)
        assert message.sent_at is not None


def test_a_refused_recipient_fails_alone_and_the_rest_are_sent(
    smtp, queued, ticket, agent, supervisor
):
    smtp.unknown.add(agent.email)
    with time_machine.travel(T0, tick=False):
        resolution.escalate(ticket, supervisor, reason="Needs Alex", to_user=agent)  # emails Alex
    report = send_at(T0 + timedelta(seconds=1))
    assert (report.sent, report.failed) == (2, 1)
    assert [r for rs in smtp.recipients for r in rs] == ["casey@example.com"] * 2
    [bounced] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_email == agent.email)
    ).all()
    assert bounced.sent_at is None
    assert bounced.attempts == 1
    assert "SMTPRecipientsRefused" in bounced.last_error


@pytest.mark.parametrize("server", ["up", "down"])
def test_the_send_mail_command_prints_what_it_did(
    app, smtp_server, queued, monkeypatch, server, closed_port
):
    inbox, port = smtp_server
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port if server == "up" else closed_port)
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        result = app.test_cli_runner().invoke(args=["helpdesk", "send-mail"])
    assert result.exit_code == 0, result.output
    expected = "sent 2, failed 0" if server == "up" else "sent 0, failed 2"
    assert result.output.strip() == expected
    assert len(inbox.messages) == (2 if server == "up" else 0)


def test_the_send_mail_command_honours_the_batch(app, smtp, queued):
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        result = app.test_cli_runner().invoke(args=["helpdesk", "send-mail", "--batch", "1"])
    assert result.output.strip() == "sent 1, failed 0"
    assert len(smtp.messages) == 1


# --- the outbox is written in the change's own transaction ------------------------------


def test_a_change_that_rolls_back_queues_no_mail(ticket, agent):
    before = count(OutboxMessage)
    with pytest.raises(RuntimeError):
        record_event(ticket, agent, "reply", body="We will refund you.", public=True)
        notify_customer(ticket, "update", "An update", "We will refund you.")
        raise RuntimeError("the server died before the commit")
    db.session.rollback()
    assert count(OutboxMessage) == before
    assert count(TicketEvent, kind="reply") == 0


def test_a_reply_refused_at_commit_as_stale_queues_no_mail(ticket, agent):
    # Someone else's write lands after this reply was checked, before it commits.
    with db.engine.begin() as conn:
        conn.execute(
            update(Ticket).where(Ticket.id == ticket.id).values(version=ticket.version + 1)
        )
    with pytest.raises(StaleTicketError):
        services.reply(ticket, agent, "We will refund you.")
    assert count(OutboxMessage) == 0
    assert count(TicketEvent, kind="reply") == 0
