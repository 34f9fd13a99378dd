"""Admin rules: accounts, roles and limits of authority; categories; self-service routes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from helpdesk.audit import audit
from helpdesk.auth.services import AccountError, create_user
from helpdesk.domain import Role, RouteKind
from helpdesk.extensions import db
from helpdesk.frameworks import Framework, catalogue
from helpdesk.idempotency import commit_or_first, first_made
from helpdesk.models import (
    Category,
    Deflection,
    FrameworkRule,
    LearnerProfile,
    Route,
    User,
    UserRole,
)
from helpdesk.models.problem import category_supervisors
from helpdesk.money import MAX_AMOUNT_MINOR, format_pounds
from helpdesk.notifications.services import supervisors
from helpdesk.refusals import Refusal

USERS_PAGE_SIZE = 50
ALL_ROLES = frozenset(r.value for r in Role)


class AdminError(Refusal):
    """A refused admin change, with the message to show and the form field it belongs to."""


# --- Users ---------------------------------------------------------------------------


@dataclass
class UserPage:
    users: list[User]
    next_after: int | None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def list_users(
    *, role: str = "", q: str = "", after: int | None = None, page_size: int = USERS_PAGE_SIZE
) -> UserPage:
    """One page of accounts in id order, continuing after the id ``after`` (keyset)."""
    stmt = select(User).order_by(User.id).limit(page_size + 1)
    if role in ALL_ROLES:
        stmt = stmt.where(exists().where(UserRole.user_id == User.id, UserRole.role == role))
    if q.strip():
        pattern = _like(q.strip())
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    if after is not None:
        stmt = stmt.where(User.id > after)
    users = list(db.session.scalars(stmt))
    more = len(users) > page_size
    users = users[:page_size]
    return UserPage(users=users, next_after=users[-1].id if more and users else None)


def _check_limit(authority_limit_minor: int) -> None:
    if authority_limit_minor < 0:
        raise AdminError("The limit cannot be negative.", "authority_limit")
    if authority_limit_minor > MAX_AMOUNT_MINOR:
        raise AdminError(
            f"That is more than {format_pounds(MAX_AMOUNT_MINOR)}: check the amount.",
            "authority_limit",
        )


def _check_roles(roles: set[str]) -> None:
    if not roles:
        raise AdminError("Choose at least one role.", "roles")
    unknown = roles - ALL_ROLES
    if unknown:
        raise AdminError(f"Unknown role: {', '.join(sorted(unknown))}.", "roles")


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise AdminError("Give the person's name.", "name")
    return name


def create_account(
    *,
    name: str,
    email: str,
    roles: set[str],
    password: str | None = None,
    authority_limit_minor: int = 0,
    can_approve_exceptions: bool = False,
    idempotency_key: str | None = None,
) -> User:
    """Create a staff or customer account; a replayed form key returns the account the
    first post made, before any check (its email is taken by then).

    :raise AdminError: for a missing name, no or unknown roles, a taken email, a short
        password or a limit below zero or over the most allowed.
    """
    if (first := first_made(User, idempotency_key)) is not None:
        return first
    name = _check_name(name)
    _check_roles(roles)
    _check_limit(authority_limit_minor)
    try:
        return create_user(
            email=email,
            name=name,
            roles=roles,
            password=password or None,
            authority_limit_minor=authority_limit_minor,
            can_approve_exceptions=can_approve_exceptions,
            idempotency_key=idempotency_key,
        )
    except (AccountError, IntegrityError) as exc:
        db.session.rollback()
        # A replay racing the first post finds its email taken, or its key at commit.
        if (first := first_made(User, idempotency_key)) is not None:
            return first
        if isinstance(exc, AccountError):
            raise AdminError(exc.message, exc.field) from exc
        # The same email created a moment ago elsewhere.
        raise AdminError("An account with that email already exists.", "email") from exc


def update_account(
    user: User,
    *,
    acting: User,
    name: str,
    roles: set[str],
    authority_limit_minor: int,
    can_approve_exceptions: bool,
    active: bool,
) -> bool:
    """Change an account; return True when its sessions were ended.

    Disabling the account or changing its roles bumps its session generation, so
    every signed-in session of that person ends at their next request.

    :raise AdminError: for the rules of :func:`create_account`, and when an admin
        would remove their own admin role or disable their own account.
    """
    name = _check_name(name)
    _check_roles(roles)
    _check_limit(authority_limit_minor)
    if user.id == acting.id and Role.ADMIN not in roles:
        raise AdminError(
            "You cannot remove your own admin role. Ask another admin to do it.", "roles"
        )
    if user.id == acting.id and not active:
        raise AdminError(
            "You cannot disable your own account. Ask another admin to do it.", "active"
        )
    end_sessions = roles != user.role_names or (user.active and not active)
    _audit_account_changes(
        user,
        acting,
        roles=set(roles),
        limit=authority_limit_minor,
        exceptions=can_approve_exceptions,
        active=active,
    )
    user.name = name
    user.set_roles(set(roles))
    user.authority_limit_minor = authority_limit_minor
    user.can_approve_exceptions = can_approve_exceptions
    user.active = active
    if end_sessions:
        user.session_generation += 1
    db.session.commit()
    return end_sessions


def _audit_account_changes(
    user: User, acting: User, *, roles: set[str], limit: int, exceptions: bool, active: bool
) -> None:
    # Before the change is applied: each entry says what was and what is now.
    if roles != user.role_names:
        audit("roles_changed", acting, user, before=sorted(user.role_names), after=sorted(roles))
    if limit != user.authority_limit_minor or exceptions != user.can_approve_exceptions:
        audit(
            "limit_changed",
            acting,
            user,
            before={
                "limit_minor": user.authority_limit_minor,
                "exceptions": user.can_approve_exceptions,
            },
            after={"limit_minor": limit, "exceptions": exceptions},
        )
    if active != user.active:
        audit("account_enabled" if active else "account_disabled", acting, user)


# --- Categories ----------------------------------------------------------------------


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
        db.session.commit()
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
        if (first := commit_or_first(Category, idempotency_key)) is not None:
            return first
    except IntegrityError as exc:  # the same name saved a moment ago elsewhere
        raise AdminError("There is already a category with that name.", "name") from exc
    if wanted:
        _write_supervisors(category, wanted)
        db.session.commit()
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
    db.session.commit()


# --- Self-service routes and knowledge articles --------------------------------------


@dataclass
class RouteRow:
    route: Route
    deflections: int


def list_routes() -> list[RouteRow]:
    """Every route with how many customers said it solved their problem (one query)."""
    counts = (
        select(Deflection.route_id, func.count(Deflection.id).label("n"))
        .group_by(Deflection.route_id)
        .subquery()
    )
    stmt = (
        select(Route, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.route_id == Route.id)
        .order_by(Route.active.desc(), Route.kind, Route.title, Route.id)
    )
    return [RouteRow(route=r, deflections=int(n)) for r, n in db.session.execute(stmt)]


@dataclass
class RouteFields:
    kind: str
    title: str
    summary: str = ""
    body: str = ""
    contact: str = ""
    keywords: str = ""
    active: bool = True


def _clean_route(fields: RouteFields) -> RouteFields:
    kinds = {k.value for k in RouteKind}
    if fields.kind not in kinds:
        raise AdminError("Choose one of the listed kinds.", "kind")
    cleaned = RouteFields(
        kind=fields.kind,
        title=(fields.title or "").strip(),
        summary=(fields.summary or "").strip(),
        body=(fields.body or "").strip(),
        contact=(fields.contact or "").strip(),
        keywords=" ".join((fields.keywords or "").replace(",", " ").split()),
        active=fields.active,
    )
    if not cleaned.title:
        raise AdminError("Give it a title customers will recognise.", "title")
    if cleaned.kind == RouteKind.ARTICLE and not cleaned.body:
        raise AdminError("A help article needs its text.", "body")
    if cleaned.kind != RouteKind.ARTICLE and not cleaned.contact:
        raise AdminError(
            "Say how to reach it: a phone number, an address or a web link.", "contact"
        )
    return cleaned


def _apply(route: Route, fields: RouteFields) -> None:
    route.kind = fields.kind
    route.title = fields.title
    route.summary = fields.summary
    route.body = fields.body
    route.contact = fields.contact
    route.keywords = fields.keywords
    route.active = fields.active


def create_route(fields: RouteFields, idempotency_key: str | None = None) -> Route:
    """Add a route or article; a replayed form key returns the one the first post made.

    :raise AdminError: for an unknown kind, no title, an article without text or
        another route without a way to reach it.
    """
    if (first := first_made(Route, idempotency_key)) is not None:
        return first
    route = Route(idempotency_key=idempotency_key)
    _apply(route, _clean_route(fields))
    db.session.add(route)
    return commit_or_first(Route, idempotency_key) or route


def update_route(route: Route, fields: RouteFields) -> Route:
    """Change a route or article; inactive ones stop being offered to customers.

    :raise AdminError: as for :func:`create_route`.
    """
    _apply(route, _clean_route(fields))
    db.session.commit()
    return route


# --- Learner mode: a learner's framework and assessors; framework rules ---------------

MAX_TICKETS_PER_PC = 50
MAX_MIN_DAYS = 3650


def framework_choices() -> dict[str, str]:
    """'A: Resolve customer service problems', … from the framework files."""
    return {code: f"{code}: {fw.title}" for code, fw in catalogue().frameworks.items()}


def assessor_choices(exclude: User | None = None) -> dict[str, str]:
    """Active people holding the assessor role (never the learner themselves)."""
    stmt = (
        select(User)
        .join(UserRole)
        .where(UserRole.role == Role.ASSESSOR, User.active.is_(True))
        .order_by(User.name, User.id)
    )
    return {str(u.id): u.name for u in db.session.scalars(stmt) if exclude is None or u != exclude}


def profile_of(user: User) -> LearnerProfile | None:
    """The person's learner profile, whatever their roles now."""
    return db.session.scalar(select(LearnerProfile).where(LearnerProfile.user_id == user.id))


