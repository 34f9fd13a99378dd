"""Demo data: one login per role, categories, routes and simulated tickets."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select

from helpdesk.auth.services import create_user, find_user_by_email
from helpdesk.demo import content
from helpdesk.demo.problems import build_problems
from helpdesk.demo.stories import Cast, build_ticket, plan_tickets
from helpdesk.domain import Role
from helpdesk.extensions import db
from helpdesk.models import Category, Deflection, LearnerProfile, Route, User
from helpdesk.models.types import utcnow
from helpdesk.selfservice.matching import suggest_routes
from helpdesk.unit_of_work import commit

DEMO_PASSWORD = "demo-password"  # noqa: S105 - published demo logins, simulated data only

# email, name, roles, limit in pence, may approve exceptions
DEMO_USERS: list[tuple[str, str, tuple[str, ...], int, bool]] = [
    ("customer@example.com", "Casey Customer", ("customer",), 0, False),
    ("agent@example.com", "Alex Agent", ("agent",), 5_000, False),
    ("supervisor@example.com", "Sam Supervisor", ("supervisor",), 50_000, True),
    ("learner@example.com", "Lee Learner", ("agent", "learner"), 2_500, False),
    ("assessor@example.com", "Ari Assessor", ("assessor",), 0, False),
    ("iqa@example.com", "Ira Quality", ("iqa",), 0, False),
    ("admin@example.com", "Ada Admin", ("admin",), 100_000, True),
]
DEMO_CUSTOMER_EMAIL = "customer@example.com"
ADMIN_EMAIL = next(email for email, _n, roles, _l, _e in DEMO_USERS if Role.ADMIN in roles)

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "load_demo"]


def load_demo(tickets: int = 200, seed: int = 7) -> bool:
    """Fill an empty helpdesk with demo logins, routes and simulated tickets.

    The same seed gives the same people, words and statuses (times follow the clock).
    Each phase, and each ticket, commits as its own unit of work (the services only flush).

    :return: False, adding nothing, when the demo admin already exists.
    """
    if find_user_by_email(ADMIN_EMAIL) is not None:
        return False
    rng = random.Random(seed)  # noqa: S311 - repeatable made-up data, not secrets
    now = utcnow()
    logins = _create_logins(rng, now)
    # The demo learner is assessed against the unit (A) by the demo assessor; their
    # evidence from these simulated tickets shows in the portfolio but never counts.
    profile = LearnerProfile(user_id=logins["learner@example.com"].id, framework="A")
    profile.assessors = [logins["assessor@example.com"]]
    db.session.add(profile)
    commit()
    customers = _create_customers(logins[DEMO_CUSTOMER_EMAIL], rng, now)
    categories = _create_categories()
    _create_routes(now)
    cast = Cast(
        demo_customer=logins[DEMO_CUSTOMER_EMAIL],
        customers=[c for c in customers if not c.is_internal_customer],
        colleagues=[c for c in customers if c.is_internal_customer],
        workers=[
            logins["agent@example.com"],
            logins["learner@example.com"],
            logins["supervisor@example.com"],
        ],
        supervisor=logins["supervisor@example.com"],
        admin=logins[ADMIN_EMAIL],
        categories=categories,
    )
    built = [(plan, build_ticket(plan, cast, rng, now)) for plan in plan_tickets(tickets, rng)]
    # Its own stream, so adding a problem story never changes the tickets' stories.
    problem_rng = random.Random(f"{seed}-problems")  # noqa: S311 - made-up data
    build_problems(built, cast, problem_rng, now)
    _create_deflections([cast.demo_customer, *cast.customers], tickets // 6, rng, now)
    return True


def _joined(rng: random.Random, now: datetime) -> datetime:
    # Accounts older than every ticket, so no one raises a problem before they signed up.
    return now - timedelta(days=rng.uniform(70, 400))


def _create_logins(rng: random.Random, now: datetime) -> dict[str, User]:
    logins = {}
    for email, name, roles, limit, exceptions in DEMO_USERS:
        joined = _joined(rng, now)  # drawn either way, so the seed tells the same story
        user = find_user_by_email(email)
        if user is None:
            user = create_user(
                email=email,
                name=name,
                roles=set(roles),
                password=DEMO_PASSWORD,
                authority_limit_minor=limit,
                can_approve_exceptions=exceptions,
            )
            user.created_at = joined
            if email == DEMO_CUSTOMER_EMAIL:
                user.phone = content.DEMO_CUSTOMER_PHONE
        logins[email] = user
    commit()
    return logins


def _create_customers(demo_customer: User, rng: random.Random, now: datetime) -> list[User]:
    customers = []
    for name, email, phone, department in content.CUSTOMERS:
        joined = _joined(rng, now)
        user = find_user_by_email(email)
        if user is None:
            user = create_user(email=email, name=name, roles={Role.CUSTOMER})
            # Same published password as the demo customer, hashed once: Argon2 is slow
            # on purpose, and fifteen more hashes would triple the load time.
            user.password_hash = demo_customer.password_hash
            user.phone = phone
            user.department = department
            user.is_internal_customer = department is not None
            user.created_at = joined
        customers.append(user)
    commit()
    return customers


def _create_categories() -> dict[str, int]:
    ids = {}
    for name, description in content.CATEGORIES:
        category = db.session.scalar(
            select(Category).where(func.lower(Category.name) == name.lower())
        )
        if category is None:
            category = Category(name=name, description=description)
            db.session.add(category)
            db.session.flush()
        ids[name] = category.id
    commit()
    return ids


def _create_routes(now: datetime) -> None:
    titles = set(db.session.scalars(select(Route.title)))
    for route in content.ROUTES:
        if route.title in titles:
            continue
        db.session.add(
            Route(
                kind=route.kind,
                title=route.title,
                summary=route.summary,
                body=route.body,
                contact=route.contact,
                keywords=route.keywords,
                created_at=now - timedelta(days=90),
            )
        )
    commit()


def _create_deflections(
    customers: list[User], count: int, rng: random.Random, now: datetime
) -> None:
    """Customers a route helped without a ticket: the self-service figures need some."""
    best: dict[str, Route | None] = {}
    for _ in range(count):
        query = rng.choice(content.DEFLECTION_QUERIES)
        if query not in best:
            best[query] = next(iter(suggest_routes(query, limit=1)), None)
        route = best[query]
        if route is None:
            continue
        user = rng.choice(customers) if rng.random() < 0.6 else None
        db.session.add(
            Deflection(
                route_id=route.id,
                user_id=user.id if user else None,
                query_text=query,
                created_at=now - timedelta(days=rng.uniform(0, 60)),
            )
        )
    commit()
