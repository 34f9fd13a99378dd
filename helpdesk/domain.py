"""The helpdesk's vocabularies, kept as plain data with the words people see."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    LEARNER = "learner"
    ASSESSOR = "assessor"
    IQA = "iqa"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
# Everyone who signs in to do the organisation's work, not to be helped by it.
WORKFORCE_ROLES = frozenset(Role) - {Role.CUSTOMER}


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    AWAITING_CUSTOMER = "awaiting_customer"
    OPTIONS = "options"
    AWAITING_APPROVAL = "awaiting_approval"
    AGREED = "agreed"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED_SATISFIED = "closed_satisfied"
    CLOSED_UNRESOLVED = "closed_unresolved"
    CLOSED_NO_RESPONSE = "closed_no_response"


STATUS_LABELS: dict[str, str] = {
    Status.NEW: "New",
    Status.ACKNOWLEDGED: "Acknowledged",
    Status.AWAITING_CUSTOMER: "Waiting on customer",
    Status.OPTIONS: "Weighing options",
    Status.AWAITING_APPROVAL: "Awaiting approval",
    Status.AGREED: "Option agreed",
    Status.IN_PROGRESS: "In progress",
    Status.RESOLVED: "Resolved: awaiting confirmation",
    Status.CLOSED_SATISFIED: "Closed: solved",
    Status.CLOSED_UNRESOLVED: "Closed: not solved",
    Status.CLOSED_NO_RESPONSE: "Closed: no response",
}

# What a customer reads: plain words about where their problem stands.
CUSTOMER_STATUS_LABELS: dict[str, str] = {
    Status.NEW: "Received: we will look at it soon",
    Status.ACKNOWLEDGED: "We are looking into it",
    Status.AWAITING_CUSTOMER: "We need an answer from you",
    Status.OPTIONS: "We are working out how to fix it",
    Status.AWAITING_APPROVAL: "We are working out how to fix it",
    Status.AGREED: "Fix agreed",
    Status.IN_PROGRESS: "Being fixed",
    Status.RESOLVED: "Fixed: please confirm",
    Status.CLOSED_SATISFIED: "Solved and closed",
    Status.CLOSED_UNRESOLVED: "Closed: we could not solve it",
    Status.CLOSED_NO_RESPONSE: "Closed: no reply from you",
}

CLOSED_STATUSES = frozenset(
    {Status.CLOSED_SATISFIED, Status.CLOSED_UNRESOLVED, Status.CLOSED_NO_RESPONSE}
)
OPEN_STATUSES = frozenset(Status) - CLOSED_STATUSES


class Priority(IntEnum):
    """Lower numbers sort first, so the queue's priority order uses a plain index."""

    URGENT = 1
    HIGH = 2
    NORMAL = 3
    LOW = 4


PRIORITY_LABELS: dict[int, str] = {
    Priority.URGENT: "Urgent",
    Priority.HIGH: "High",
    Priority.NORMAL: "Normal",
    Priority.LOW: "Low",
}


class Channel(StrEnum):
    WEB = "web"
    EMAIL = "email"
    PHONE = "phone"
    SOCIAL = "social"
    IN_PERSON = "in_person"
    INTERNAL = "internal"


CHANNEL_LABELS: dict[str, str] = {
    Channel.WEB: "Web",
    Channel.EMAIL: "Email",
    Channel.PHONE: "Phone",
    Channel.SOCIAL: "Social media",
    Channel.IN_PERSON: "In person",
    Channel.INTERNAL: "Internal",
}


class Origin(StrEnum):
    CUSTOMER = "customer"
    INTERNAL = "internal"


ORIGIN_LABELS: dict[str, str] = {
    Origin.CUSTOMER: "Raised by the customer",
    Origin.INTERNAL: "Identified internally (proactive)",
}


class Cause(StrEnum):
    EXPECTATIONS = "expectations"
    SYSTEM = "system"
    RESOURCES = "resources"
    OTHER = "other"


CAUSE_LABELS: dict[str, str] = {
    Cause.EXPECTATIONS: "Expectations differ from what we can offer",
    Cause.SYSTEM: "System or procedure failure",
    Cause.RESOURCES: "Lack of resources or human error",
    Cause.OTHER: "Other",
}


