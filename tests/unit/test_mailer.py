"""Delivering the outbox to a real SMTP server on 127.0.0.1, with retries and back-off."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from helpdesk.extensions import db
from helpdesk.models import OutboxMessage, Ticket, TicketEvent
from helpdesk.notifications.mailer import MAX_ATTEMPTS, backoff, send_due
from helpdesk.notifications.services import notify_customer
from helpdesk.sqlite import writing
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
        self.busy: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        if address in self.unknown:
            return "550 No such mailbox"
        if address in self.busy:
            return "451 Try again later"
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


def part(message: Message, content_type: str) -> str:
    """The decoded text of the message's part of this type."""
    for piece in message.walk():
        if piece.get_content_type() == content_type:
            return piece.get_payload(decode=True).decode(piece.get_content_charset() or "utf-8")
    raise AssertionError(f"no {content_type} part")


def plain_part(message: Message) -> str:
    return part(message, "text/plain")


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
    body = plain_part(first)
    assert "Hello Casey" in body
    assert "A new lid is on its way." in body
    assert f"/my/tickets/{ticket.id}" in body
    assert "The courier has it." in plain_part(smtp.messages[1])
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


# --- one bad message never blocks the queue ------------------------------------------


def plant(subject: str, to_email: str = "casey@example.com", body: str = "Hello") -> OutboxMessage:
    """An outbox row written directly, as any service could have queued it."""
    message = OutboxMessage(
        to_email=to_email, subject=subject, body=body, kind="update", next_attempt_at=T0
    )
    db.session.add(message)
    db.session.commit()
    return message


def test_a_subject_with_line_breaks_is_folded_to_its_first_line(smtp):
    # A customer's two-line "not solved" answer, and a repeat alert listing tickets.
    plant("[T-000001] Not solved\r\nIt still leaks.\nBadly")
    plant("Repeat alert: T-000002,\nT-000003")
    report = send_at(T0 + timedelta(seconds=1))
    assert (report.sent, report.failed) == (2, 0)
    assert [m["Subject"] for m in smtp.messages] == [
        "[T-000001] Not solved",
        "Repeat alert: T-000002,",
    ]


def test_a_long_subject_is_cut_with_an_ellipsis(smtp):
    plant("Word " * 45)
    send_at(T0 + timedelta(seconds=1))
    subject = str(make_header(decode_header(smtp.messages[0]["Subject"])))
    assert len(subject) <= 150
    assert subject.endswith("…")


def test_a_poison_message_is_marked_failed_and_the_rest_keep_flowing(smtp):
    good_before = plant("Before", body="first")
    poison = plant("Fine subject", to_email="casey@example.com\r\nBcc: everyone@example.com")
    refused = plant("Refused", to_email="nobody@example.com")
    smtp.unknown.add("nobody@example.com")
    good_after = plant("After", body="last")
    report = send_at(T0 + timedelta(seconds=1))
    assert (report.sent, report.failed) == (2, 2)
    assert [m["Subject"] for m in smtp.messages] == ["Before", "After"]
    for message in (good_before, poison, refused, good_after):
        db.session.refresh(message)
    assert good_before.sent_at and good_after.sent_at
    assert poison.sent_at is None and poison.failed_at == T0 + timedelta(seconds=1)
    assert "could not be built" in poison.last_error
    assert refused.failed_at is not None and "550" in refused.last_error
    # Failed for good: later runs neither retry them nor stop on them.
    plant("Next day")
    report = send_at(T0 + timedelta(days=1))
    assert (report.sent, report.failed) == (1, 0)
    assert len(smtp.messages) == 3


def test_a_temporary_refusal_is_retried_later(smtp):
    message = plant("Busy", to_email="busy@example.com")
    smtp.busy.add("busy@example.com")
    assert send_at(T0 + timedelta(seconds=1)).failed == 1
    db.session.refresh(message)
    assert (message.failed_at, message.sent_at, message.attempts) == (None, None, 1)
    assert "451" in message.last_error
    smtp.busy.clear()
    assert send_at(T0 + timedelta(minutes=5)).sent == 1
    assert [m["Subject"] for m in smtp.messages] == ["Busy"]


