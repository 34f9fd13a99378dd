from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from helpdesk.audit import audit_failed_login
from helpdesk.auth.blueprint import bp
from helpdesk.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from helpdesk.auth.limits import auth_limits
from helpdesk.auth.redirects import safe_next
from helpdesk.auth.reset import (
    change_password,
    request_password_reset,
    set_new_password,
    user_for_reset_token,
)
from helpdesk.auth.services import AccountError, authenticate, register_customer
from helpdesk.auth.sessions import sign_in, sign_out
from helpdesk.auth.two_factor_views import begin_code_step
from helpdesk.forms import attach_refusal, ensure_key
from helpdesk.htmx import render


@bp.route("/login", methods=["GET", "POST"])
@auth_limits
def login() -> str | Response | tuple[str, int]:
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            if user.two_factor_on:
                return begin_code_step(user, safe_next(form.next.data))
            sign_in(user)
            return redirect(safe_next(form.next.data) or url_for("main.home"))
        audit_failed_login(form.email.data or "")
        form.password.errors.append("That email and password do not match an account.")
        return render("auth/login.html", form=form), 422
    if request.method == "POST":
        return render("auth/login.html", form=form), 422
    return render("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out, ending the session on the server."""
    sign_out()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@auth_limits
def register() -> str | Response | tuple[str, int]:
    """Create a customer account."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = ensure_key(RegisterForm())
    if form.validate_on_submit():
        try:
            user = register_customer(
                form.name.data or "",
                form.email.data or "",
                form.password.data or "",
                idempotency_key=form.idempotency_key.data or None,
            )
        except AccountError as exc:
            attach_refusal(form, exc, "email")
            return render("auth/register.html", form=form), 422
        sign_in(user)
        flash("Welcome! Your account is ready.", "success")
        return redirect(url_for("portal.raise_problem"))
    if request.method == "POST":
        return render("auth/register.html", form=form), 422
    return render("auth/register.html", form=form)


@bp.route("/forgot", methods=["GET", "POST"])
@auth_limits
def forgot_password() -> str | tuple[str, int]:
    """Ask for a password-reset link; the answer is the same whatever the email."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data or "")
        return render("auth/forgot.html", form=ForgotPasswordForm(formdata=None), sent=True)
    if request.method == "POST":
        return render("auth/forgot.html", form=form, sent=False), 422
    return render("auth/forgot.html", form=form, sent=False)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@auth_limits
def reset_password(token: str) -> Response | tuple[Response, int]:
    """Choose a new password from an emailed link, then carry on signed in."""
    user = user_for_reset_token(token)
    if user is None:
        page = render("auth/reset_invalid.html")
        return _no_referrer(page), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            set_new_password(user, form.password.data or "")
        except AccountError as exc:
            attach_refusal(form, exc, "password")
        else:
            changed = "Your password has changed. Any other sessions have been signed out."
            if user.two_factor_on:
                # A mailed link proves the inbox, not the phone: the code is still asked.
                response = begin_code_step(user, None)
                flash(changed, "success")
                return response
            sign_in(user)
            flash(changed, "success")
            return redirect(url_for("main.home"))
    page = render("auth/reset.html", form=form, token=token)
    return _no_referrer(page), (422 if request.method == "POST" else 200)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def account_password() -> str | Response | tuple[str, int]:
    """Change your password; your other sessions end, this one carries on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = current_user._get_current_object()
            change_password(user, form.current_password.data or "", form.password.data or "")
        except AccountError as exc:
            attach_refusal(form, exc, "password")
        else:
            sign_in(user)
            flash("Your password has changed. Any other sessions have been signed out.", "success")
            return redirect(url_for("auth.account_password"))
    if request.method == "POST":
        return render("auth/account_password.html", form=form), 422
    return render("auth/account_password.html", form=form)


def _no_referrer(body: str) -> Response:
    # The link's token must not leak to other sites through the Referer header.
    response = Response(body, mimetype="text/html")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
