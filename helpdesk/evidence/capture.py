"""Turn a learner's live work into evidence as it happens: nothing typed twice.

Ticket and problem events pass through ``capture_*`` when they are written. If the
person credited with the action is in learner mode, an evidence record is added in the
same transaction, tagged with the criteria the action evidences in the learner's
framework (frameworks/data/mapping.json) and summarised in plain words.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from helpdesk.domain import CodeKind, ConfirmationState, Origin, ProblemEventKind, Role
from helpdesk.domain import TicketEventKind as K
from helpdesk.extensions import db
from helpdesk.frameworks import catalogue
from helpdesk.models import (
    Confirmation,
    EvidenceCode,
    EvidenceRecord,
    LearnerProfile,
    Option,
    ProblemApproval,
    ProblemEvent,
    ProblemLink,
    Ticket,
    TicketEvent,
    User,
)

# Ticket event kind -> the actions it shows. Some depend on the event's data.
SIMPLE_ACTIONS: dict[str, tuple[str, ...]] = {
    K.ACKNOWLEDGED: ("acknowledged",),
    K.QUESTION: ("question",),
    K.FEEDBACK_SHARED: ("feedback_shared",),
    K.PROACTIVE_STEP: ("proactive_step",),
    K.PROACTIVE_INFORMED: ("proactive_informed",),
    K.OPTION_RECOMMENDED: ("option_recommended",),
    K.ROUTE_OFFERED: ("route_offered",),
    K.ESCALATED: ("escalated",),
    K.PROMISE_KEPT: ("promise_kept",),
    # Telling the customer why is not keeping it: nothing for 3.3, 13 or P18.
    K.PROMISE_BROKEN: ("promise_broken",),
    K.REPLY: ("update",),
    K.CLOSED_UNRESOLVED: ("closed_unresolved",),
    K.APPROVAL_REQUESTED: ("approval_requested",),
}
# Customer events credit the staff member whose earlier action they answer.
CREDITED_BY: dict[str, tuple[str, tuple[str, ...]]] = {
    K.OPTION_AGREED: (K.OPTIONS_OFFERED, ("option_agreed",)),
    K.CUSTOMER_CONFIRMED: (K.RESOLUTION_CHECK, ("customer_confirmed",)),
}
PROBLEM_ACTIONS: dict[str, tuple[str, ...]] = {
    ProblemEventKind.SOLUTION_CHOSEN: ("problem_solutions_compared", "problem_solution_chosen"),
    ProblemEventKind.APPROVAL_REQUESTED: ("problem_approval_requested",),
    ProblemEventKind.SOLUTION_APPROVED: ("problem_approval_obtained",),
    ProblemEventKind.SOLUTION_LIVE: ("problem_solution_live",),
}


def learner_profile(user: User | None) -> LearnerProfile | None:
    if user is None or not user.has_role(Role.LEARNER):
        return None
    return db.session.scalar(select(LearnerProfile).where(LearnerProfile.user_id == user.id))


def _is_repeat(event: TicketEvent) -> bool:
    """A repeat is recognised only when the record it joins already holds another ticket."""
    problem_id = (event.data or {}).get("problem_id")
    # Events are written without autoflush: links added in this transaction count too.
    stored = set(
        db.session.scalars(
            select(ProblemLink.ticket_id).where(ProblemLink.problem_id == problem_id)
        )
    )
    pending = {
        link.ticket.id if link.ticket is not None else link.ticket_id
        for link in db.session.new
        if isinstance(link, ProblemLink)
        and link.problem is not None
        and link.problem.id == problem_id
    }
    return bool((stored | pending) - {event.ticket.id})


def _best_option_offered(event: TicketEvent) -> bool:
    """The customer is shown which offered option is recommended ("We recommend this")."""
    ids = (event.data or {}).get("option_ids") or []
    options = (db.session.get(Option, option_id) for option_id in ids)
    return any(option is not None and option.recommended for option in options)


def _policy_followed(event: TicketEvent) -> bool:
    """P22: the option was within policy and within the implementer's own authority, or an
    approval given by someone else covers it (an exception agreed with others)."""
    data = event.data or {}
    if data.get("approved"):
        return True
    actor = event.actor
    cost = data.get("cost_minor")
    return bool(
        data.get("within_policy")
        and actor is not None
        and isinstance(cost, int)
        and cost <= actor.authority_limit_minor
    )


def actions_for(event: TicketEvent) -> tuple[str, ...]:
    kind = event.kind
    data = event.data or {}
    if kind == K.CREATED:
        return ("proactive_report",) if data.get("origin") == Origin.INTERNAL else ()
    if kind in (K.OPTION_ADDED, K.OPTION_EDITED):
        found = ("option_added",) if kind == K.OPTION_ADDED else ()
        return found + (("option_pros_cons",) if data.get("both_sides") else ())
    if kind == K.OPTION_IMPLEMENTED:
        return ("option_implemented",) + (("policy_respected",) if _policy_followed(event) else ())
    if kind == K.LINKED_TO_PROBLEM:
        return ("linked_to_problem",) if _is_repeat(event) else ()
    if kind == K.OPTIONS_OFFERED:
        return ("best_option_discussed",) if _best_option_offered(event) else ()
    return SIMPLE_ACTIONS.get(kind, ())


def _confirmation_requester(event: TicketEvent) -> User | None:
    """Who asked the colleague now confirming: the confirmation, not the asking, is credited."""
    option_id = (event.data or {}).get("option_id")
    if event.actor is None:
        return None
    asked = db.session.scalars(
        select(Confirmation)
        .where(Confirmation.option_id == option_id, Confirmation.colleague_id == event.actor.id)
        .order_by(Confirmation.id.desc())
    )
    # Not flushed yet: the state is read from the objects, not filtered in SQL.
    found = next((c for c in asked if c.state == ConfirmationState.CONFIRMED), None)
    return found.requested_by if found is not None else None


def _credited(event: TicketEvent, ticket: Ticket) -> tuple[User | None, tuple[str, ...]]:
    if event.kind == K.OPTION_CONFIRMED:
        return _confirmation_requester(event), ("option_confirmed",)
    if event.kind in CREDITED_BY:
        earlier_kind, actions = CREDITED_BY[event.kind]
        for earlier in reversed(ticket.events):
            if earlier.kind == earlier_kind and earlier.id != event.id:
                return earlier.actor, actions
        return None, ()
    return event.actor, actions_for(event)


def summarise(action: str, event_body: str, ticket: Ticket | None) -> str:
    """A plain-words summary: what was done, then the words used (shortened)."""
    mapping = catalogue().actions.get(action)
    what = mapping.label if mapping else action.replace("_", " ").capitalize()
    # A ticket being raised has no id (so no reference) until its commit.
    where = f" on {ticket.reference}" if ticket is not None and ticket.id is not None else ""
    said = " ".join((event_body or "").split())
    if len(said) > 240:
        said = said[:237].rstrip() + "…"
    return f"{what}{where}" + (f": “{said}”" if said else ".")


def _add(
    learner: User,
    profile: LearnerProfile,
    actions: Iterable[str],
    *,
    body: str,
    ticket: Ticket | None,
    ticket_event: TicketEvent | None = None,
    problem_event: ProblemEvent | None = None,
    simulated: bool = False,
) -> list[EvidenceRecord]:
    cat = catalogue()
    records = []
    for action in actions:
        mapping = cat.actions.get(action)
        if mapping is None:
            continue
        fw = profile.framework
        codes = [EvidenceCode(code=c, kind=CodeKind.PC) for c in mapping.codes.get(fw, ())]
        codes += [
            EvidenceCode(code=c, kind=CodeKind.KNOWLEDGE) for c in mapping.inferred.get(fw, ())
        ]
        codes += [EvidenceCode(code=c, kind=CodeKind.SCOPE) for c in mapping.scope.get(fw, ())]
        if not codes:
            continue
        record = EvidenceRecord(
            learner=learner,
            framework=fw,
            action=action,
            method="WP",
            ticket=ticket,
            ticket_event=ticket_event,
            problem_event=problem_event,
            summary=summarise(action, body, ticket),
            is_simulated=simulated,
            codes=codes,
        )
        source = ticket_event or problem_event
        if source is not None and source.created_at is not None:
            record.occurred_at = source.created_at
        db.session.add(record)
        records.append(record)
    return records


def capture_ticket_event(event: TicketEvent) -> list[EvidenceRecord]:
    """Evidence for a ticket event, if it credits someone in learner mode."""
    ticket = event.ticket
    learner, actions = _credited(event, ticket)
    profile = learner_profile(learner)
    if profile is None or learner is None or not actions:
        return []
    return _add(
        learner,
        profile,
        actions,
        body=event.body,
        ticket=ticket,
        ticket_event=event,
        simulated=ticket.is_simulated,
    )


def capture_problem_event(
    event: ProblemEvent, ticket: Ticket | None = None
) -> list[EvidenceRecord]:
    """Evidence for a problem record's event (comparing, choosing, approval, going live)."""
    actions = PROBLEM_ACTIONS.get(event.kind, ())
    credited = event.actor
    if event.kind == ProblemEventKind.SOLUTION_APPROVED:
        # The approval is obtained by whoever asked for it, not by the decision maker.
        approval = db.session.get(ProblemApproval, (event.data or {}).get("approval_id"))
        credited = db.session.get(User, approval.requested_by_id) if approval is not None else None
    profile = learner_profile(credited)
    if profile is None or credited is None or not actions:
        return []
    return _add(credited, profile, actions, body=event.body, ticket=ticket, problem_event=event)
