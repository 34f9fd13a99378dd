"""Limits of authority: who may offer an option alone, and who may approve one."""

from __future__ import annotations

from typing import Any

from helpdesk.formatting import money
from helpdesk.models import Approval, Option, User


def needs_approval(option: Option, offerer: User) -> bool:
    """An option over the offerer's limit, or outside policy, needs someone else's yes."""
    return option.cost_minor > offerer.authority_limit_minor or not option.within_policy


def approval_covers(approval: Approval | None, option: Option) -> bool:
    """An approval counts only for the cost and policy status it was given for."""
    return (
        approval is not None
        and approval.is_approved
        and approval.cost_minor == option.cost_minor
        and approval.within_policy == option.within_policy
    )


def can_offer_option(user: Any, option: Option) -> bool:
    if not getattr(user, "is_staff", False):
        return False
    return not needs_approval(option, user) or approval_covers(option.current_approval, option)


def authority_covers(user: User, cost_minor: int, within_policy: bool) -> bool:
    return user.authority_limit_minor >= cost_minor and (
        within_policy or user.can_approve_exceptions
    )


def can_approve(user: Any, approval: Approval) -> bool:
    """Someone else, with authority covering the cost (and the exception, if it is one)."""
    return (
        bool(getattr(user, "is_staff", False))
        and approval.is_pending
        and user.id != approval.requested_by_id
        and authority_covers(user, approval.cost_minor, approval.within_policy)
    )


def why_not_offer(user: User, option: Option) -> str:
    """The refusal, with the way forward."""
    reasons = []
    if option.cost_minor > user.authority_limit_minor:
        reasons.append(
            f"it costs {money(option.cost_minor)} and you can offer up to "
            f"{money(user.authority_limit_minor)}"
        )
    if not option.within_policy:
        reasons.append("it is an exception to policy")
    return f"You cannot offer this option yourself: {' and '.join(reasons)}. Ask for approval."


def why_not_approve(user: User, approval: Approval) -> str:
    if user.id == approval.requested_by_id:
        return "You cannot approve your own request. Someone else must decide it."
    if not approval.is_pending:
        return "This request has already been decided or was voided."
    if user.authority_limit_minor < approval.cost_minor:
        return (
            f"This needs authority for {money(approval.cost_minor)}; "
            f"yours is {money(user.authority_limit_minor)}."
        )
    if not approval.within_policy and not user.can_approve_exceptions:
        return "This is an exception to policy, and you may not approve exceptions."
    return "You cannot approve this request."