def set_learner_profile(
    user: User, *, framework: str, assessor_ids: Iterable[int | str]
) -> LearnerProfile:
    """Put a learner in learner mode (or change it): their framework and assessors.

    :raise AdminError: when the person lacks the learner role, for an unknown framework,
        and for anyone not an active assessor (or the learner themselves) as assessor.
    """
    if not user.has_role(Role.LEARNER):
        raise AdminError(f"Give {user.name} the learner role first, and save.", "framework")
    if framework not in catalogue().frameworks:
        raise AdminError("Choose one of the listed frameworks.", "framework")
    try:
        wanted = {int(i) for i in assessor_ids}
    except (TypeError, ValueError) as exc:
        raise AdminError("Choose from the listed assessors.", "assessor_ids") from exc
    if user.id in wanted:
        raise AdminError("A learner cannot be their own assessor.", "assessor_ids")
    allowed = {int(k) for k in assessor_choices(exclude=user)}
    if not wanted <= allowed:
        raise AdminError("Choose from the listed assessors.", "assessor_ids")
    profile = profile_of(user)
    if profile is None:
        profile = LearnerProfile(user_id=user.id, framework=framework)
        db.session.add(profile)
    profile.framework = framework
    profile.assessors = [u for u in (db.session.get(User, i) for i in sorted(wanted)) if u]
    try:
        db.session.commit()
    except IntegrityError as exc:  # another admin set it up a moment ago
        db.session.rollback()
        raise AdminError(
            "Someone else changed this learner a moment ago: check and save again.", "framework"
        ) from exc
    return profile