def test_temporary_failures_give_up_after_max_attempts(smtp):
    message = plant("Busy", to_email="busy@example.com")
    smtp.busy.add("busy@example.com")
    moment = T0
    for _ in range(MAX_ATTEMPTS + 3):
        moment += timedelta(hours=2)
        send_at(moment)
    db.session.refresh(message)
    assert message.attempts == MAX_ATTEMPTS
    assert message.failed_at is not None
    assert message.sent_at is None


# --- two senders at once deliver each message exactly once ----------------------------


class SlowFlakyInbox(Inbox):
    """A slow server that turns away the first try of every seventh message (451)."""

    def __init__(self) -> None:
        super().__init__()
        self.tries: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        await asyncio.sleep(0.002)
        subject = str(message_from_bytes(envelope.content)["Subject"])
        self.tries[subject] += 1
        if self.tries[subject] == 1 and int(subject.split()[-1]) % 7 == 0:
            return "451 Slow down"
        return await super().handle_DATA(server, session, envelope)


def test_two_senders_at_once_deliver_each_message_exactly_once(app, monkeypatch):
    inbox = SlowFlakyInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    db.session.add_all(
        OutboxMessage(
            to_email="casey@example.com",
            subject=f"Message {n}",
            body="Hello",
            kind="update",
            next_attempt_at=T0,
        )
        for n in range(200)
    )
    db.session.commit()
    errors: list[BaseException] = []

    def sender(moment: datetime) -> None:
        # Each sender is its own job: its own app context, so its own session.
        try:
            with app.app_context(), writing():
                while sum(astuple(send_due(now=moment, batch=15))):
                    pass
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    try:
        moment = T0 + timedelta(seconds=1)
        for _ in range(3):  # the second round retries the 451s once their back-off is over
            threads = [threading.Thread(target=sender, args=(moment,)) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            moment += timedelta(hours=2)
    finally:
        controller.stop()
    assert errors == []
    delivered = Counter(str(m["Subject"]) for m in inbox.messages)
    assert delivered == Counter(f"Message {n}" for n in range(200))
    db.session.expire_all()
    assert count(OutboxMessage) == 200
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
        == 0
    )


def test_an_expired_lease_is_taken_over_and_a_live_one_is_left_alone(smtp):
    orphaned = plant("Orphaned")  # its sender died mid-batch
    busy = plant("Being sent")  # another sender is on it now
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == orphaned.id)
        .values(claimed_until=T0 - timedelta(seconds=1), claim_token="dead" * 8)
    )
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == busy.id)
        .values(claimed_until=T0 + timedelta(minutes=5), claim_token="live" * 8)
    )
    db.session.commit()
    assert send_at(T0).sent == 1
    assert [m["Subject"] for m in smtp.messages] == ["Orphaned"]
    db.session.refresh(busy)
    assert (busy.sent_at, busy.claim_token) == (None, "live" * 8)
    db.session.refresh(orphaned)
    assert (orphaned.claimed_until, orphaned.claim_token) == (None, None)


# --- headers and parts a mail client expects ------------------------------------------


def test_every_message_has_an_id_a_date_and_threads_on_its_ticket(app, smtp, ticket, agent):
    monkeypatch_domain = "help.northwind.example"
    app.config["MAIL_MESSAGE_ID_DOMAIN"] = monkeypatch_domain
    try:
        with time_machine.travel(T0, tick=False):
            services.reply(ticket, agent, "A new lid is on its way.")
            services.reply(ticket, agent, "The courier has it.")
        send_at(T0 + timedelta(seconds=1))
    finally:
        app.config.pop("MAIL_MESSAGE_ID_DOMAIN")
    first, second = smtp.messages
    ids = {first["Message-ID"], second["Message-ID"]}
    assert len(ids) == 2
    assert all(i.startswith("<") and i.endswith(f"@{monkeypatch_domain}>") for i in ids)
    assert first["Date"] and second["Date"]
    root = first["References"]
    assert root.endswith(f"@{monkeypatch_domain}>")
    assert first["In-Reply-To"] == root == second["References"] == second["In-Reply-To"]
    assert root not in ids
    # A reply a person wrote is not automatic; an alert is.
    assert first["Auto-Submitted"] is None


