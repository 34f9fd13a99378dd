"""Options for resolving a problem: weigh them, confirm, approve, offer, agree, implement.

Every function checks the move and the person's authority, writes the event, queues
the notifications and flushes (the caller's unit of work commits). Refusals are
WorkflowError/AuthorityError messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from helpdesk.audit import audit
from helpdesk.domain import (
    REMEDY_LABELS,
    ApprovalState,
    AuditAction,
    ConfirmationState,
    NotificationKind,
    OptionState,
    Status,
    TicketEventKind,
)
from helpdesk.extensions import db
from helpdesk.formatting import money
from helpdesk.idempotency import first_made, flush_or_first
from helpdesk.models import Approval, Confirmation, Option, Ticket, TicketEvent, User
from helpdesk.models.types import utcnow
from helpdesk.notifications.services import notify_customer, notify_staff
from helpdesk.tickets import authority
from helpdesk.tickets.services import _check_version, _flush, _text
from helpdesk.tickets.workflow import WorkflowError, record_event, transition

REMEDY_TYPES = REMEDY_LABELS
MAX_COST_MINOR = 100_000_000  # £1,000,000: anything above is a typing mistake


class AuthorityError(WorkflowError):
    """Beyond the person's limit of authority; the message says the way forward."""


OS = OptionState
K = TicketEventKind
N = NotificationKind

# Which state may follow which. Agreeing one offered option withdraws the others.
OPTION_TRANSITIONS: dict[OptionState, frozenset[OptionState]] = {
    OS.DRAFT: frozenset({OS.OFFERED}),
    OS.OFFERED: frozenset({OS.AGREED, OS.DECLINED, OS.WITHDRAWN}),
    OS.AGREED: frozenset({OS.IMPLEMENTED}),
    OS.IMPLEMENTED: frozenset(),
    OS.DECLINED: frozenset(),
    OS.WITHDRAWN: frozenset(),
}

A = ApprovalState

# A request is decided once; a change of the option voids a pending or approved one.
APPROVAL_TRANSITIONS: dict[ApprovalState, frozenset[ApprovalState]] = {
    A.PENDING: frozenset({A.APPROVED, A.REFUSED, A.VOID}),
    A.APPROVED: frozenset({A.VOID}),
    A.REFUSED: frozenset(),
    A.VOID: frozenset(),
}


def move_options(
    options: Sequence[Option],
    to: OptionState,
    actor: User,
    kind: TicketEventKind | None,
    *,
    body: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
) -> TicketEvent | None:
    """Move every option to ``to`` if the table allows it, then write the one event.

    ``kind`` None moves them without an event of their own: options withdrawn when
    another is agreed are told by that option's event.

    :raise WorkflowError: when the table does not allow the move for one of them.
    """
    for option in options:
        if to not in OPTION_TRANSITIONS[OptionState(option.state)]:
            raise WorkflowError(f"An option that is '{option.state}' cannot move to '{to}'.")
    for option in options:
        option.state = to
    if kind is None or not options:
        return None
    return record_event(options[0].ticket, actor, kind, body=body, public=public, data=data)


