"""Make test data with sensible defaults through the real services.

Every builder commits what it made: the data is there before the test's requests, as if
an earlier request had made it, whether or not the service itself commits (a live
server in another thread sees only committed rows).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from helpdesk.auth.services import create_user
from helpdesk.extensions import db
from helpdesk.models import Category, LearnerProfile, Route, Ticket, User
from helpdesk.tickets.services import NewTicket, create_ticket

PASSWORD = "correct-horse-battery"  # noqa: S105
_seq = itertools.count(1)


def make_user(
    *roles: str,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    limit: int = 0,
    exceptions: bool = False,
) -> User:
    n = next(_seq)
    user = create_user(
        email=email or f"user{n}@example.com",
        name=name or f"User {n}",
        roles=set(roles or ("customer",)),
        password=password,
        authority_limit_minor=limit,
        can_approve_exceptions=exceptions,
    )
    db.session.commit()
    return user


def make_learner(
    framework: str = "A",
    *,
    assessors: Iterable[User] = (),
    email: str | None = None,
    name: str = "Lee Learner",
    limit: int = 5_000,
) -> User:
    """An agent in learner mode, assessed against ``framework`` by ``assessors``."""
    user = make_user("agent", "learner", email=email, name=name, limit=limit)
    profile = LearnerProfile(user_id=user.id, framework=framework)
    profile.assessors = list(assessors)
    db.session.add(profile)
    db.session.commit()
    return user


def make_category(name: str | None = None) -> Category:
    category = Category(name=name or f"Category {next(_seq)}", description="")
    db.session.add(category)
    db.session.commit()
    return category


def make_route(**kw: Any) -> Route:
    defaults: dict[str, Any] = {
        "kind": "article",
        "title": f"Route {next(_seq)}",
        "summary": "",
        "keywords": "",
    }
    route = Route(**(defaults | kw))
    db.session.add(route)
    db.session.commit()
    return route


def make_ticket(
    *,
    customer: User | None,
    category: Category | None = None,
    created_by: User | None = None,
    **kw: Any,
) -> Ticket:
    fields: dict[str, Any] = {
        "subject": "Parcel arrived damaged",
        "description": "The box was crushed and the kettle inside is cracked.",
        "category_id": category.id if category else None,
    } | kw
    author = created_by or customer
    assert author is not None, "a ticket needs a creator"
    ticket, _ = create_ticket(NewTicket(**fields), customer=customer, created_by=author)
    db.session.commit()
    return ticket
