"""Two-factor pages: the code step at sign-in, and setting it up on your account."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar, cast

from flask import current_app, flash, redirect, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from helpdesk.audit import audit
from helpdesk.auth import two_factor
from helpdesk.auth.blueprint import bp
from helpdesk.auth.forms import CodeForm, DisableTwoFactorForm
from helpdesk.auth.redirects import safe_next
from helpdesk.auth.services import AccountError
from helpdesk.auth.sessions import sign_in
from helpdesk.domain import AuditAction
from helpdesk.extensions import db, limiter
from helpdesk.forms import attach_refusal
from helpdesk.htmx import render
from helpdesk.models import User
from helpdesk.permissions import can_set_up_two_factor, require
from helpdesk.unit_of_work import commit_even_if_refused

# Between the password and the code: who, which generation, since when, and where to go.
PENDING = "two_factor_pending"
PENDING_SECONDS = 300
F = TypeVar("F", bound=Callable[..., object])


def begin_code_step(user: User, next_url: str | None) -> Response:
    """The password was right; ask for a code before any session starts."""
    session.clear()
    session[PENDING] = {
        "user": user.id,
        "generation": user.session_generation,
        "at": int(time.time()),
        "next": next_url or "",
    }
    return redirect(url_for("auth.login_code"))


def _pending_user() -> tuple[User | None, str]:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None, ""
    if int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None, ""
    user = db.session.get(User, int(pending.get("user", 0)))
    if user is None or not user.active or user.session_generation != pending.get("generation"):
        return None, ""
    return user, str(pending.get("next") or "")


def _pending_key() -> str:
    pending = session.get(PENDING)
    who = pending.get("user") if isinstance(pending, dict) else None
    return f"two-factor:{who}"


def code_limits(view: F) -> F:
    """Limit code guesses per account being signed in to, and per client address."""
    per_client = limiter.limit(
        lambda: str(current_app.config["AUTH_LIMIT_PER_CLIENT"]),
        key_func=lambda: "client:" + (get_remote_address() or "unknown"),
        methods=["POST"],
        scope="auth",
    )
    per_account = limiter.limit(
        lambda: str(current_app.config["AUTH_LIMIT_PER_ACCOUNT"]),
        key_func=_pending_key,
        methods=["POST"],
        scope="auth",
    )
    return cast(F, per_account(per_client(view)))


@bp.route("/login/code", methods=["GET", "POST"])
@code_limits
def login_code() -> str | Response | tuple[str, int]:
    """Finish signing in with a code from the authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user, next_url = _pending_user()
    if user is None:
        flash("Please sign in again: the code step lasts five minutes.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if two_factor.check_code(user, form.code.data or ""):
            sign_in(user)  # clears the pending step with the rest of the old session
            return redirect(safe_next(next_url) or url_for("main.home"))
        audit(AuditAction.LOGIN_FAILED, None, user, reason="two-factor code")
        # The guess is answered 422, yet the audit must keep it to show guessing.
        commit_even_if_refused()
        form.code.errors.append(two_factor.WRONG_CODE)
    status = 422 if request.method == "POST" else 200
    return render("auth/login_code.html", form=form), status


def _set_up_page(
    user: User, form: CodeForm | None = None, off_form: DisableTwoFactorForm | None = None
) -> tuple[str, int]:
    uri = two_factor.provisioning_uri(user) if user.totp_secret else ""
    page = render(
        "auth/two_factor.html",
        user=user,
        form=form or CodeForm(formdata=None),
        off_form=off_form or DisableTwoFactorForm(formdata=None),
        required=two_factor.is_required_for(user),
        uri=uri,
        qr=two_factor.qr_code_svg(uri) if uri and not user.two_factor_on else "",
        secret=two_factor.grouped(user.totp_secret or ""),
    )
    return page, 422 if request.method == "POST" else 200


@bp.route("/account/two-factor", methods=["GET", "POST"])
@require(can_set_up_two_factor)
def two_factor_page() -> tuple[str, int] | Response:
    """Show two-factor status; posting a code from a new set-up turns it on."""
    user = cast(User, current_user._get_current_object())
    if request.method == "GET":
        return _set_up_page(user)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            two_factor.enable(user, form.code.data or "")
        except AccountError as exc:
            attach_refusal(form, exc, "code")
        else:
            sign_in(user)  # enabling ended every session, this one included
            flash("Two-factor sign-in is on. Other browsers have been signed out.", "success")
            return redirect(url_for("auth.two_factor_page"))
    return _set_up_page(user, form=form)


@bp.route("/account/two-factor/start", methods=["POST"])
@require(can_set_up_two_factor)
def two_factor_start() -> Response | tuple[str, int]:
    """Make a new secret to scan; two-factor stays off until a code proves it."""
    user = cast(User, current_user._get_current_object())
    try:
        two_factor.start_set_up(user)
    except AccountError as exc:
        flash(exc.message, "error")
    return redirect(url_for("auth.two_factor_page"))


@bp.route("/account/two-factor/off", methods=["POST"])
@require(can_set_up_two_factor)
def two_factor_off() -> tuple[str, int] | Response:
    """Turn two-factor off with your password and a current code."""
    user = cast(User, current_user._get_current_object())
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        try:
            two_factor.disable(user, form.password.data or "", form.code.data or "")
        except AccountError as exc:
            if not attach_refusal(form, exc):
                form.form_errors.append(exc.message)
        else:
            flash("Two-factor sign-in is off.", "info")
            return redirect(url_for("auth.two_factor_page"))
    return _set_up_page(user, off_form=form)


# Pages someone who must set up two-factor may still reach before they have.
ENROLMENT_OPEN = frozenset(
    {"static", "auth.two_factor_page", "auth.two_factor_start", "auth.logout", "auth.login"}
)


def require_enrolment() -> Response | None:
    """Send staff whose role requires two-factor to set it up before anything else."""
    if request.endpoint in ENROLMENT_OPEN or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        return None
    if not two_factor.must_enrol(current_user._get_current_object()):
        return None
    target = url_for("auth.two_factor_page")
    if request.headers.get("HX-Request"):
        return Response(status=204, headers={"HX-Redirect": target})
    flash("Your role requires two-factor sign-in. Set it up to carry on.", "info")
    return redirect(target)
