"""The portfolio exported for an external verifier: a PDF and a CSV to download.

The same permission as the portfolio page (``_profile_or_abort``): the learner, their
assessors and admins. Both are sent as attachments that no cache keeps. The page's
"Download PDF" link works without JavaScript; with htmx it first asks ``export_prepare``
to make the PDF while "Preparing your PDF…" shows, then offers the prepared file.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from helpdesk.download_limits import download_limit
from helpdesk.evidence.export import build_export, render_csv, render_pdf
from helpdesk.evidence.export_files import keep, take
from helpdesk.htmx import wants_fragment
from helpdesk.models import LearnerProfile
from helpdesk.models.types import utcnow
from helpdesk.permissions import require, signed_in
from helpdesk.portfolio.blueprint import bp
from helpdesk.portfolio.views import _profile_or_abort


def _filename(profile: LearnerProfile, extension: str) -> str:
    today = utcnow().astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])).date()
    return f"portfolio-{profile.user_id}-{profile.framework}-{today:%Y-%m-%d}.{extension}"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<int:learner_id>/export.pdf")
@download_limit
@require(signed_in)
def export_pdf(learner_id: int) -> Response:
    """Send the portfolio as a PDF for an external verifier."""
    profile = _profile_or_abort(learner_id)
    pdf = take(current_user.id, learner_id, request.args.get("ready"))
    if pdf is None:
        pdf = render_pdf(build_export(profile))
    return _download(pdf, "application/pdf", _filename(profile, "pdf"))


@bp.route("/<int:learner_id>/export.csv")
@download_limit
@require(signed_in)
def export_csv(learner_id: int) -> Response:
    """Send the portfolio as one CSV table for an external verifier."""
    profile = _profile_or_abort(learner_id)
    body = render_csv(build_export(profile)).encode("utf-8-sig")  # Excel reads it as UTF-8
    return _download(body, "text/csv", _filename(profile, "csv"))


@bp.route("/<int:learner_id>/export/prepare", methods=["POST"])
@download_limit
@require(signed_in)
def export_prepare(learner_id: int) -> tuple[str, int] | BaseResponse:
    """Make the PDF now, then offer its download (the page shows progress meanwhile)."""
    profile = _profile_or_abort(learner_id)
    pdf = render_pdf(build_export(profile))
    url = url_for(
        "portfolio.export_pdf", learner_id=learner_id, ready=keep(current_user.id, learner_id, pdf)
    )
    if not wants_fragment():
        return redirect(url, code=303)
    return render_template("portfolio/_export_ready.html", url=url, size=len(pdf)), 200