def move_approval(
    approval: Approval,
    to: ApprovalState,
    actor: User,
    kind: TicketEventKind | None,
    *,
    body: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEvent | None:
    """Move the approval to ``to`` if the table allows it, writing its event.

    ``kind`` None moves it without an event: a voided approval is told by the edit.

    :raise WorkflowError: when the table does not allow the move.
    """
    if to not in APPROVAL_TRANSITIONS[ApprovalState(approval.state)]:
        raise WorkflowError(f"An approval that is '{approval.state}' cannot move to '{to}'.")
    approval.state = to
    if kind is None:
        return None
    return record_event(approval.option.ticket, actor, kind, body=body, data=data)


@dataclass(frozen=True)
class OptionData:
    description: str
    remedy_type: str
    cost_minor: int
    duration: str
    within_policy: bool
    pros_customer: str = ""
    cons_customer: str = ""
    pros_org: str = ""
    cons_org: str = ""


def _validated(data: OptionData) -> OptionData:
    if data.remedy_type not in REMEDY_TYPES:
        raise WorkflowError("Choose one of the listed remedy types.", "remedy_type")
    if not isinstance(data.cost_minor, int) or data.cost_minor < 0:
        raise WorkflowError("The cost cannot be negative.", "cost")
    if data.cost_minor > MAX_COST_MINOR:
        raise WorkflowError(f"The cost must be at most {money(MAX_COST_MINOR)}.", "cost")
    side = {
        "pros_customer": data.pros_customer,
        "cons_customer": data.cons_customer,
        "pros_org": data.pros_org,
        "cons_org": data.cons_org,
    }
    for field, value in side.items():
        if len(value or "") > 2000:
            raise WorkflowError("Keep each list of pros or cons under 2,000 characters.", field)
    return OptionData(
        description=_text(data.description, "description", "The description", 2000),
        remedy_type=data.remedy_type,
        cost_minor=data.cost_minor,
        duration=_text(data.duration, "duration", "The time it takes", 120),
        within_policy=bool(data.within_policy),
        **{k: (v or "").strip() for k, v in side.items()},
    )


def _ticket_open_for_options(ticket: Ticket) -> None:
    if not ticket.is_open:
        raise WorkflowError("This ticket is closed.")
    if ticket.acknowledged_at is None:
        raise WorkflowError("Acknowledge the problem before you weigh options.")


def _ensure_status(ticket: Ticket, to: Status, actor: User | None) -> None:
    if ticket.status != to:
        transition(ticket, to, actor, public=False)


def add_option(
    ticket: Ticket,
    actor: User,
    data: OptionData,
    *,
    idempotency_key: str | None = None,
) -> Option:
    """Add an option to the ticket's board (a draft until offered)."""
    if (existing := first_made(Option, idempotency_key)) is not None:
        return existing
    _ticket_open_for_options(ticket)
    clean = _validated(data)
    option = Option(
        ticket=ticket, created_by=actor, idempotency_key=idempotency_key, **clean.__dict__
    )
    db.session.add(option)
    # The id goes into the event; a same-key post racing this one shows here.
    if (existing := flush_or_first(Option, idempotency_key)) is not None:
        return existing
    record_event(
        ticket,
        actor,
        K.OPTION_ADDED,
        body=clean.description,
        data={"option_id": option.id, "both_sides": option.has_both_sides},
    )
    if ticket.status in (Status.ACKNOWLEDGED, Status.AWAITING_CUSTOMER, Status.IN_PROGRESS):
        _ensure_status(ticket, Status.OPTIONS, actor)
    return flush_or_first(Option, idempotency_key) or option


def edit_option(option: Option, actor: User, data: OptionData) -> Option:
    """Change a draft option; a change of cost or policy voids its approval."""
    if not option.editable:
        raise WorkflowError("Only options not yet offered can be edited.")
    clean = _validated(data)
    voided = False
    if clean.cost_minor != option.cost_minor or clean.within_policy != option.within_policy:
        for approval in option.approvals:
            if approval.is_live:
                move_approval(approval, ApprovalState.VOID, actor, None)
                approval.decided_at = utcnow()
                voided = True
    for key, value in clean.__dict__.items():
        setattr(option, key, value)
    record_event(
        option.ticket,
        actor,
        K.OPTION_EDITED,
        body=clean.description,
        data={
            "option_id": option.id,
            "approval_voided": voided,
            "both_sides": option.has_both_sides,
        },
    )
    if voided and option.ticket.status == Status.AWAITING_APPROVAL and not _pending(option.ticket):
        _ensure_status(option.ticket, Status.OPTIONS, actor)
    _flush()
    return option


def _pending(ticket: Ticket) -> list[Approval]:
    return list(
        db.session.scalars(
            select(Approval)
            .join(Option)
            .where(Option.ticket_id == ticket.id, Approval.state == ApprovalState.PENDING)
        )
    )


def recommend(option: Option, actor: User) -> None:
    """Mark one option as the best for customer and organisation."""
    if not (option.is_draft or option.is_offered):
        raise WorkflowError("Only a live option can be recommended.")
    for other in db.session.scalars(select(Option).where(Option.ticket_id == option.ticket_id)):
        other.recommended = other.id == option.id
    record_event(
        option.ticket,
        actor,
        K.OPTION_RECOMMENDED,
        body=option.description,
        data={"option_id": option.id},
    )
    _flush()


def request_confirmation(option: Option, actor: User, colleague: User) -> Confirmation:
    """Ask a named colleague to confirm or challenge an option."""
    if colleague.id == actor.id:
        raise WorkflowError("Ask a colleague, not yourself.", "colleague_id")
    if not colleague.is_staff or not colleague.active:
        raise WorkflowError("Choose an active member of staff.", "colleague_id")
    if option.is_set_aside:
        raise WorkflowError("This option is no longer live.")
    for existing in option.confirmations:
        if existing.colleague_id == colleague.id and existing.is_pending:
            return existing
    confirmation = Confirmation(option=option, requested_by=actor, colleague=colleague)
    db.session.add(confirmation)
    record_event(
        option.ticket,
        actor,
        K.CONFIRMATION_REQUESTED,
        body=option.description,
        data={"option_id": option.id, "colleague": colleague.name},
    )
    notify_staff(
        [colleague],
        N.CONFIRMATION_REQUESTED,
        f"{actor.name} asks you to confirm an option on {option.ticket.reference}.",
        ticket=option.ticket,
        email=True,
    )
    _flush()
    return confirmation


def decide_confirmation(
    confirmation: Confirmation, actor: User, *, confirm: bool, comment: str
) -> None:
    """The colleague confirms the option or challenges it, with a comment."""
    if actor.id != confirmation.colleague_id:
        raise AuthorityError("Only the colleague who was asked can answer this.")
    if not confirmation.is_pending:
        raise WorkflowError("This has already been answered.")
    comment = (comment or "").strip()
    if not confirm and not comment:
        raise WorkflowError("Say why you challenge it.", "comment")
    if len(comment) > 2000:
        raise WorkflowError("Keep the comment under 2,000 characters.", "comment")
    confirmation.state = ConfirmationState.CONFIRMED if confirm else ConfirmationState.CHALLENGED
    confirmation.comment = comment
    confirmation.decided_at = utcnow()
    ticket = confirmation.option.ticket
    record_event(
        ticket,
        actor,
        K.OPTION_CONFIRMED if confirm else K.OPTION_CHALLENGED,
        body=comment,
        data={"option_id": confirmation.option_id, "requested_by": confirmation.requested_by.name},
    )
    notify_staff(
        [confirmation.requested_by],
        N.CONFIRMATION_DECIDED,
        f"{actor.name} {'confirmed' if confirm else 'challenged'} an option on {ticket.reference}.",
        ticket=ticket,
    )
    _flush()


def eligible_approvers(approval: Approval) -> list[User]:
    from helpdesk.tickets.services import assignable_staff

    return [u for u in assignable_staff() if authority.can_approve(u, approval)]


def request_approval(option: Option, actor: User) -> Approval:
    """Ask for an approval to offer an option beyond the requester's authority."""
    if not option.is_draft:
        raise WorkflowError("Approval can only be asked for an option not yet offered.")
    if not authority.needs_approval(option, actor):
        raise WorkflowError("This option is within your authority: you can offer it yourself.")
    live = option.current_approval
    if live is not None and authority.approval_covers(live, option):
        raise WorkflowError("This option is already approved.")
    if live is not None and live.is_pending:
        return live
    approval = Approval(
        option=option,
        requested_by=actor,
        cost_minor=option.cost_minor,
        within_policy=option.within_policy,
    )
    db.session.add(approval)
    db.session.flush()
    record_event(
        option.ticket,
        actor,
        K.APPROVAL_REQUESTED,
        body=option.description,
        data={
            "option_id": option.id,
            "approval_id": approval.id,
            "cost_minor": option.cost_minor,
            "within_policy": option.within_policy,
        },
    )
    _ensure_status(option.ticket, Status.AWAITING_APPROVAL, actor)
    notify_staff(
        eligible_approvers(approval),
        N.APPROVAL_REQUESTED,
        f"{actor.name} asks for approval of {money(option.cost_minor)}"
        f"{' (exception to policy)' if not option.within_policy else ''} on "
        f"{option.ticket.reference}.",
        ticket=option.ticket,
        url="/staff/approvals",
        email=True,
    )
    _flush()
    return approval


def decide_approval(approval: Approval, actor: User, *, approve: bool, reason: str) -> None:
    """Approve or refuse a request; only someone else whose authority covers it."""
    if not authority.can_approve(actor, approval):
        raise AuthorityError(authority.why_not_approve(actor, approval))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise WorkflowError("Give the reason for refusing.", "reason")
    if len(reason) > 2000:
        raise WorkflowError("Keep the reason under 2,000 characters.", "reason")
    approval.reason = reason
    approval.decided_by = actor
    approval.decided_at = utcnow()
    ticket = approval.option.ticket
    move_approval(
        approval,
        A.APPROVED if approve else A.REFUSED,
        actor,
        K.APPROVAL_GRANTED if approve else K.APPROVAL_REFUSED,
        body=reason,
        data={"option_id": approval.option_id, "approval_id": approval.id},
    )
    if ticket.status == Status.AWAITING_APPROVAL and not [
        a for a in _pending(ticket) if a.id != approval.id
    ]:
        _ensure_status(ticket, Status.OPTIONS, actor)
    notify_staff(
        [approval.requested_by],
        N.APPROVAL_DECIDED,
        f"{actor.name} {'approved' if approve else 'refused'} your request on "
        f"{ticket.reference}{': ' + reason if reason else ''}.",
        ticket=ticket,
        email=True,
    )
    audit(
        AuditAction.APPROVAL_DECIDED,
        actor,
        approval,
        decision=approval.state,
        ticket_id=ticket.id,
        cost_minor=approval.cost_minor,
    )
    _flush()


def offer(ticket: Ticket, actor: User, options: Sequence[Option]) -> None:
    """Offer options to the customer: each within the offerer's authority or approved."""
    if not options:
        raise WorkflowError("Choose at least one option to offer.", "option_ids")
    if ticket.customer is None:
        raise WorkflowError("This ticket has no customer to offer options to.")
    _ticket_open_for_options(ticket)
    for option in options:
        if option.ticket_id != ticket.id:
            raise WorkflowError("That option belongs to another ticket.", "option_ids")
        if not option.is_draft:
            raise WorkflowError("Only options not yet offered can be offered.", "option_ids")
        if not authority.can_offer_option(actor, option):
            raise AuthorityError(authority.why_not_offer(actor, option), "option_ids")
    now = utcnow()
    for option in options:
        option.offered_at = now
    # The ticket moves first so its status row precedes the offer in the timeline.
    _ensure_status(ticket, Status.OPTIONS, actor)
    move_options(
        options,
        OS.OFFERED,
        actor,
        K.OPTIONS_OFFERED,
        body="\n".join(f"- {o.description}" for o in options),
        public=True,
        data={"option_ids": [o.id for o in options]},
    )
    notify_customer(
        ticket,
        N.OPTIONS_OFFERED,
        "Ways to solve your problem",
        "We have worked out how we could solve your problem. Please look at the options "
        "and tell us which you would like.",
    )
    _flush()


def customer_agree(option: Option, customer: User) -> None:
    """The customer agrees one of the options offered to them."""
    ticket = option.ticket
    if ticket.customer_id != customer.id:
        raise AuthorityError("Only the ticket's customer can agree an option.")
    if not option.is_offered:
        raise WorkflowError("That option is not on offer.")
    if not ticket.is_open:
        raise WorkflowError("This ticket is closed.")
    now = utcnow()
    others = db.session.scalars(
        select(Option).where(Option.ticket_id == ticket.id, Option.state == OS.OFFERED)
    )
    move_options([o for o in others if o.id != option.id], OS.WITHDRAWN, customer, None)
    option.decided_at = now
    move_options(
        [option],
        OS.AGREED,
        customer,
        K.OPTION_AGREED,
        body=option.description,
        public=True,
        data={"option_id": option.id},
    )
    if ticket.status != Status.OPTIONS:
        _ensure_status(ticket, Status.OPTIONS, customer)
    transition(ticket, Status.AGREED, customer, public=False)
    notify_staff(
        [ticket.assignee],
        N.OPTION_AGREED,
        f"The customer agreed an option on {ticket.reference}.",
        ticket=ticket,
    )
    _flush()


def customer_decline(option: Option, customer: User, comment: str) -> None:
    """The customer declines an offered option, saying why."""
    ticket = option.ticket
    if ticket.customer_id != customer.id:
        raise AuthorityError("Only the ticket's customer can decline an option.")
    if not option.is_offered:
        raise WorkflowError("That option is not on offer.")
    if not ticket.is_open:
        # As for agreeing: a closed ticket takes no more answers (options stay "offered").
        raise WorkflowError("This ticket is closed.")
    comment = _text(comment, "comment", "Your comment", 2000)
    option.customer_comment = comment
    option.decided_at = utcnow()
    move_options(
        [option],
        OS.DECLINED,
        customer,
        K.OPTION_DECLINED,
        body=comment,
        public=True,
        data={"option_id": option.id},
    )
    notify_staff(
        [ticket.assignee],
        N.OPTION_DECLINED,
        f"The customer declined an option on {ticket.reference}.",
        ticket=ticket,
    )
    _flush()


def implement(
    option: Option, actor: User, note: str, *, expected_version: int | None = None
) -> None:
    """Carry out the agreed option, saying what was done."""
    ticket = option.ticket
    _check_version(ticket, expected_version)
    if not option.is_agreed:
        raise WorkflowError("Only the option the customer agreed can be implemented.")
    if not ticket.is_open:
        # Closing leaves an agreed option "agreed"; acting on it afterwards would email
        # "we have acted on your problem" to a customer told it could not be solved.
        raise WorkflowError("This ticket is closed.")
    note = _text(note, "note", "What was done", 4000)
    option.implemented_at = utcnow()
    move_options(
        [option],
        OS.IMPLEMENTED,
        actor,
        K.OPTION_IMPLEMENTED,
        body=note,
        public=True,
        data={
            "option_id": option.id,
            "within_policy": option.within_policy,
            "cost_minor": option.cost_minor,
            "approved": authority.approval_covers(option.current_approval, option),
        },
    )
    if ticket.status == Status.AGREED:
        transition(ticket, Status.IN_PROGRESS, actor, public=False)
    notify_customer(ticket, N.OPTION_IMPLEMENTED, "We have acted on your problem", note)
    _flush()


def options_for(ticket: Ticket) -> list[Option]:
    return list(
        db.session.scalars(select(Option).where(Option.ticket_id == ticket.id).order_by(Option.id))
    )
