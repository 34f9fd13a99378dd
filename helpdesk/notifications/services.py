"""Tell people about changes: in-app notices for staff, queued email for anyone.

Both are rows added to the caller's session, so they commit (or roll back) together
with the change they report: a crash can lose neither without the other.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, has_app_context
from sqlalchemy import func, select

from helpdesk.domain import NotificationKind, Role
from helpdesk.evidence.redaction import ticket_context
from helpdesk.extensions import db
from helpdesk.models import Notification, OutboxMessage, Ticket, User, UserRole

NOTICE_CUSTOMER = "[customer]"


def external_url(path: str) -> str:
    """An absolute link for email, from configuration, never from a request's Host."""
    base = "http://127.0.0.1:5000"
    if has_app_context():
        base = current_app.config.get("EXTERNAL_BASE_URL", base)
    return base.rstrip("/") + path


def staff_ticket_path(ticket: Ticket) -> str:
    return f"/staff/tickets/{ticket.id}"


def customer_ticket_path(ticket: Ticket) -> str:
    return f"/my/tickets/{ticket.id}"


def notify_staff(
    users: Iterable[User | None],
    kind: NotificationKind,
    text: str,
    *,
    ticket: Ticket | None = None,
    url: str = "",
    email: bool = False,
    about: Iterable[Ticket] = (),
) -> list[Notification]:
    """Add an in-app notice (and optionally an email) for each distinct staff member.

    A notice travels outside the ticket (a supervisor's list, an inbox), so its text is
    redacted with what ``ticket`` and ``about`` know: their customers become "[customer]",
    addresses, payment details and references go.
    """
    text = ticket_context(ticket, about=about, label=NOTICE_CUSTOMER).redact(text)
    made = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        link = url or (staff_ticket_path(ticket) if ticket else "")
        note = Notification(user_id=user.id, ticket=ticket, kind=kind, text=text, url=link)
        db.session.add(note)
        made.append(note)
        if email:
            queue_email(
                user.email,
                text[:200],
                f"{text}\n\n{external_url(link) if link else ''}".strip(),
                kind=kind,
                ticket=ticket,
            )
    return made


def notify_customer(
    ticket: Ticket, kind: NotificationKind, subject: str, body: str
) -> OutboxMessage | None:
    """Email the ticket's customer, with a link to the ticket."""
    customer = ticket.customer
    if customer is None or not customer.email:
        return None
    text = (
        f"Hello {customer.first_name},\n\n{body}\n\n"
        f"See your problem {ticket.reference}: {external_url(customer_ticket_path(ticket))}\n"
    )
    return queue_email(
        customer.email, f"[{ticket.reference}] {subject}", text, kind=kind, ticket=ticket
    )


def queue_email(
    to_email: str, subject: str, body: str, *, kind: NotificationKind, ticket: Ticket | None = None
) -> OutboxMessage:
    message = OutboxMessage(
        to_email=to_email, subject=subject[:255], body=body, kind=kind, ticket=ticket
    )
    db.session.add(message)
    return message


def supervisors(exclude: User | None = None) -> list[User]:
    """The people alerted about overdue promises, repeats and approvals by default."""
    rows = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(UserRole.role == Role.SUPERVISOR, User.active.is_(True))
        .order_by(User.id)
    )
    return [u for u in rows if exclude is None or u.id != exclude.id]


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )
