"""Who may do what, as named predicates shared by views, templates and tests."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from helpdesk.domain import WORKFORCE_ROLES, Role
from helpdesk.extensions import db
from helpdesk.models import Attachment, LearnerProfile, Ticket, User

F = TypeVar("F", bound=Callable[..., Any])


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_staff(user: Any) -> bool:
    """Agents, supervisors and admins work the queue."""
    return _signed_in(user) and user.is_staff


def is_admin(user: Any) -> bool:
    return _signed_in(user) and user.has_role(Role.ADMIN)


def can_set_up_two_factor(user: Any) -> bool:
    """Two-factor sign-in is for everyone who works here, not for customers."""
    return _signed_in(user) and bool(user.role_names & WORKFORCE_ROLES)


def is_customer(user: Any) -> bool:
    return _signed_in(user) and user.is_customer


def can_view_ticket(user: Any, ticket: Ticket) -> bool:
    """Staff see every ticket; a customer sees only tickets raised for them."""
    if not _signed_in(user):
        return False
    return user.is_staff or (ticket.customer_id is not None and ticket.customer_id == user.id)


def can_work_ticket(user: Any, ticket: Ticket) -> bool:
    """Only staff act on a ticket's workflow (acknowledge, assign, notes, fields)."""
    return is_staff(user)


def can_flag_training(user: Any, ticket: Ticket) -> bool:
    """Staff mark a ticket as training or role play; never a learner, whose own evidence
    it would decide, nor a customer."""
    return is_staff(user) and not user.has_role(Role.LEARNER)


def can_reply_as_customer(user: Any, ticket: Ticket) -> bool:
    """The ticket's own customer may add to it while it is open."""
    return _signed_in(user) and ticket.customer_id == user.id and ticket.is_open


def can_view_attachment(user: Any, attachment: Attachment) -> bool:
    """As for the ticket; files on internal notes stay with staff."""
    if not can_view_ticket(user, attachment.ticket):
        return False
    return is_staff(user) or attachment.is_public


def can_manage_users(user: Any) -> bool:
    return is_admin(user)


def can_manage_catalogue(user: Any) -> bool:
    """Categories, self-service routes and knowledge articles."""
    return is_admin(user)


def _profile_of(learner: User | LearnerProfile) -> LearnerProfile | None:
    if isinstance(learner, LearnerProfile):
        return learner
    return db.session.scalar(select(LearnerProfile).where(LearnerProfile.user_id == learner.id))


def is_assessor_of(user: Any, learner: User | LearnerProfile) -> bool:
    """An assessor the learner's profile names (holding the assessor role still)."""
    if not _signed_in(user) or not user.has_role(Role.ASSESSOR):
        return False
    profile = _profile_of(learner)
    return profile is not None and any(a.id == user.id for a in profile.assessors)


def can_view_portfolio(user: Any, learner: User | LearnerProfile) -> bool:
    """The learner themselves, their assessor(s) and admins; nobody else."""
    if not _signed_in(user):
        return False
    learner_id = learner.user_id if isinstance(learner, LearnerProfile) else learner.id
    return user.id == learner_id or is_admin(user) or is_assessor_of(user, learner)


def can_write_reflection(user: Any, learner: User | LearnerProfile) -> bool:
    """Only the learner writes their own reflective accounts."""
    learner_id = learner.user_id if isinstance(learner, LearnerProfile) else learner.id
    return _signed_in(user) and user.id == learner_id and user.has_role(Role.LEARNER)


def can_see_learners(user: Any) -> bool:
    """Assessors (their own learners) and admins (every learner) use the assessor pages."""
    return _signed_in(user) and (user.has_role(Role.ASSESSOR) or is_admin(user))


def can_assess(user: Any, learner: User | LearnerProfile) -> bool:
    """An assessor of that learner, or an admin; never the learner themselves."""
    learner_id = learner.user_id if isinstance(learner, LearnerProfile) else learner.id
    if not _signed_in(user) or user.id == learner_id:
        return False
    return is_admin(user) or is_assessor_of(user, learner)


def can_decide(user: Any, learner: User | LearnerProfile) -> bool:
    """Decisions, observations, knowledge marks and sign-off: the learner's assessor only."""
    learner_id = learner.user_id if isinstance(learner, LearnerProfile) else learner.id
    return _signed_in(user) and user.id != learner_id and is_assessor_of(user, learner)


def is_iqa(user: Any) -> bool:
    """Internal quality assurers sample assessors' decisions (the /iqa pages)."""
    return _signed_in(user) and user.has_role(Role.IQA)


def template_predicates() -> dict[str, Callable[..., bool]]:
    """Expose the predicates to Jinja so templates ask the same questions as views."""
    return {
        "is_staff": is_staff,
        "is_admin": is_admin,
        "is_customer": is_customer,
        "can_view_ticket": can_view_ticket,
        "can_work_ticket": can_work_ticket,
        "can_flag_training": can_flag_training,
        "can_reply_as_customer": can_reply_as_customer,
        "can_view_attachment": can_view_attachment,
        "can_manage_users": can_manage_users,
        "can_set_up_two_factor": can_set_up_two_factor,
        "can_manage_catalogue": can_manage_catalogue,
        "is_iqa": is_iqa,
        "can_view_portfolio": can_view_portfolio,
        "can_write_reflection": can_write_reflection,
        "can_see_learners": can_see_learners,
        "can_assess": can_assess,
        "can_decide": can_decide,
    }


def require(predicate: Callable[[Any], bool]) -> Callable[[F], F]:
    """Guard a view: sign-in first (a redirect for pages, 401 for htmx), then 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if request.headers.get("HX-Request") == "true":
                    abort(401)
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def signed_in(user: Any) -> bool:
    return _signed_in(user)


def get_ticket_or_404(ticket_id: int, user: Any = None) -> Ticket:
    """Load a ticket the user may see.

    :raise NotFound: when it does not exist or the user may not see it (no leak of
        which); staff-only actions check their own predicate afterwards (403).
    """
    user = current_user if user is None else user
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not can_view_ticket(user, ticket):
        abort(404)
    return ticket


def get_user_or_404(user_id: int) -> User:
    found = db.session.get(User, user_id)
    if found is None:
        abort(404)
    return found
