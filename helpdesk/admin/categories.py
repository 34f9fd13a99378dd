"""Ticket categories and who supervises each."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from helpdesk.admin.errors import AdminError
from helpdesk.extensions import db
from helpdesk.idempotency import first_made, flush_or_first
from helpdesk.models import (
    Category,
)
from helpdesk.models.problem import category_supervisors
from helpdesk.notifications.services import supervisors


def list_categories() -> list[Category]:
    return list(
        db.session.scalars(select(Category).order_by(Category.active.desc(), Category.name))
    )


def _check_category_name(name: str, category_id: int | None) -> str:
    name = (name or "").strip()
    if not name:
        raise AdminError("Give the category a name.", "name")
    clash = select(Category.id).where(func.lower(Category.name) == name.lower())
    if category_id is not None:
        clash = clash.where(Category.id != category_id)
    if db.session.scalar(clash) is not None:
        raise AdminError(f"There is already a category called “{name}”.", "name")
    return name


def _commit_category(category: Category) -> Category:
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same name saved a moment ago elsewhere
        db.session.rollback()
        raise AdminError("There is already a category with that name.", "name") from exc
    return category


def create_category(
    *,
    name: str,
    description: str = "",
    active: bool = True,
    supervisor_ids: Iterable[int | str] = (),
    idempotency_key: str | None = None,
) -> Category:
    """Add a category and name the supervisors alerted about its repeats.

    A replayed form key returns the category the first post made, before any check (its
    name is taken by then, and its supervisors may have changed).

    :raise AdminError: for a missing name or one already used (ignoring case), and for
        anyone who is not an active supervisor; either way nothing is added.
    """
    if (first := first_made(Category, idempotency_key)) is not None:
        return first
    try:
        checked = _check_category_name(name, None)
    except AdminError:
        if (first := first_made(Category, idempotency_key)) is not None:
            return first  # a replay racing the first post found the name taken
        raise
    wanted = _supervisor_ids(supervisor_ids)
    category = Category(
        name=checked,
        description=description.strip(),
        active=active,
        idempotency_key=idempotency_key,
    )
    db.session.add(category)
    try:
        if (first := flush_or_first(Category, idempotency_key)) is not None:
            return first
    except IntegrityError as exc:  # the same name saved a moment ago elsewhere
        raise AdminError("There is already a category with that name.", "name") from exc
    if wanted:
        _write_supervisors(category, wanted)
        db.session.flush()
    return category


def update_category(category: Category, *, name: str, description: str, active: bool) -> Category:
    """Rename, describe, retire or restore a category.

    :raise AdminError: for a missing name or one another category uses.
    """
    category.name = _check_category_name(name, category.id)
    category.description = description.strip()
    category.active = active
    return _commit_category(category)


def supervisor_choices() -> dict[str, str]:
    """The active supervisors, who may be named as a category's authority for repeats."""
    return {str(u.id): u.name for u in supervisors()}


def category_supervisor_ids(category: Category) -> list[int]:
    return list(
        db.session.scalars(
            select(category_supervisors.c.user_id)
            .where(category_supervisors.c.category_id == category.id)
            .order_by(category_supervisors.c.user_id)
        )
    )


def _supervisor_ids(user_ids: Iterable[int | str]) -> set[int]:
    try:
        wanted = {int(i) for i in user_ids}
    except ValueError as exc:
        raise AdminError("Choose from the listed supervisors.", "supervisor_ids") from exc
    if not wanted <= {int(k) for k in supervisor_choices()}:
        raise AdminError("Choose from the listed supervisors.", "supervisor_ids")
    return wanted


def _write_supervisors(category: Category, wanted: set[int]) -> None:
    db.session.execute(
        delete(category_supervisors).where(category_supervisors.c.category_id == category.id)
    )
    if wanted:
        db.session.execute(
            insert(category_supervisors),
            [{"category_id": category.id, "user_id": uid} for uid in sorted(wanted)],
        )


def set_category_supervisors(category: Category, user_ids: Iterable[int | str]) -> None:
    """Name the supervisors alerted about repeats in a category (none: every supervisor).

    :raise AdminError: for anyone who is not an active supervisor.
    """
    _write_supervisors(category, _supervisor_ids(user_ids))
    db.session.flush()
