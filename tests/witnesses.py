"""Tickets a learner handled, up to the customer's resolution check, for the testimony tests."""

from __future__ import annotations

import re

from helpdesk.models import Ticket, User
from helpdesk.tickets import resolution
from helpdesk.tickets.services import customer_reply
from helpdesk.unit_of_work import unit_of_work
from tests.resolving import acknowledged, mail_to

LINK = re.compile(r"(\S+/feedback/(\S+))")


@unit_of_work()  # a builder: what it made is committed, as a request would
def resolved_by(ticket: Ticket, worker: User, *, question: bool = False) -> Ticket:
    """``worker`` acknowledges (and so holds) the ticket, maybe asks, then resolves it."""
    acknowledged(ticket, worker)
    if question:
        resolution.ask_question(ticket, worker, "Which lid is cracked?")
        assert ticket.customer is not None
        customer_reply(ticket, ticket.customer, "The blue one")
    resolution.resolve(ticket, worker, "A new kettle was delivered")
    return ticket


def feedback_mail_link(customer: User) -> tuple[str, str]:
    """The absolute link in the newest resolution email, and its token."""
    [*_, mail] = [m for m in mail_to(customer.email) if m.kind == "resolution_check"]
    found = LINK.search(mail.body)
    assert found, mail.body
    return found.group(1), found.group(2)