def test_automatic_messages_say_so(smtp):
    message = plant("Repeat alert")
    message.kind = "repeat_alert"
    db.session.commit()
    send_at(T0 + timedelta(seconds=1))
    assert smtp.messages[0]["Auto-Submitted"] == "auto-generated"
    assert smtp.messages[0]["Message-ID"].endswith("@example.com>")  # MAIL_FROM's domain


def test_the_message_is_plain_text_and_html_from_the_same_markdown(smtp):
    plant(
        "Refund",
        body="We will **refund** you.\n\n- the lid\n- the box\n\n<script>alert(1)</script>\n\n"
        "See https://help.example.com/my/tickets/1",
    )
    send_at(T0 + timedelta(seconds=1))
    [email] = smtp.messages
    assert email.get_content_type() == "multipart/alternative"
    plain, html = plain_part(email), part(email, "text/html")
    assert "We will refund you." in plain
    assert "*" not in plain
    assert "- the lid" in plain
    assert "https://help.example.com/my/tickets/1" in plain
    assert "<strong>refund</strong>" in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<a href="https://help.example.com/my/tickets/1"' in html


# --- TLS: certificates and host names are checked --------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (a private CA of its own)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


def tls_server(certificate, *, implicit: bool) -> tuple[Controller, Inbox]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    inbox = Inbox()
    options = {"ssl_context": context} if implicit else {"tls_context": context}
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller, inbox


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "smtps"])
def test_tls_refuses_an_untrusted_certificate_and_trusts_the_configured_ca(
    app, certificate, monkeypatch, implicit
):
    controller, inbox = tls_server(certificate, implicit=implicit)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", not implicit)
    monkeypatch.setitem(app.config, "MAIL_USE_SSL", implicit)
    try:
        message = plant("Over TLS")
        assert send_at(T0 + timedelta(seconds=1)).failed == 1
        db.session.refresh(message)
        assert "CERTIFICATE_VERIFY_FAILED" in message.last_error
        assert inbox.messages == []
        monkeypatch.setitem(app.config, "MAIL_CA_FILE", certificate[0])
        assert send_at(T0 + timedelta(hours=1)).sent == 1
        assert [m["Subject"] for m in inbox.messages] == ["Over TLS"]
    finally:
        controller.stop()


def test_without_a_mail_server_send_mail_prints_each_message_in_full(app, queued, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        result = app.test_cli_runner().invoke(args=["helpdesk", "send-mail"])
    assert result.exit_code == 0, result.output
    assert result.output.count("--- Mail (no MAIL_SERVER set) to casey@example.com") == 2
    assert "Subject: [T-" in result.output
    assert "Message-ID: <outbox." in result.output
    assert "A new lid is on its way." in result.output
    assert result.output.strip().endswith("sent 2, failed 0")
    for message in queued:
        db.session.refresh(message)
        assert (message.sent_via, message.sent_at) == ("printed", T0 + timedelta(seconds=1))


def test_a_refused_login_is_recorded_without_the_password(app, queued, monkeypatch, caplog):
    from aiosmtpd.smtp import AuthResult

    def refuse(server, session, envelope, mechanism, auth_data) -> AuthResult:
        return AuthResult(success=False, handled=False)

    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=refuse,
        auth_require_tls=False,
    )
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "helpdesk")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "s3cret-Pa55word")
    try:
        with caplog.at_level(logging.DEBUG):
            report = send_at(T0 + timedelta(seconds=1))
    finally:
        controller.stop()
    assert (report.sent, report.failed) == (0, 2)
    assert inbox.messages == []
    for message in queued:
        db.session.refresh(message)
        assert "SMTPAuthenticationError" in message.last_error
        assert "s3cret" not in message.last_error
    assert "s3cret" not in caplog.text
