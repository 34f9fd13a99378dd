"""Admin pages for accounts: list, create, edit (roles, limit of authority, active)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from helpdesk.admin import services
from helpdesk.admin.blueprint import bp
from helpdesk.admin.forms import (
    ROLE_LABELS,
    EditUserForm,
    NewUserForm,
    ResetTwoFactorForm,
    TrainingAccountForm,
    user_form_data,
)
from helpdesk.admin.framework_views import learner_panel
from helpdesk.admin.pages import after_id, form_page
from helpdesk.admin.services import AdminError
from helpdesk.auth import two_factor
from helpdesk.forms import ensure_key
from helpdesk.htmx import render
from helpdesk.models import User
from helpdesk.permissions import can_manage_users, get_user_or_404, require


@bp.route("/users")
@require(can_manage_users)
def users() -> str:
    """List accounts, filtered by role and by name or email, fifty to a page."""
    role = request.args.get("role", "")
    role = role if role in ROLE_LABELS else ""
    q = request.args.get("q", "").strip()[:200]
    after = after_id(request.args.get("after"))
    page = services.list_users(role=role, q=q, after=after)
    return render(
        "admin/users.html",
        "user_list",
        page=page,
        role=role,
        q=q,
        after=after,
        role_labels=ROLE_LABELS,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@require(can_manage_users)
def new_user() -> tuple[str, int] | Response:
    """Create a staff or customer account (a replayed post answers like the first)."""
    form = ensure_key(NewUserForm())
    if not form.validate_on_submit():
        return form_page("admin/user_form.html", form, user=None)
    try:
        user = services.create_account(
            name=form.name.data or "",
            email=form.email.data or "",
            roles=set(form.roles.data or []),
            password=form.password.data or None,
            authority_limit_minor=form.authority_limit.data or 0,
            can_approve_exceptions=bool(form.can_approve_exceptions.data),
            idempotency_key=form.idempotency_key.data or None,
        )
    except AdminError as exc:
        return form_page("admin/user_form.html", form, exc, user=None)
    flash(f"Account created for {user.name} ({user.email}).", "success")
    return redirect(url_for("admin.users"))


def _user_extras(user: User, reset_form: ResetTwoFactorForm | None = None) -> dict[str, Any]:
    reset_form = reset_form or ResetTwoFactorForm(formdata=None)
    return {"reset_form": reset_form, **learner_panel(user)}


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(can_manage_users)
def edit_user(user_id: int) -> tuple[str, int] | Response:
    """Change a person's name, roles, limit of authority, exceptions flag and active flag."""
    user = get_user_or_404(user_id)
    form = EditUserForm() if request.method == "POST" else EditUserForm(data=user_form_data(user))
    if not form.validate_on_submit():
        return form_page("admin/user_form.html", form, user=user, **_user_extras(user))
    try:
        ended = services.update_account(
            user,
            acting=current_user,
            name=form.name.data or "",
            roles=set(form.roles.data or []),
            authority_limit_minor=form.authority_limit.data or 0,
            can_approve_exceptions=bool(form.can_approve_exceptions.data),
            active=bool(form.active.data),
        )
    except AdminError as exc:
        return form_page("admin/user_form.html", form, exc, user=user, **_user_extras(user))
    if ended and user.id == current_user.id:
        login_user(user)  # keep this session; the admin's other sessions still end
    message = f"Saved {user.name}'s account."
    if ended:
        message += " Their sessions have ended: they must sign in again."
    flash(message, "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
@require(can_manage_users)
def reset_two_factor(user_id: int) -> Response | tuple[str, int]:
    """Clear a person's two-factor (a lost phone): they set it up again at next sign-in."""
    user = get_user_or_404(user_id)
    if not user.totp_secret:
        flash(f"{user.name} has no two-factor sign-in to reset.", "info")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    reset_form = ResetTwoFactorForm()
    if not reset_form.validate_on_submit():
        form = EditUserForm(formdata=None, data=user_form_data(user))
        return form_page("admin/user_form.html", form, user=user, **_user_extras(user, reset_form))
    two_factor.reset(user, actor=current_user._get_current_object())
    if user.id == current_user.id:
        return redirect(url_for("auth.login"))
    flash(f"Two-factor sign-in reset for {user.name}. Their sessions have ended.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/training", methods=["POST"])
@require(can_manage_users)
def training_account(user_id: int) -> Response | tuple[str, int]:
    """Mark a customer account as a training account, or as a real customer again."""
    user = get_user_or_404(user_id)
    training = bool(TrainingAccountForm().training.data)
    try:
        changed = services.set_training_account(user, current_user, training)
    except AdminError as exc:
        form = EditUserForm(formdata=None, data=user_form_data(user))
        return form_page("admin/user_form.html", form, exc, user=user, **_user_extras(user))
    if changed:
        what = "a training account" if training else "a real customer's account"
        flash(f"{user.name}'s account is now {what}.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id) + "#training-account")
