"""Match what a customer types to the organisation's other routes to a fix."""

from __future__ import annotations

import re

from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.idempotency import first_made, flush_or_first
from helpdesk.models import Deflection, Route, User

_WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    """a about after again all also am an and any are as at be been but by can cannot could
    did do does doing for from had has have having he her here hers him his how i if in into
    is it its just me more my no not now of off on once only or our out over please she so
    some still than that the their them then there these they this to too very was we were
    what when where which while who why will with would you your yours get got dont didnt
    im ive hello hi thanks thank""".split()
)
MAX_QUERY = 5_000


def words(text: str) -> set[str]:
    """Meaningful lower-case words of a text, with a crude plural fold."""
    found = set()
    for word in _WORD.findall(text[:MAX_QUERY].lower()):
        if len(word) < 3 or word in STOP_WORDS:
            continue
        found.add(word[:-1] if len(word) > 4 and word.endswith("s") else word)
    return found


def _score(route: Route, query: set[str]) -> int:
    title = words(route.title)
    keywords = words(route.keywords)
    summary = words(route.summary)
    return 3 * len(query & title) + 3 * len(query & keywords) + len(query & summary)


def suggest_routes(text: str, limit: int = 5) -> list[Route]:
    """Up to ``limit`` active routes that best match ``text``, best first."""
    query = words(text)
    if not query:
        return []
    routes = db.session.scalars(select(Route).where(Route.active.is_(True)))
    scored = [(s, r) for r in routes if (s := _score(r, query)) > 0]
    scored.sort(key=lambda pair: (-pair[0], pair[1].id))
    return [r for _, r in scored[:limit]]


def active_route(route_id: int) -> Route | None:
    route = db.session.get(Route, route_id)
    return route if route is not None and route.active else None


def record_deflection(
    route: Route, user: User | None, query_text: str, idempotency_key: str | None = None
) -> Deflection:
    """Count a customer helped by a route without a ticket; a replayed button's key
    returns the count the first press made."""
    if (first := first_made(Deflection, idempotency_key)) is not None:
        return first
    return _count(route, user, query_text, idempotency_key)


def record_solved(
    route_id: int, user: User | None, query_text: str, idempotency_key: str | None = None
) -> Deflection | None:
    """ "This solved my problem" for a route: None when no active route has that id.

    A replay returns the first press's count before the route is looked at, so it answers
    the same even if the route was retired in between.
    """
    if (first := first_made(Deflection, idempotency_key)) is not None:
        return first
    route = active_route(route_id)
    if route is None:
        return None
    return _count(route, user, query_text, idempotency_key)


def _count(
    route: Route, user: User | None, query_text: str, idempotency_key: str | None
) -> Deflection:
    # Deflection has no ``user`` relationship, only the column.
    user_id = user.id if user is not None else None
    deflection = Deflection(
        route=route,
        user_id=user_id,
        query_text=query_text[:MAX_QUERY],
        idempotency_key=idempotency_key,
    )
    db.session.add(deflection)
    return flush_or_first(Deflection, idempotency_key) or deflection
