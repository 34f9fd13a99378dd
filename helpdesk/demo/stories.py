"""Simulated tickets: a plan of what each ticket should look like, then its timeline.

Each ticket is first written as a script (which service is called, by whom, with what
words) and only then played, so the whole timeline's length is known before its first
event and every event can be given a past time in order (see :mod:`helpdesk.demo.clock`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app

from helpdesk.demo import content
from helpdesk.demo.clock import current_clock, demo_clock
from helpdesk.domain import CLOSED_STATUSES, Cause, Channel, Origin, Priority, Status
from helpdesk.extensions import db
from helpdesk.models import Confirmation, Option, Ticket, User
from helpdesk.models.types import utcnow
from helpdesk.tickets.options import (
    OptionData,
    add_option,
    customer_agree,
    customer_decline,
    decide_approval,
    decide_confirmation,
    implement,
    offer,
    recommend,
    request_approval,
    request_confirmation,
)
from helpdesk.tickets.proactive import record_step
from helpdesk.tickets.promises import break_promise, keep_promise, make_promise
from helpdesk.tickets.resolution import (
    ask_question,
    close_unconfirmed,
    close_unresolved,
    customer_confirm,
    resolve,
)
from helpdesk.tickets.services import (
    NewTicket,
    acknowledge,
    add_note,
    assign,
    classify,
    create_ticket,
    customer_reply,
    reply,
)
from helpdesk.unit_of_work import commit

S = Status
CUSTOMER_CHANNELS = [Channel.WEB, Channel.EMAIL, Channel.PHONE, Channel.SOCIAL, Channel.IN_PERSON]
CAUSES = list(Cause)
# Statuses that make sense without a customer to agree, confirm or be waited on.
# Offers, resolution checks and ratings all need a customer, so a proactive report can
# only be picked up, worked on or closed as unresolved.
INTERNAL_STATUSES = [S.NEW, S.ACKNOWLEDGED, S.CLOSED_UNRESOLVED]

# Roughly a helpdesk's working set: most work finished, a live queue on top.
STATUS_WEIGHTS = {
    S.NEW: 9,
    S.ACKNOWLEDGED: 9,
    S.AWAITING_CUSTOMER: 8,
    S.OPTIONS: 5,
    S.AWAITING_APPROVAL: 4,
    S.AGREED: 4,
    S.IN_PROGRESS: 8,
    S.RESOLVED: 7,
    S.CLOSED_SATISFIED: 30,
    S.CLOSED_UNRESOLVED: 7,
    S.CLOSED_NO_RESPONSE: 6,
}
CHANNEL_WEIGHTS = [45, 25, 18, 7, 5]
PRIORITY_WEIGHTS = {Priority.URGENT: 6, Priority.HIGH: 22, Priority.NORMAL: 55, Priority.LOW: 17}
# How long ago a ticket in each status was raised, in days: live work is recent, so
# that the SLA clocks show a working helpdesk with a few breaches, not a failing one.
AGE_DAYS: dict[Status, tuple[float, float]] = {
    S.ACKNOWLEDGED: (0.2, 3),
    S.AWAITING_CUSTOMER: (0.5, 6),
    S.OPTIONS: (0.5, 4),
    S.AWAITING_APPROVAL: (0.5, 4),
    S.AGREED: (1, 5),
    S.IN_PROGRESS: (1, 7),
    # Under the days after which an unconfirmed fix is closed as "no response".
    S.RESOLVED: (1, 6),
    # Resolved over a week before any still-unanswered check, so the tick closing it
    # as of its own deadline leaves the others open.
    S.CLOSED_NO_RESPONSE: (24, 60),
}
# Roughly the usual first-response targets: acknowledgements mostly land inside them.
FIRST_RESPONSE_HOURS = {
    Priority.URGENT: 0.5,
    Priority.HIGH: 2.0,
    Priority.NORMAL: 8.0,
    Priority.LOW: 24.0,
}
CLOSED_AGE_DAYS = (3.0, 60.0)
# Statuses a ticket can reach straight from acknowledged, without weighing options.
# (In progress is not one: only implementing an agreed option puts a ticket there.)
QUICK_STATUSES = {S.RESOLVED, S.CLOSED_SATISFIED, S.CLOSED_UNRESOLVED, S.CLOSED_NO_RESPONSE}
CHANNEL_PREFIX = {
    Channel.PHONE: "Phoned in: ",
    Channel.SOCIAL: "From a message on our social media page: ",
    Channel.IN_PERSON: "At the shop counter: ",
}


@dataclass
class Cast:
    """The people and categories the tickets are about."""

    demo_customer: User
    customers: list[User]
    colleagues: list[User]
    workers: list[User]  # who works tickets: agent, learner, supervisor
    supervisor: User
    admin: User
    categories: dict[str, int]


@dataclass
class Plan:
    status: Status
    origin: Origin
    channel: Channel
    priority: Priority
    cause: Cause | None  # None: not known yet
    story: content.Story | content.Report
    age: timedelta = timedelta(0)


Action = Callable[[Ticket], object]


@dataclass
class Step:
    action: Action
    weight: float = 0.0  # a share of the ticket's span, relative to the other steps
    delay: timedelta | None = None  # or a fixed time after the step before


@dataclass
class Script:
    create: Callable[[], Ticket]
    steps: list[Step] = field(default_factory=list)

    def then(self, weight: float, action: Action) -> None:
        """Add an action; ``weight`` is how long, relatively, it comes after the last one."""
        self.steps.append(Step(action, weight=weight))

    def after(self, delay: timedelta, action: Action) -> None:
        """Add an action that comes ``delay`` after the last one, as targets require."""
        self.steps.append(Step(action, delay=delay))


def plan_tickets(count: int, rng: random.Random) -> list[Plan]:
    """Plans for ``count`` tickets, oldest first.

    The first twelve plans cover every status, channel, origin, cause and priority, so
    even a small demo shows them all; the rest are drawn at random.
    """
    plans = _coverage(rng)[:count]
    plans += [_random_plan(rng) for _ in range(count - len(plans))]
    for plan in plans:
        if plan.status == S.NEW:
            # Mostly inside the first-response target, a few already past it.
            hours = FIRST_RESPONSE_HOURS[plan.priority] * rng.uniform(0.1, 1.25)
            plan.age = timedelta(hours=hours)
        else:
            low, high = AGE_DAYS.get(plan.status, CLOSED_AGE_DAYS)
            plan.age = timedelta(days=rng.uniform(low, high))
    # Ids then rise with the time each ticket was raised, as in a live system.
    plans.sort(key=lambda p: p.age, reverse=True)
    return plans


def _coverage(rng: random.Random) -> list[Plan]:
    """One ticket per status, cycling channels, priorities and causes, plus a proactive one."""
    priorities = list(Priority)
    plans = []
    for i, status in enumerate(Status):
        known = status not in (S.NEW, S.ACKNOWLEDGED)
        plans.append(
            Plan(
                status=status,
                origin=Origin.CUSTOMER,
                channel=CUSTOMER_CHANNELS[i % len(CUSTOMER_CHANNELS)],
                priority=priorities[i % len(priorities)],
                cause=CAUSES[i % len(CAUSES)] if known else None,
                story=rng.choice(content.CUSTOMER_STORIES),
            )
        )
    plans.append(
        Plan(
            status=S.ACKNOWLEDGED,
            origin=Origin.INTERNAL,
            channel=Channel.INTERNAL,
            priority=Priority.HIGH,
            cause=Cause.SYSTEM,
            story=rng.choice(content.PROACTIVE_REPORTS),
        )
    )
    return plans


def _random_plan(rng: random.Random) -> Plan:
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    priority = rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0]
    if rng.random() < 0.1:
        report = rng.choice(content.PROACTIVE_REPORTS)
        if status not in INTERNAL_STATUSES:
            status = rng.choice(INTERNAL_STATUSES)
        cause = None if status == S.NEW else report.cause
        return Plan(status, Origin.INTERNAL, Channel.INTERNAL, priority, cause, report)
    colleague = rng.random() < 0.12
    story = rng.choice(content.COLLEAGUE_STORIES if colleague else content.CUSTOMER_STORIES)
    channel = rng.choices(CUSTOMER_CHANNELS, weights=CHANNEL_WEIGHTS)[0]
    if colleague and channel == Channel.SOCIAL:
        channel = Channel.EMAIL  # colleagues do not message the public page
    if status == S.NEW:
        cause = None
    elif status in (S.ACKNOWLEDGED, S.AWAITING_CUSTOMER) and rng.random() < 0.5:
        cause = None
    else:
        cause = story.cause if rng.random() < 0.8 else rng.choice(CAUSES)
    return Plan(status, Origin.CUSTOMER, channel, priority, cause, story)


def build_ticket(plan: Plan, cast: Cast, rng: random.Random, now: datetime) -> Ticket:
    """Create one simulated ticket through the services, its events dated in the past."""
    writer = _Writer(plan, cast, rng)
    if isinstance(plan.story, content.Story):
        script = writer.customer(plan.story)
    else:
        script = writer.internal(plan.story)
    start = now - plan.age
    times = _step_times(script, start, _span(plan, rng), rng)
    with demo_clock() as clock:
        clock.set(start)
        ticket = script.create()
        for step, at in zip(script.steps, times, strict=True):
            clock.set(at)
            step.action(ticket)
        clock.backdate(ticket)
        commit()
    return ticket


def _span(plan: Plan, rng: random.Random) -> timedelta:
    """How long after it was raised the ticket's last event came."""
    if plan.status in CLOSED_STATUSES:
        return min(plan.age * rng.uniform(0.4, 0.95), timedelta(days=rng.uniform(1.5, 16)))
    # Open work was touched lately; a ticket waiting on its customer may sit longer.
    idle_hours = rng.uniform(2, 72) if plan.status == S.AWAITING_CUSTOMER else rng.uniform(0.5, 20)
    return max(plan.age - timedelta(hours=idle_hours), plan.age * rng.uniform(0.3, 0.6))


