"""Options for resolving a problem: weigh them, confirm, approve, offer, agree, implement.

Every function checks the move and the person's authority, writes the event, queues
the notifications and flushes (the caller's unit of work commits). Refusals are
WorkflowError/AuthorityError messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from helpdesk.audit import audit
from helpdesk.domain import REMEDY_LABELS, Status
from helpdesk.extensions import db
from helpdesk.formatting import money
from helpdesk.idempotency import first_made, flush_or_first
from helpdesk.models import Approval, Confirmation, Option, Ticket, User
from helpdesk.models.types import utcnow
from helpdesk.notifications.services import notify_customer, notify_staff
from helpdesk.tickets import authority
from helpdesk.tickets.services import _check_version, _flush, _text
from helpdesk.tickets.workflow import WorkflowError, record_event, transition

REMEDY_TYPES = REMEDY_LABELS
MAX_COST_MINOR = 100_000_000  # £1,000,000: anything above is a typing mistake


class AuthorityError(WorkflowError):
    """Beyond the person's limit of authority; the message says the way forward."""


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
        "option_added",
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
            if approval.state in ("pending", "approved"):
                approval.state = "void"
                approval.decided_at = utcnow()
                voided = True
    for key, value in clean.__dict__.items():
        setattr(option, key, value)
    record_event(
        option.ticket,
        actor,
        "option_edited",
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
            .where(Option.ticket_id == ticket.id, Approval.state == "pending")
        )
    )