@dataclass(frozen=True)
class FrameworkRuleView:
    """A framework's rule as it applies now: the admin's override, else its file's."""

    framework: Framework
    must_observe: frozenset[str]
    tickets_per_pc: int
    min_days: int
    overridden: bool


def framework_rules() -> list[FrameworkRuleView]:
    rows = {r.code: r for r in db.session.scalars(select(FrameworkRule))}
    out = []
    for code, fw in catalogue().frameworks.items():
        row = rows.get(code)
        pcs = {p.code for p in fw.pcs}
        out.append(
            FrameworkRuleView(
                framework=fw,
                must_observe=(
                    frozenset(c for c in (row.must_observe or ()) if c in pcs)
                    if row is not None
                    else fw.must_observe
                ),
                tickets_per_pc=(row.tickets_per_pc if row and row.tickets_per_pc else None)
                or fw.tickets_per_pc,
                min_days=fw.min_days if row is None or row.min_days is None else row.min_days,
                overridden=row is not None,
            )
        )
    return out


def save_framework_rule(
    code: str, *, must_observe: Iterable[str], tickets_per_pc: int | None, min_days: int | None
) -> FrameworkRule:
    """Set a framework's must-observe PCs and sufficiency numbers.

    :raise AdminError: for an unknown framework, codes that are not its PCs, fewer than
        one ticket (or more than the most allowed), a negative or huge number of days,
        and days asked of one ticket (a single ticket spans no days).
    """
    fw = catalogue().frameworks.get(code)
    if fw is None:
        raise AdminError("There is no such framework.")
    chosen = [str(c) for c in must_observe]
    pcs = [p.code for p in fw.pcs]
    unknown = sorted(set(chosen) - set(pcs))
    if unknown:
        raise AdminError(f"Not criteria of {code}: {', '.join(unknown)}.", "must_observe")
    if tickets_per_pc is None or not 1 <= tickets_per_pc <= MAX_TICKETS_PER_PC:
        raise AdminError(
            f"Give a number of tickets from 1 to {MAX_TICKETS_PER_PC}.", "tickets_per_pc"
        )
    if min_days is None or not 0 <= min_days <= MAX_MIN_DAYS:
        raise AdminError(f"Give a number of days from 0 to {MAX_MIN_DAYS:,}.", "min_days")
    if tickets_per_pc == 1 and min_days > 0:
        raise AdminError(
            "One ticket spans no days: set the days to 0, or ask for two tickets or more.",
            "min_days",
        )
    row = db.session.get(FrameworkRule, code)
    if row is None:
        row = FrameworkRule(code=code)
        db.session.add(row)
    row.must_observe = [c for c in pcs if c in set(chosen)]  # in the framework's order
    row.tickets_per_pc = tickets_per_pc
    row.min_days = min_days
    try:
        db.session.commit()
    except IntegrityError as exc:  # another admin saved the first override a moment ago
        db.session.rollback()
        raise AdminError("Someone else saved this framework a moment ago: try again.") from exc
    return row
