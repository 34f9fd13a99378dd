from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from helpdesk.auth import bp
from helpdesk.auth.forms import LoginForm, RegisterForm
from helpdesk.auth.services import AccountError, authenticate, register_customer
from helpdesk.htmx import render


def _safe_next(target: str | None) -> str | None:
    """Follow only local paths after sign-in (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            return redirect(_safe_next(form.next.data) or url_for("main.home"))
        form.password.errors.append("That email and password do not match an account.")
        return render("auth/login.html", form=form), 422
    if request.method == "POST":
        return render("auth/login.html", form=form), 422
    return render("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out."""
    logout_user()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response | tuple[str, int]:
    """Create a customer account."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = register_customer(
                form.name.data or "", form.email.data or "", form.password.data or ""
            )
        except AccountError as exc:
            getattr(form, exc.field or "email").errors.append(exc.message)
            return render("auth/register.html", form=form), 422
        login_user(user)
        flash("Welcome! Your account is ready.", "success")
        return redirect(url_for("portal.raise_problem"))
    if request.method == "POST":
        return render("auth/register.html", form=form), 422
    return render("auth/register.html", form=form)
