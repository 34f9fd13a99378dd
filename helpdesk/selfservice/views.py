from __future__ import annotations

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from helpdesk.domain import RouteKind
from helpdesk.extensions import db
from helpdesk.htmx import render
from helpdesk.models import Route
from helpdesk.selfservice.blueprint import bp
from helpdesk.selfservice.matching import active_route, record_solved, suggest_routes


def _active_route_or_404(route_id: int) -> Route:
    route = active_route(route_id)
    if route is None:
        abort(404)
    return route


@bp.route("/")
def index() -> str:
    """List the help articles and other routes to a fix."""
    q = request.args.get("q", "")[:500]
    if q.strip():
        routes = suggest_routes(q, limit=20)
    else:
        routes = list(
            db.session.scalars(
                select(Route).where(Route.active.is_(True)).order_by(Route.kind, Route.title)
            )
        )
    return render("selfservice/index.html", "results", routes=routes, q=q)


@bp.route("/suggest")
def suggest() -> str:
    """Return up to five routes matching what is being typed (an htmx partial)."""
    text = " ".join(request.args.getlist("description") + request.args.getlist("subject"))
    routes = suggest_routes(text)
    return render("selfservice/suggest.html", "suggestions", routes=routes, query=text)


@bp.route("/routes/<int:route_id>")
def route_detail(route_id: int) -> str:
    """Show one article or route."""
    route = _active_route_or_404(route_id)
    return render("selfservice/route.html", route=route, is_article=route.kind == RouteKind.ARTICLE)


@bp.route("/routes/<int:route_id>/solved", methods=["POST"])
def solved(route_id: int) -> str | Response:
    """Record that a route solved the customer's problem, with no ticket needed.

    A replayed press (same key) answers like the first and counts nothing more.
    """
    user = current_user if current_user.is_authenticated else None
    deflection = record_solved(
        route_id,
        user,
        request.form.get("query", ""),
        idempotency_key=request.form.get("idempotency_key") or None,
    )
    if deflection is None:
        abort(404)
    return render("selfservice/thanks.html", route=deflection.route)
