"""Admin pages for the catalogue: categories, self-service routes and help articles."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from werkzeug.wrappers import Response

from helpdesk.admin import services
from helpdesk.admin.blueprint import bp
from helpdesk.admin.forms import CategoryForm, NewCategoryForm, NewRouteForm, RouteForm
from helpdesk.admin.pages import form_page
from helpdesk.admin.services import AdminError, RouteFields
from helpdesk.extensions import db
from helpdesk.forms import ensure_key
from helpdesk.htmx import render
from helpdesk.models import Category, Route
from helpdesk.permissions import can_manage_catalogue, require


@bp.route("/categories")
@require(can_manage_catalogue)
def categories() -> str:
    """List ticket categories, active ones first."""
    return render("admin/categories.html", categories=services.list_categories())


def _with_supervisors(form: CategoryForm, category: Category | None) -> CategoryForm:
    form.supervisor_ids.choices = list(services.supervisor_choices().items())
    if category is not None and request.method == "GET":
        form.supervisor_ids.data = [str(i) for i in services.category_supervisor_ids(category)]
    return form


@bp.route("/categories/new", methods=["GET", "POST"])
@require(can_manage_catalogue)
def new_category() -> tuple[str, int] | Response:
    """Add a ticket category (a replayed post answers like the first)."""
    form = _with_supervisors(ensure_key(NewCategoryForm()), None)
    if not form.validate_on_submit():
        return form_page("admin/category_form.html", form, category=None)
    try:
        category = services.create_category(
            name=form.name.data or "",
            description=form.description.data or "",
            active=bool(form.active.data),
            supervisor_ids=form.supervisor_ids.data or [],
            idempotency_key=form.idempotency_key.data or None,
        )
    except AdminError as exc:
        return form_page("admin/category_form.html", form, exc, category=None)
    flash(f"Category “{category.name}” added.", "success")
    return redirect(url_for("admin.categories"))


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@require(can_manage_catalogue)
def edit_category(category_id: int) -> tuple[str, int] | Response:
    """Rename, describe, retire or restore a category, and name its supervisors."""
    category = db.get_or_404(Category, category_id)
    form = CategoryForm() if request.method == "POST" else CategoryForm(obj=category)
    _with_supervisors(form, category)
    if not form.validate_on_submit():
        return form_page("admin/category_form.html", form, category=category)
    try:
        services.update_category(
            category,
            name=form.name.data or "",
            description=form.description.data or "",
            active=bool(form.active.data),
        )
        services.set_category_supervisors(category, form.supervisor_ids.data or [])
    except AdminError as exc:
        return form_page("admin/category_form.html", form, exc, category=category)
    flash(f"Category “{category.name}” saved.", "success")
    return redirect(url_for("admin.categories"))


@bp.route("/routes")
@require(can_manage_catalogue)
def routes() -> str:
    """List self-service routes and articles with how often each solved a problem."""
    return render("admin/routes.html", rows=services.list_routes())


def _fields(form: RouteForm) -> RouteFields:
    return RouteFields(
        kind=form.kind.data or "",
        title=form.title.data or "",
        summary=form.summary.data or "",
        body=form.body.data or "",
        contact=form.contact.data or "",
        keywords=form.keywords.data or "",
        active=bool(form.active.data),
    )


@bp.route("/routes/new", methods=["GET", "POST"])
@require(can_manage_catalogue)
def new_route() -> tuple[str, int] | Response:
    """Add a help article or another route to a fix (a replayed post answers like the first)."""
    form = ensure_key(NewRouteForm())
    if not form.validate_on_submit():
        return form_page("admin/route_form.html", form, route=None)
    try:
        route = services.create_route(
            _fields(form), idempotency_key=form.idempotency_key.data or None
        )
    except AdminError as exc:
        return form_page("admin/route_form.html", form, exc, route=None)
    flash(f"“{route.title}” added.", "success")
    return redirect(url_for("admin.routes"))


@bp.route("/routes/<int:route_id>", methods=["GET", "POST"])
@require(can_manage_catalogue)
def edit_route(route_id: int) -> tuple[str, int] | Response:
    """Change a route or article, or deactivate it so customers are no longer offered it."""
    route = db.get_or_404(Route, route_id)
    form = RouteForm() if request.method == "POST" else RouteForm(obj=route)
    if not form.validate_on_submit():
        return form_page("admin/route_form.html", form, route=route)
    try:
        services.update_route(route, _fields(form))
    except AdminError as exc:
        return form_page("admin/route_form.html", form, exc, route=route)
    state = "" if route.active else " It is no longer offered to customers."
    flash(f"“{route.title}” saved.{state}", "success")
    return redirect(url_for("admin.routes"))
