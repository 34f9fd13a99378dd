"""Self-service routes and knowledge articles offered before a ticket is logged."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from helpdesk.admin.errors import AdminError
from helpdesk.domain import RouteKind
from helpdesk.extensions import db
from helpdesk.idempotency import first_made, flush_or_first
from helpdesk.models import (
    Deflection,
    Route,
)


@dataclass
class RouteRow:
    route: Route
    deflections: int


def list_routes() -> list[RouteRow]:
    """Every route with how many customers said it solved their problem (one query)."""
    counts = (
        select(Deflection.route_id, func.count(Deflection.id).label("n"))
        .group_by(Deflection.route_id)
        .subquery()
    )
    stmt = (
        select(Route, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.route_id == Route.id)
        .order_by(Route.active.desc(), Route.kind, Route.title, Route.id)
    )
    return [RouteRow(route=r, deflections=int(n)) for r, n in db.session.execute(stmt)]


@dataclass
class RouteFields:
    kind: str
    title: str
    summary: str = ""
    body: str = ""
    contact: str = ""
    keywords: str = ""
    active: bool = True


def _clean_route(fields: RouteFields) -> RouteFields:
    kinds = {k.value for k in RouteKind}
    if fields.kind not in kinds:
        raise AdminError("Choose one of the listed kinds.", "kind")
    cleaned = RouteFields(
        kind=fields.kind,
        title=(fields.title or "").strip(),
        summary=(fields.summary or "").strip(),
        body=(fields.body or "").strip(),
        contact=(fields.contact or "").strip(),
        keywords=" ".join((fields.keywords or "").replace(",", " ").split()),
        active=fields.active,
    )
    if not cleaned.title:
        raise AdminError("Give it a title customers will recognise.", "title")
    if cleaned.kind == RouteKind.ARTICLE and not cleaned.body:
        raise AdminError("A help article needs its text.", "body")
    if cleaned.kind != RouteKind.ARTICLE and not cleaned.contact:
        raise AdminError(
            "Say how to reach it: a phone number, an address or a web link.", "contact"
        )
    return cleaned


def _apply(route: Route, fields: RouteFields) -> None:
    route.kind = fields.kind
    route.title = fields.title
    route.summary = fields.summary
    route.body = fields.body
    route.contact = fields.contact
    route.keywords = fields.keywords
    route.active = fields.active


def create_route(fields: RouteFields, idempotency_key: str | None = None) -> Route:
    """Add a route or article; a replayed form key returns the one the first post made.

    :raise AdminError: for an unknown kind, no title, an article without text or
        another route without a way to reach it.
    """
    if (first := first_made(Route, idempotency_key)) is not None:
        return first
    route = Route(idempotency_key=idempotency_key)
    _apply(route, _clean_route(fields))
    db.session.add(route)
    return flush_or_first(Route, idempotency_key) or route


def update_route(route: Route, fields: RouteFields) -> Route:
    """Change a route or article; inactive ones stop being offered to customers.

    :raise AdminError: as for :func:`create_route`.
    """
    _apply(route, _clean_route(fields))
    db.session.flush()
    return route
