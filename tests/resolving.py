"""Build the state "Resolving a problem" starts from, through the real services."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Notification, Option, OutboxMessage, Ticket, User
from helpdesk.tickets import options as opts
from helpdesk.tickets.options import OptionData
from helpdesk.tickets.services import acknowledge
from helpdesk.unit_of_work import unit_of_work

ACK = {"need": "A kettle that works", "impact": "No tea for a week", "feeling": "Let down"}


@unit_of_work()  # a builder: what it made is committed, as a request would
def acknowledged(ticket: Ticket, agent: User) -> Ticket:
    """The agent restates the problem (options need an acknowledged ticket)."""
    acknowledge(ticket, agent, **ACK)
    return ticket


def option_data(**changes: Any) -> OptionData:
    fields: dict[str, Any] = {
        "description": "Send a new kettle",
        "remedy_type": "replacement",
        "cost_minor": 2_500,
        "duration": "2 working days",
        "within_policy": True,
        "pros_customer": "A working kettle soon",
        "cons_customer": "Two days without one",
        "pros_org": "Keeps the customer",
        "cons_org": "Costs a kettle",
    }
    return OptionData(**(fields | changes))


@unit_of_work()
def add_option(ticket: Ticket, agent: User, **changes: Any) -> Option:
    return opts.add_option(ticket, agent, option_data(**changes))


@unit_of_work()
def offered_option(ticket: Ticket, agent: User, **changes: Any) -> Option:
    option = add_option(ticket, agent, **changes)
    opts.offer(ticket, agent, [option])
    return option


@unit_of_work()
def agreed_option(ticket: Ticket, agent: User, **changes: Any) -> Option:
    option = offered_option(ticket, agent, **changes)
    assert ticket.customer is not None
    opts.customer_agree(option, ticket.customer)
    return option


def option_form(**changes: str) -> dict[str, str]:
    """What the workspace's "Add an option" form posts."""
    return {
        "description": "Refund the kettle",
        "remedy_type": "refund",
        "cost": "25",
        "duration": "3 days",
        "within_policy": "yes",
        "pros_customer": "Money back",
        "cons_customer": "No kettle",
        "pros_org": "Quick",
        "cons_org": "Costs money",
        "idempotency_key": "",
    } | changes


def mail_to(email: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_email == email).order_by(OutboxMessage.id)
        )
    )


def notices_for(user: User, kind: str | None = None) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def local_input(moment: datetime) -> str:
    """A time as a datetime-local input posts it, in the organisation's zone."""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def error_of(body: str, field: str) -> str:
    """The message shown next to ``field`` (a repeated form may prefix its id)."""
    found = re.search(rf'<p class="field-error" id="(?:[a-z]+-)?{field}-error">([^<]*)</p>', body)
    return found.group(1) if found else ""
