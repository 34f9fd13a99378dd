"""Practice work that must never count as live evidence, and why (issue 12).

A ticket's evidence is practice, shown apart and never counted (as simulated evidence is,
``scope.counts``), when staff flagged the ticket as training or role play, when a training
customer account raised it, or when the customer account that raised it looks like the
learner's own: the same email domain (a shared company or personal domain, not a public
mail provider), a browser device both signed in from, or the same name. The assessor sees
the reasons on the evidence review.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, aliased

from helpdesk.domain import TrainingKind
from helpdesk.extensions import db
from helpdesk.models import Ticket, User, UserSession

# Domains that strangers share: public mail providers, and the names reserved for
# examples (RFC 2606), which say nothing about who owns an account.
SHARED_BY_STRANGERS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk",
        "live.com", "live.co.uk", "msn.com", "yahoo.com", "yahoo.co.uk", "icloud.com",
        "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "gmx.com",
        "gmx.co.uk", "mail.com", "btinternet.com", "sky.com", "virginmedia.com",
        "talktalk.net", "example.com", "example.org", "example.net",
    }
)  # fmt: skip
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost")
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"})
_CACHE = "practice_devices"

REASONS = {
    "flagged": "Flagged by staff as {kind}",
    "training_account": "Raised by a training account",
    "email_domain": "The customer's email domain is the learner's",
    "device": "The customer signed in on a device the learner uses",
    "name": "The customer has the learner's name",
}


def email_domain(email: str | None) -> str | None:
    """The domain that says who owns an address, or None for one strangers share."""
    _, _, domain = (email or "").strip().lower().rpartition("@")
    if not domain or domain in SHARED_BY_STRANGERS or domain.endswith(RESERVED_SUFFIXES):
        return None
    return domain


def name_key(name: str | None) -> frozenset[str]:
    """'Dr Casey  Jones' and 'jones, casey' -> {'casey', 'jones'}."""
    words = re.findall(r"[^\W\d_]+", (name or "").lower())
    return frozenset(w for w in words if w not in TITLES)


def device_partners(user_id: int) -> set[int]:
    """Everyone who signed in on a device this person signed in on (read once per
    transaction: a portfolio asks for every record)."""
    cache: dict[int, set[int]] = db.session.info.setdefault(_CACHE, {})
    if user_id not in cache:
        mine, other = aliased(UserSession), aliased(UserSession)
        cache[user_id] = set(
            db.session.scalars(
                select(other.user_id)
                .join(mine, mine.device == other.device)
                .where(mine.user_id == user_id, other.user_id != user_id)
                .where(mine.device.is_not(None))
                .distinct()
            )
        )
    return cache[user_id]


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, _transaction: Any) -> None:
    # A new sign-in (a new device row) is seen by the next transaction.
    session.info.pop(_CACHE, None)


def shared_identity(customer: User | None, staff: User | None) -> list[str]:
    """What the customer account shares with the staff member working the ticket."""
    if customer is None or staff is None or customer.id == staff.id:
        return []
    found = []
    # An internal customer works here too: the organisation's domain is theirs by right.
    mine = email_domain(staff.email)
    if mine and not customer.is_internal_customer and email_domain(customer.email) == mine:
        found.append("email_domain")
    if customer.id in device_partners(staff.id):
        found.append("device")
    words = name_key(customer.name)
    if len(words) >= 2 and words == name_key(staff.name):
        found.append("name")
    return found


def practice_codes(ticket: Ticket | None, learner: User | None) -> list[str]:
    """Why the learner's evidence on this ticket is practice (empty: it is live work)."""
    if ticket is None:
        return []
    found = []
    if ticket.training_kind:
        found.append("flagged")
    customer = ticket.customer
    if customer is not None and customer.is_training_account:
        found.append("training_account")
    return found + shared_identity(customer, learner)


def practice_reasons(ticket: Ticket | None, learner: User | None) -> list[str]:
    """The reasons in words, for the assessor's review and the portfolio."""
    out = []
    for code in practice_codes(ticket, learner):
        kind = ""
        if code == "flagged" and ticket is not None and ticket.training_kind:
            kind = TrainingKind(ticket.training_kind).label.lower()
        out.append(REASONS[code].format(kind=kind))
    return out
