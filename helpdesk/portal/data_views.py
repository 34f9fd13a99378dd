"""A customer's data rights: download everything we hold, or ask for erasure."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField
from wtforms.validators import DataRequired

from helpdesk import data_rights
from helpdesk.auth.sessions import sign_out
from helpdesk.download_limits import download_limit
from helpdesk.htmx import render
from helpdesk.permissions import is_customer, require
from helpdesk.portal.blueprint import bp


class DownloadForm(FlaskForm):
    """Only the CSRF token: the download is a POST so no other site can start it."""


class EraseForm(FlaskForm):
    confirm = BooleanField(
        "I understand my name, contact details and messages will be erased for good, "
        "and I will be signed out and cannot sign in again.",
        validators=[DataRequired("Tick the box to confirm.")],
    )


@bp.route("/data")
@require(is_customer)
def my_data() -> str:
    """Explain the customer's data rights: download and erasure."""
    return render("portal/my_data.html", download=DownloadForm())


@bp.route("/data/download", methods=["POST"])
@download_limit
@require(is_customer)
def download_data() -> Response:
    """Send a zip of everything held about the signed-in customer."""
    DownloadForm().validate_on_submit()  # CSRF is checked before the view runs
    user = current_user._get_current_object()
    body = data_rights.export_zip(user, user)
    response = Response(body, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{user.id}.zip"'
    return response


@bp.route("/data/erase", methods=["GET", "POST"])
@require(is_customer)
def erase_my_data() -> str | Response | tuple[str, int]:
    """Confirm, then erase the customer's personal data and sign them out."""
    form = EraseForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        data_rights.erase(user, user)
        sign_out()
        flash("Your personal data has been erased and your account closed.", "success")
        return redirect(url_for("main.home"))
    status = 422 if request.method == "POST" else 200
    return render("portal/erase.html", form=form), status
