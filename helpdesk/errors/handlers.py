"""Error pages in the app's style that leak nothing; htmx gets a fragment to show."""

from __future__ import annotations

from flask import current_app, make_response
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError
from werkzeug.wrappers import Response

from helpdesk.errors.blueprint import bp
from helpdesk.extensions import db
from helpdesk.htmx import render, wants_fragment

MESSAGES = {
    400: ("Bad request", "Something in that request was not right. Go back and try again."),
    401: ("Please sign in", "Your session has ended. Sign in again to carry on."),
    403: ("Not allowed", "You do not have permission to do that."),
    404: ("Not found", "We could not find that page."),
    405: ("Not allowed", "That action is not available here."),
    409: ("Changed meanwhile", "This changed since you opened it. Reload and try again."),
    413: ("Too large", "That upload is too large. Files may be up to 5 MB each."),
    422: ("Check your input", "Some of what was sent could not be used."),
    429: ("Slow down", "Too many attempts. Wait a minute and try again."),
    500: ("Something went wrong", "The error has been logged. Please try again shortly."),
    503: ("Unavailable", "The helpdesk is briefly unavailable. Please try again shortly."),
}


def _page(code: int, detail: str | None = None) -> Response:
    title, message = MESSAGES.get(code, (f"Error {code}", "Something went wrong."))
    body = render("errors/error.html", "error", code=code, title=title, message=detail or message)
    response = make_response(body, code)
    if wants_fragment():
        # Show the error where the page keeps its messages, not inside the widget.
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


@bp.app_errorhandler(OperationalError)
def database_unavailable(error: OperationalError) -> Response:
    """Say the helpdesk is briefly unavailable when the database cannot be reached."""
    # Whatever the request had started is abandoned: nothing half-written is kept.
    db.session.rollback()
    current_app.logger.error("Database unavailable: %s", error.orig)
    response = _page(503)
    response.headers["Retry-After"] = "30"
    return response


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> Response:
    """Explain a missing or stale form token."""
    return _page(400, "The form had expired or was not sent from this site. Reload and try again.")


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    """Show an HTTP error in the app's style."""
    if isinstance(error, SecurityError):  # an untrusted Host: no URLs can be built
        return Response("Bad request.", 400, mimetype="text/plain")
    return _page(error.code or 500)


@bp.app_errorhandler(InternalServerError)
def server_error(error: InternalServerError) -> Response:
    """Log the failure and show a page that says nothing about internals."""
    current_app.logger.error("Unhandled error", exc_info=error.original_exception)
    return _page(500)