def recommend(option: Option, actor: User) -> None:
    """Mark one option as the best for customer and organisation."""
    if option.state not in ("draft", "offered"):
        raise WorkflowError("Only a live option can be recommended.")
    for other in db.session.scalars(select(Option).where(Option.ticket_id == option.ticket_id)):
        other.recommended = other.id == option.id
    record_event(
        option.ticket,
        actor,
        "option_recommended",
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
    if option.state in ("declined", "withdrawn"):
        raise WorkflowError("This option is no longer live.")
    for existing in option.confirmations:
        if existing.colleague_id == colleague.id and existing.state == "pending":
            return existing
    confirmation = Confirmation(option=option, requested_by=actor, colleague=colleague)
    db.session.add(confirmation)
    record_event(
        option.ticket,
        actor,
        "confirmation_requested",
        body=option.description,
        data={"option_id": option.id, "colleague": colleague.name},
    )
    notify_staff(
        [colleague],
        "confirmation_requested",
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
    if confirmation.state != "pending":
        raise WorkflowError("This has already been answered.")
    comment = (comment or "").strip()
    if not confirm and not comment:
        raise WorkflowError("Say why you challenge it.", "comment")
    if len(comment) > 2000:
        raise WorkflowError("Keep the comment under 2,000 characters.", "comment")
    confirmation.state = "confirmed" if confirm else "challenged"
    confirmation.comment = comment
    confirmation.decided_at = utcnow()
    ticket = confirmation.option.ticket
    record_event(
        ticket,
        actor,
        "option_confirmed" if confirm else "option_challenged",
        body=comment,
        data={"option_id": confirmation.option_id, "requested_by": confirmation.requested_by.name},
    )
    notify_staff(
        [confirmation.requested_by],
        "confirmation_decided",
        f"{actor.name} {'confirmed' if confirm else 'challenged'} an option on {ticket.reference}.",
        ticket=ticket,
    )
    _flush()


def eligible_approvers(approval: Approval) -> list[User]:
    from helpdesk.tickets.services import assignable_staff

    return [u for u in assignable_staff() if authority.can_approve(u, approval)]


def request_approval(option: Option, actor: User) -> Approval:
    """Ask for an approval to offer an option beyond the requester's authority."""
    if option.state != "draft":
        raise WorkflowError("Approval can only be asked for an option not yet offered.")
    if not authority.needs_approval(option, actor):
        raise WorkflowError("This option is within your authority: you can offer it yourself.")
    live = option.current_approval
    if live is not None and authority.approval_covers(live, option):
        raise WorkflowError("This option is already approved.")
    if live is not None and live.state == "pending":
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
        "approval_requested",
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
        "approval_requested",
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
    approval.state = "approved" if approve else "refused"
    approval.reason = reason
    approval.decided_by = actor
    approval.decided_at = utcnow()
    ticket = approval.option.ticket
    record_event(
        ticket,
        actor,
        "approval_granted" if approve else "approval_refused",
        body=reason,
        data={"option_id": approval.option_id, "approval_id": approval.id},
    )
    if ticket.status == Status.AWAITING_APPROVAL and not [
        a for a in _pending(ticket) if a.id != approval.id
    ]:
        _ensure_status(ticket, Status.OPTIONS, actor)
    notify_staff(
        [approval.requested_by],
        "approval_decided",
        f"{actor.name} {'approved' if approve else 'refused'} your request on "
        f"{ticket.reference}{': ' + reason if reason else ''}.",
        ticket=ticket,
        email=True,
    )
    audit(
        "approval_decided",
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
        if option.state != "draft":
            raise WorkflowError("Only options not yet offered can be offered.", "option_ids")
        if not authority.can_offer_option(actor, option):
            raise AuthorityError(authority.why_not_offer(actor, option), "option_ids")
    now = utcnow()
    for option in options:
        option.state = "offered"
        option.offered_at = now
    _ensure_status(ticket, Status.OPTIONS, actor)
    record_event(
        ticket,
        actor,
        "options_offered",
        body="\n".join(f"- {o.description}" for o in options),
        public=True,
        data={"option_ids": [o.id for o in options]},
    )
    notify_customer(
        ticket,
        "options_offered",
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
    if option.state != "offered":
        raise WorkflowError("That option is not on offer.")
    if not ticket.is_open:
        raise WorkflowError("This ticket is closed.")
    now = utcnow()
    option.state = "agreed"
    option.decided_at = now
    for other in db.session.scalars(
        select(Option).where(Option.ticket_id == ticket.id, Option.state == "offered")
    ):
        if other.id != option.id:
            other.state = "withdrawn"
    record_event(
        ticket,
        customer,
        "option_agreed",
        body=option.description,
        public=True,
        data={"option_id": option.id},
    )
    if ticket.status != Status.OPTIONS:
        _ensure_status(ticket, Status.OPTIONS, customer)
    transition(ticket, Status.AGREED, customer, public=False)
    notify_staff(
        [ticket.assignee],
        "option_agreed",
        f"The customer agreed an option on {ticket.reference}.",
        ticket=ticket,
    )
    _flush()


def customer_decline(option: Option, customer: User, comment: str) -> None:
    """The customer declines an offered option, saying why."""
    ticket = option.ticket
    if ticket.customer_id != customer.id:
        raise AuthorityError("Only the ticket's customer can decline an option.")
    if option.state != "offered":
        raise WorkflowError("That option is not on offer.")
    if not ticket.is_open:
        # As for agreeing: a closed ticket takes no more answers (options stay "offered").
        raise WorkflowError("This ticket is closed.")
    comment = _text(comment, "comment", "Your comment", 2000)
    option.state = "declined"
    option.customer_comment = comment
    option.decided_at = utcnow()
    record_event(
        ticket,
        customer,
        "option_declined",
        body=comment,
        public=True,
        data={"option_id": option.id},
    )
    notify_staff(
        [ticket.assignee],
        "option_declined",
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
    if option.state != "agreed":
        raise WorkflowError("Only the option the customer agreed can be implemented.")
    if not ticket.is_open:
        # Closing leaves an agreed option "agreed"; acting on it afterwards would email
        # "we have acted on your problem" to a customer told it could not be solved.
        raise WorkflowError("This ticket is closed.")
    note = _text(note, "note", "What was done", 4000)
    option.state = "implemented"
    option.implemented_at = utcnow()
    record_event(
        ticket,
        actor,
        "option_implemented",
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
    notify_customer(ticket, "option_implemented", "We have acted on your problem", note)
    _flush()


def options_for(ticket: Ticket) -> list[Option]:
    return list(
        db.session.scalars(select(Option).where(Option.ticket_id == ticket.id).order_by(Option.id))
    )