class RouteKind(StrEnum):
    ARTICLE = "article"
    CHANNEL = "channel"
    SPECIALIST = "specialist"
    OUTSIDE_BODY = "outside_body"


ROUTE_KIND_LABELS: dict[str, str] = {
    RouteKind.ARTICLE: "Help article",
    RouteKind.CHANNEL: "Another way to reach us",
    RouteKind.SPECIALIST: "Specialist team",
    RouteKind.OUTSIDE_BODY: "Outside body",
}


class OptionState(StrEnum):
    DRAFT = "draft"
    OFFERED = "offered"
    AGREED = "agreed"
    IMPLEMENTED = "implemented"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    VOID = "void"


class ConfirmationState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CHALLENGED = "challenged"


class PromiseState(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


class ProblemStatus(StrEnum):
    OPEN = "open"
    SOLUTION_CHOSEN = "solution_chosen"
    APPROVED = "approved"
    LIVE = "live"
    CLOSED = "closed"


REMEDY_LABELS: dict[str, str] = {
    "refund": "Refund",
    "replacement": "Replacement",
    "repair": "Repair",
    "credit": "Credit or goodwill",
    "apology": "Explanation or apology",
    "process_change": "Process change",
    "other": "Other",
}


# How each timeline event reads after the actor's name, for staff.
EVENT_LABELS: dict[str, str] = {
    "created": "raised the ticket",
    "acknowledged": "acknowledged the problem",
    "reply": "sent an update",
    "customer_message": "wrote",
    "note": "added a note",
    "question": "asked a question",
    "option_added": "added an option",
    "option_edited": "edited an option",
    "option_recommended": "recommended an option",
    "confirmation_requested": "asked a colleague to confirm an option",
    "option_confirmed": "confirmed an option",
    "option_challenged": "challenged an option",
    "approval_requested": "asked for approval",
    "approval_granted": "approved an option",
    "approval_refused": "refused approval",
    "options_offered": "offered options to the customer",
    "option_agreed": "agreed an option",
    "option_declined": "declined an option",
    "option_implemented": "implemented the agreed option",
    "promise_made": "made a promise",
    "promise_kept": "kept a promise",
    "promise_broken": "could not keep a promise",
    "route_offered": "offered another route",
    "escalated": "escalated the ticket",
    "resolution_check": "resolved it and asked the customer to confirm",
    "customer_confirmed": "confirmed the problem is solved",
    "customer_reopened": "said the problem is not solved",
    "closed_unresolved": "closed it unresolved, with reasons",
    "no_response": "closed it: no answer to the resolution check",
    "status_changed": "changed the status",
    "proactive_step": "recorded a step taken",
    "proactive_informed": "informed managers and colleagues",
    "feedback_shared": "shared the customer's feedback with the team",
}


# What a customer reads above an event's text on their ticket page.
CUSTOMER_EVENT_HEADINGS: dict[str, str] = {
    "question": "A question for you:",
    "options_offered": "Ways we could solve it (see the options above):",
    "option_agreed": "You agreed:",
    "option_declined": "You declined an option:",
    "option_implemented": "What we have done:",
    "promise_made": "Our promise:",
    "promise_kept": "Promise kept:",
    "promise_broken": "We could not keep a promise:",
    "route_offered": "Another way to solve it:",
    "resolution_check": "We think this is solved. Please confirm:",
    "customer_confirmed": "You confirmed it is solved.",
    "customer_reopened": "You told us it is not solved:",
    "closed_unresolved": "We could not solve this. Here is why:",
    "no_response": "Closed:",
}


def choices(labels: dict) -> dict[str, str]:
    """Turn a label map into WTForms choices (its value -> label shorthand)."""
    return {str(k): v for k, v in labels.items()}


class TrainingKind(StrEnum):
    """Why staff flagged a ticket as practice: its evidence is shown apart, never counted."""

    TRAINING = "training"
    ROLE_PLAY = "role_play"

    @property
    def label(self) -> str:
        return {"training": "Training", "role_play": "Role play"}[self.value]