def _step_times(
    script: Script, start: datetime, span: timedelta, rng: random.Random
) -> list[datetime]:
    fixed = sum((s.delay for s in script.steps if s.delay is not None), timedelta(0))
    # Fixed delays never crowd out the rest of the story: squeeze them if they would.
    squeeze = min(1.0, (span * 0.6) / fixed) if fixed else 1.0
    rest = span - fixed * squeeze
    shares = [s.weight * rng.uniform(0.6, 1.4) if s.delay is None else 0.0 for s in script.steps]
    total = sum(shares) or 1.0
    times, at = [], start
    for step, share in zip(script.steps, shares, strict=True):
        at += step.delay * squeeze if step.delay is not None else rest * (share / total)
        times.append(at)
    return times


@dataclass
class _Words:
    """A story's text filled in for one ticket: its product, order, amount and customer."""

    customer: User
    fill: dict[str, str]

    def say(self, text: str) -> str:
        return text.format(**self.fill)

    def tell(self, text: str) -> str:
        """A message to the customer, greeting them by their first name."""
        return f"Hi {self.customer.first_name},\n\n{self.say(text)}"


class _Writer:
    """Writes the script for one plan: who does what, in the words of its story."""

    def __init__(self, plan: Plan, cast: Cast, rng: random.Random) -> None:
        self.plan = plan
        self.cast = cast
        self.rng = rng
        # Most work lands on the agent, then the learner; the supervisor takes some.
        self.owner = rng.choices(cast.workers, weights=[45, 30, 25][: len(cast.workers)])[0]
        self.approver = cast.supervisor if self.owner is not cast.supervisor else cast.admin
        # The options weighed for a customer's ticket; None when it was fixed the quick way.
        self._board: list[Option] | None = None

    def _fill(self, story: content.Story, customer: User) -> dict[str, str]:
        rng = self.rng
        return {
            "product": rng.choice(story.products),
            "order": f"NW-{rng.randint(100_000, 999_999)}",
            "days": str(rng.randint(3, 12)),
            "amount": f"{rng.randint(25, 240)}.{rng.choice(['00', '49', '99'])}",
            "name": customer.first_name,
        }

    def _keep_informed(self, script: Script, customer: User) -> None:
        """Open work often ends with an update sent unasked, as the update gap requires."""
        if self.rng.random() < 0.7:
            update = f"Hi {customer.first_name},\n\n{self.rng.choice(content.UPDATES)}"
            script.then(0.6, lambda t: reply(t, self.owner, update))

    def customer(self, story: content.Story) -> Script:
        """A customer's ticket, taken as far through its life as the plan's status."""
        customer = self._who_raises(story)
        words = _Words(customer, self._fill(story, customer))
        script = self._raise(story, customer, words)
        stages = (self._waiting, self._pick_up, self._talk, self._settle, self._offer)
        for stage in stages:
            if stage(script, story, customer, words):
                return script
        self._resolve(script, words.tell(story.resolved), customer)
        return script

    def _who_raises(self, story: content.Story) -> User:
        """A colleague for an internal system, else mostly one of the made-up customers."""
        if story.category == content.INTERNAL:
            return self.rng.choice(self.cast.colleagues)
        if self.rng.random() < 0.2:
            return self.cast.demo_customer
        return self.rng.choice(self.cast.customers)

    def _raise(self, story: content.Story, customer: User, words: _Words) -> Script:
        """The customer raises it on the web; staff type in what came by other channels."""
        plan, rng, owner = self.plan, self.rng, self.owner
        web = plan.channel == Channel.WEB
        # Web customers sometimes skip the category and leave the priority as it came.
        new_ticket = NewTicket(
            subject=words.say(rng.choice(story.subjects)),
            description=CHANNEL_PREFIX.get(plan.channel, "") + words.say(story.description),
            category_id=None
            if web and rng.random() < 0.15
            else self.cast.categories[story.category],
            order_ref=words.fill["order"] if story.has_order else None,
            channel=plan.channel,
            origin=plan.origin,
            priority=Priority.NORMAL if web and plan.status != S.NEW else plan.priority,
            is_simulated=True,
        )
        creator = customer if web else rng.choice([owner, *self.cast.workers])
        return Script(lambda: create_ticket(new_ticket, customer=customer, created_by=creator)[0])

    def _waiting(
        self, script: Script, _story: content.Story, customer: User, _words: _Words
    ) -> bool:
        """A new ticket: nobody has answered yet; the customer may have chased it."""
        if self.plan.status != S.NEW:
            return False
        rng, then = self.rng, script.then
        if self.plan.channel == Channel.WEB and rng.random() < 0.3:
            chaser = rng.choice(content.CUSTOMER_CHASERS)
            then(1.0, lambda t: customer_reply(t, customer, chaser))
        if rng.random() < 0.3:
            then(0.5, lambda t: assign(t, self.cast.supervisor, self.owner))
        return True

    def _pick_up(
        self, script: Script, story: content.Story, _customer: User, words: _Words
    ) -> bool:
        """Acknowledged within the first-response target, mostly, then classified."""
        plan, rng, owner, supervisor = self.plan, self.rng, self.owner, self.cast.supervisor
        first = timedelta(hours=FIRST_RESPONSE_HOURS[plan.priority] * rng.uniform(0.1, 1.15))
        if owner is not supervisor and rng.random() < 0.3:
            script.after(first * 0.4, lambda t: assign(t, supervisor, owner))
            first *= 0.6
        script.after(
            first,
            lambda t: acknowledge(
                t,
                owner,
                need=words.say(story.need),
                impact=words.say(story.impact),
                feeling=words.say(story.feeling),
            ),
        )
        category_id = self.cast.categories[story.category]
        script.then(
            0.05,
            lambda t: classify(
                t,
                owner,
                priority=plan.priority,
                category_id=category_id,
                channel=plan.channel,
                origin=plan.origin,
                cause=plan.cause,
            ),
        )
        return False

    def _talk(self, script: Script, story: content.Story, customer: User, words: _Words) -> bool:
        """A question (the plan may stop there, waiting on the customer), maybe a note."""
        status, rng, owner, then = self.plan.status, self.rng, self.owner, script.then
        if status == S.AWAITING_CUSTOMER or rng.random() < 0.4:
            then(0.4, lambda t: ask_question(t, owner, words.tell(story.question)))
            if status == S.AWAITING_CUSTOMER:
                return True
            then(1.0, lambda t: customer_reply(t, customer, words.say(story.answer)))
        if rng.random() < 0.25:
            note = rng.choice(content.STAFF_NOTES)
            then(0.3, lambda t: add_note(t, owner, note))
        if status != S.ACKNOWLEDGED:
            return False
        self._keep_informed(script, customer)
        if rng.random() < 0.2:
            # Owner away: back to the unassigned queue.
            then(0.5, lambda t: assign(t, self.cast.supervisor, None))
        return True

    def _settle(self, script: Script, story: content.Story, customer: User, words: _Words) -> bool:
        """Simple problems skip weighing options: fix it, or say why it cannot be fixed."""
        status = self.plan.status
        if status in QUICK_STATUSES and self.rng.random() < 0.3:
            self._board = None
            if status == S.CLOSED_UNRESOLVED:
                why = words.say(story.unresolved)
                script.then(1.0, lambda t: self._close_unresolved(t, "outside_control", why))
                return True
            return False
        return self._weigh_options(script, story, customer, words)

    def _weigh_options(
        self, script: Script, story: content.Story, customer: User, words: _Words
    ) -> bool:
        """Two options on the board, the best recommended, approved when it must be."""
        status, owner, then = self.plan.status, self.owner, script.then
        board: list[Option] = []
        self._board = board
        # An exception to policy always needs someone else's yes; a cost only when it
        # is over the owner's limit, and the supervisor's covers most.
        over_limit = owner is not self.cast.supervisor and self.rng.random() < 0.25
        asking = status == S.AWAITING_APPROVAL or story.exception or over_limit
        best = self._best_option(words.say(story.options), story.exception, asking)
        fallback = _fallback_option()
        then(0.4, lambda t: board.append(add_option(t, owner, best)))
        then(0.1, lambda t: board.append(add_option(t, owner, fallback)))
        if self.rng.random() < 0.35:
            self._colleague_check(script, board)
        then(0.05, lambda t: recommend(board[0], owner))
        if status == S.OPTIONS:
            self._keep_informed(script, customer)
            return True
        if not asking:
            return False
        then(0.2, lambda t: request_approval(board[0], owner))
        if status == S.AWAITING_APPROVAL:
            self._keep_informed(script, customer)
            return True
        approved = "Approved: fair for what the customer went through."
        then(
            0.6,
            lambda t: decide_approval(
                board[0].current_approval,  # type: ignore[arg-type]
                self.approver,
                approve=True,
                reason=approved,
            ),
        )
        return False

    def _colleague_check(self, script: Script, board: list[Option]) -> None:
        """Another pair of eyes on the best option before it is recommended."""
        rng, owner, then = self.rng, self.owner, script.then
        colleague = rng.choice([w for w in self.cast.workers if w is not owner])
        asked: list[Confirmation] = []
        then(0.15, lambda t: asked.append(request_confirmation(board[0], owner, colleague)))
        if self.plan.status == S.OPTIONS and rng.random() < 0.5:
            return  # the colleague has not answered yet
        confirm = rng.random() < 0.8
        if confirm:
            comment = rng.choice(content.COLLEAGUE_CONFIRMS)
        else:
            comment = rng.choice(content.COLLEAGUE_CHALLENGES)
        then(
            0.4,
            lambda t: decide_confirmation(asked[0], colleague, confirm=confirm, comment=comment),
        )
        if not confirm:
            then(0.2, lambda t: add_note(t, owner, content.CHALLENGE_ANSWERED))

    def _offer(self, script: Script, story: content.Story, customer: User, words: _Words) -> bool:
        """Offer the board; the customer declines both or agrees the best, which is done."""
        board = self._board
        if board is None:
            return False  # the quick way: nothing was weighed, so nothing to offer
        status, owner, then = self.plan.status, self.owner, script.then
        then(0.3, lambda t: reply(t, owner, words.tell(story.offer)))
        then(0.02, lambda t: offer(t, owner, board))
        if status == S.CLOSED_UNRESOLVED:
            declined = "Thanks, but none of those work for me."
            why = words.say(story.unresolved)
            then(1.0, lambda t: customer_decline(board[0], customer, declined))
            then(0.1, lambda t: customer_decline(board[1], customer, declined))
            then(0.8, lambda t: self._close_unresolved(t, "declined_options", why))
            return True
        then(1.0, lambda t: customer_agree(board[0], customer))
        if status == S.AGREED:
            self._keep_informed(script, customer)
            return True
        self._promise(script, customer)
        then(0.3, lambda t: implement(board[0], owner, words.say(story.fix)))
        if status == S.IN_PROGRESS:
            self._keep_informed(script, customer)
            return True
        return False

    def _best_option(self, description: str, exception: bool, asking: bool) -> OptionData:
        """The option the owner recommends: over their limit when approval is asked for."""
        limit = self.owner.authority_limit_minor
        if asking and not exception:
            cost = limit + 100 * self.rng.randint(5, 40)
        else:
            cost = min(limit, 100 * self.rng.randint(5, 40))
        return OptionData(
            description=description,
            remedy_type=self.rng.choice(["refund", "replacement", "repair", "credit"]),
            cost_minor=cost,
            duration=self.rng.choice(["Today", "1 to 2 working days", "Within a week"]),
            within_policy=not exception,
            pros_customer="Puts things right quickly, with no more effort from them.",
            cons_customer="They wait a little longer than they hoped.",
            pros_org="Keeps a customer who would otherwise leave.",
            cons_org="Costs more than the standard remedy.",
        )

    def _close_unresolved(self, ticket: Ticket, reason: str, why: str) -> None:
        close_unresolved(
            ticket,
            self.owner,
            reason=reason,
            tried="We looked at every remedy our policy allows.",
            why=why,
            next_steps="Reply here if anything changes, or use the routes we suggested.",
        )

    def _promise(self, script: Script, customer: User) -> None:
        """A promise made while working the fix: mostly kept, sometimes broken."""
        promises: list[object] = []
        wording = "Call you back with an update"
        owner = self.owner

        def make(t: Ticket) -> None:
            due = utcnow() + timedelta(days=1)
            promises.append(make_promise(t, owner, description=wording, owner=owner, due_at=due))

        if self.rng.random() < 0.6:
            return
        script.then(0.2, make)
        if self.rng.random() < 0.7:
            script.then(0.3, lambda t: keep_promise(promises[0], owner))  # type: ignore[arg-type]
        else:
            reason = "The courier had not sent their report yet; we chased them again."
            script.then(
                0.3,
                lambda t: break_promise(promises[0], owner, reason),  # type: ignore[arg-type]
            )

    def _resolve(self, script: Script, message: str, customer: User) -> None:
        rng, owner, status, then = self.rng, self.owner, self.plan.status, script.then
        then(1.5, lambda t: resolve(t, owner, message))
        if status == S.RESOLVED:
            return
        if status == S.CLOSED_NO_RESPONSE:
            then(4.0, _no_response)
            return
        if rng.random() < 0.15:
            # "Not solved" reopens the ticket; the second fix sticks.
            fixed = (
                f"Hi {customer.first_name},\n\n"
                "We have fixed what was left. Please check and confirm it is solved now."
            )
            not_fixed = rng.choice(content.NOT_FIXED)
            then(
                1.5,
                lambda t: customer_confirm(
                    t, customer, solved=False, rating=None, comment=not_fixed
                ),
            )
            then(1.0, lambda t: resolve(t, owner, fixed))
        thanks = rng.choice(content.CONFIRMATIONS)
        rating = rng.choices([5, 4, 3, 2], weights=[50, 30, 12, 8])[0]
        # A learner's customers are asked what they did well; some agree to vouch for it.
        did_well = (
            "Listened, explained what would happen next and did it." if rng.random() < 0.7 else ""
        )
        consent = bool(did_well) and rng.random() < 0.5
        then(
            1.5,
            lambda t: customer_confirm(
                t,
                customer,
                solved=True,
                rating=rating,
                comment=thanks,
                did_well=did_well,
                consent=consent,
                witness_name=customer.name if consent else "",
                witness_contact=customer.email if consent else "",
            ),
        )

    def internal(self, report: content.Report) -> Script:
        """A proactive report: staff found it, there is no customer, nothing is public."""
        plan, owner, cast = self.plan, self.owner, self.cast
        status = plan.status
        new_ticket = NewTicket(
            subject=report.subject,
            description=report.description,
            category_id=cast.categories[report.category],
            channel=Channel.INTERNAL,
            origin=Origin.INTERNAL,
            priority=plan.priority,
            is_simulated=True,
        )
        script = Script(lambda: create_ticket(new_ticket, customer=None, created_by=owner)[0])
        then = script.then
        if status == S.NEW:
            return script
        then(
            0.1,
            lambda t: classify(
                t,
                owner,
                priority=plan.priority,
                category_id=new_ticket.category_id,
                channel=Channel.INTERNAL,
                origin=Origin.INTERNAL,
                cause=plan.cause,
            ),
        )
        then(
            0.2,
            lambda t: acknowledge(
                t,
                owner,
                need="Stop this reaching customers.",
                impact="Picked up; checking how far it reaches.",
                feeling="No customer has noticed yet.",
            ),
        )
        if self.rng.random() < 0.8:
            then(0.05, lambda t: assign(t, owner, owner))
        then(0.5, lambda t: record_step(t, owner, report.steps))
        if status == S.ACKNOWLEDGED:
            return script
        supervisor = cast.supervisor
        then(
            1.5,
            lambda t: close_unresolved(
                t,
                supervisor,
                reason="outside_control",
                tried=report.steps,
                why=report.unresolved,
                next_steps="Watch for customer reports and link them to this one.",
            ),
        )
        return script


def _fallback_option() -> OptionData:
    """The standard remedy, always within anyone's authority, offered beside the best."""
    return OptionData(
        description="An apology and an explanation of what went wrong.",
        remedy_type="apology",
        cost_minor=0,
        duration="Today",
        within_policy=True,
        pros_customer="Quick.",
        cons_customer="Does not fix the problem itself.",
        pros_org="Costs nothing.",
        cons_org="The customer may still leave.",
    )


def _no_response(ticket: Ticket) -> None:
    """The daily tick closes a check nobody answered: run it as of that day."""
    days = current_app.config["CONFIRMATION_DAYS"]
    clock = current_clock()
    if clock is not None:
        # The tick compares stored times: give this ticket its demo ones first.
        clock.backdate(ticket)
        db.session.flush()
    resolved = ticket.resolved_at or utcnow()
    # Past the deadline for this ticket only: every other unanswered check is newer.
    close_unconfirmed(resolved + timedelta(days=days, seconds=1), days)
