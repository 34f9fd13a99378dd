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


class TicketEventKind(StrEnum):
    """What a ticket timeline row records; stored in ticket_events.kind."""

    CREATED = "created"
    ACKNOWLEDGED = "acknowledged"
    REPLY = "reply"
    CUSTOMER_MESSAGE = "customer_message"
    NOTE = "note"
    QUESTION = "question"
    ASSIGNED = "assigned"
    CLASSIFIED = "classified"
    STATUS_CHANGED = "status_changed"
    OPTION_ADDED = "option_added"
    OPTION_EDITED = "option_edited"
    OPTION_RECOMMENDED = "option_recommended"
    CONFIRMATION_REQUESTED = "confirmation_requested"
    OPTION_CONFIRMED = "option_confirmed"
    OPTION_CHALLENGED = "option_challenged"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_GRANTED = "approval_granted"
    APPROVAL_REFUSED = "approval_refused"
    OPTIONS_OFFERED = "options_offered"
    OPTION_AGREED = "option_agreed"
    OPTION_DECLINED = "option_declined"
    OPTION_IMPLEMENTED = "option_implemented"
    PROMISE_MADE = "promise_made"
    PROMISE_KEPT = "promise_kept"
    PROMISE_BROKEN = "promise_broken"
    ROUTE_OFFERED = "route_offered"
    ESCALATED = "escalated"
    RESOLUTION_CHECK = "resolution_check"
    CUSTOMER_CONFIRMED = "customer_confirmed"
    CUSTOMER_REOPENED = "customer_reopened"
    CLOSED_UNRESOLVED = "closed_unresolved"
    NO_RESPONSE = "no_response"
    PROACTIVE_STEP = "proactive_step"
    PROACTIVE_INFORMED = "proactive_informed"
    FEEDBACK_SHARED = "feedback_shared"
    LINKED_TO_PROBLEM = "linked_to_problem"


class UpdateKind(StrEnum):
    """Whether a staff update answers the customer or was volunteered (event data)."""

    ANSWER = "answer"
    VOLUNTEERED = "volunteered"


class ProblemEventKind(StrEnum):
    """What a problem record's history row records; stored in problem_events.kind."""

    CREATED = "created"
    TICKETS_LINKED = "tickets_linked"
    AUTHORITY_ALERTED = "authority_alerted"
    ROOT_CAUSE = "root_cause"
    SOLUTION_ADDED = "solution_added"
    SOLUTION_CHOSEN = "solution_chosen"
    APPROVAL_REQUESTED = "approval_requested"
    SOLUTION_APPROVED = "solution_approved"
    SOLUTION_REFUSED = "solution_refused"
    ACTION = "action"
    SOLUTION_LIVE = "solution_live"
    CLOSED = "closed"


class ListFilter(StrEnum):
    """The status filter of the ticket queue and the problem list."""

    OPEN = "open"
    CLOSED = "closed"
    ANY = "any"
    ALL = "all"


class ClockState(StrEnum):
    """Where an SLA clock stands (worked out, never stored)."""

    RUNNING = "running"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    MET = "met"
    MISSED = "missed"
    PAUSED = "paused"


class EvidenceStatus(StrEnum):
    """An evidence record's assessment: pending → accepted | rejected."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class CodeKind(StrEnum):
    """What an evidence record's criterion is: a PC, knowledge (supporting only) or scope."""

    PC = "pc"
    KNOWLEDGE = "knowledge"
    SCOPE = "scope"


class KnowledgeOutcome(StrEnum):
    """A knowledge record's marking: a written answer waits as pending."""

    PENDING = "pending"
    MET = "met"
    NOT_MET = "not_met"


class Judgement(StrEnum):
    """An assessor's judgement of the PCs seen in an observation."""

    MET = "met"
    NOT_MET = "not_met"


class SampleVerdict(StrEnum):
    """The IQA's verdict on a sampled sign-off item."""

    AGREE = "agree"
    DISAGREE = "disagree"


class SearchKind(StrEnum):
    """A group of staff search results (and the ``kind`` that lists one group at length)."""

    TICKETS = "tickets"
    PROBLEMS = "problems"
    POSTS = "posts"


class ReactionKind(StrEnum):
    """A reaction to a feed post."""

    SEEN = "seen"
    SAME_HERE = "same_here"
    IMPORTANT = "important"


class NotificationKind(StrEnum):
    """Why a notice or an email was sent; stored in notifications.kind and outbox.kind."""

    # To staff, in the app (and some by email)
    CUSTOMER_MESSAGE = "customer_message"
    CONFIRMATION_REQUESTED = "confirmation_requested"
    CONFIRMATION_DECIDED = "confirmation_decided"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_DECIDED = "approval_decided"
    OPTION_AGREED = "option_agreed"
    OPTION_DECLINED = "option_declined"
    PROMISE_ASSIGNED = "promise_assigned"
    PROMISE_OVERDUE = "promise_overdue"
    ESCALATED = "escalated"
    REOPENED = "reopened"
    SLA_BREACH = "sla_breach"
    PROACTIVE_INFORMED = "proactive_informed"
    REPEAT_ALERT = "repeat_alert"
    PROBLEM_APPROVAL_REQUESTED = "problem_approval_requested"
    PROBLEM_APPROVAL_DECIDED = "problem_approval_decided"
    EVIDENCE_DECIDED = "evidence_decided"
    KNOWLEDGE = "knowledge"
    OBSERVATION = "observation"
    SIGNED_OFF = "signed_off"
    # To the customer, by email
    UPDATE = "update"
    QUESTION_ASKED = "question_asked"
    ROUTE_OFFERED = "route_offered"
    OPTIONS_OFFERED = "options_offered"
    OPTION_IMPLEMENTED = "option_implemented"
    PROMISE_MADE = "promise_made"
    PROMISE_KEPT = "promise_kept"
    PROMISE_BROKEN = "promise_broken"
    RESOLUTION_CHECK = "resolution_check"
    CLOSED_UNRESOLVED = "closed_unresolved"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind of email, not a secret)


class AuditAction(StrEnum):
    """A security-relevant action the audit log records; stored in audit_log.action."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    ROLES_CHANGED = "roles_changed"
    LIMIT_CHANGED = "limit_changed"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    APPROVAL_DECIDED = "approval_decided"
    PROBLEM_APPROVAL_DECIDED = "problem_approval_decided"
    DATA_EXPORTED = "data_exported"
    ACCOUNT_ERASED = "account_erased"
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_DISABLED = "two_factor_disabled"
    TWO_FACTOR_RESET = "two_factor_reset"
    TWO_FACTOR_POLICY_CHANGED = "two_factor_policy_changed"
    UNDECLARED_FIELDS = "undeclared_fields"
    FRAMEWORK_RULE_CHANGED = "framework_rule_changed"
    LEARNER_RULES_MOVED = "learner_rules_moved"
    TICKET_TRAINING_FLAGGED = "ticket_training_flagged"
    TRAINING_ACCOUNT_CHANGED = "training_account_changed"
    SETTING_CHANGED = "setting_changed"


REMEDY_LABELS: dict[str, str] = {
    "refund": "Refund",
    "replacement": "Replacement",
    "repair": "Repair",
    "credit": "Credit or goodwill",
    "apology": "Explanation or apology",
    "process_change": "Process change",
    "other": "Other",
}


K = TicketEventKind

# How each timeline event reads after the actor's name, for staff.
EVENT_LABELS: dict[str, str] = {
    K.CREATED: "raised the ticket",
    K.ACKNOWLEDGED: "acknowledged the problem",
    K.REPLY: "sent an update",
    K.CUSTOMER_MESSAGE: "wrote",
    K.NOTE: "added a note",
    K.QUESTION: "asked a question",
    K.OPTION_ADDED: "added an option",
    K.OPTION_EDITED: "edited an option",
    K.OPTION_RECOMMENDED: "recommended an option",
    K.CONFIRMATION_REQUESTED: "asked a colleague to confirm an option",
    K.OPTION_CONFIRMED: "confirmed an option",
    K.OPTION_CHALLENGED: "challenged an option",
    K.APPROVAL_REQUESTED: "asked for approval",
    K.APPROVAL_GRANTED: "approved an option",
    K.APPROVAL_REFUSED: "refused approval",
    K.OPTIONS_OFFERED: "offered options to the customer",
    K.OPTION_AGREED: "agreed an option",
    K.OPTION_DECLINED: "declined an option",
    K.OPTION_IMPLEMENTED: "implemented the agreed option",
    K.PROMISE_MADE: "made a promise",
    K.PROMISE_KEPT: "kept a promise",
    K.PROMISE_BROKEN: "could not keep a promise",
    K.ROUTE_OFFERED: "offered another route",
    K.ESCALATED: "escalated the ticket",
    K.RESOLUTION_CHECK: "resolved it and asked the customer to confirm",
    K.CUSTOMER_CONFIRMED: "confirmed the problem is solved",
    K.CUSTOMER_REOPENED: "said the problem is not solved",
    K.CLOSED_UNRESOLVED: "closed it unresolved, with reasons",
    K.NO_RESPONSE: "closed it: no answer to the resolution check",
    K.STATUS_CHANGED: "changed the status",
    K.PROACTIVE_STEP: "recorded a step taken",
    K.PROACTIVE_INFORMED: "informed managers and colleagues",
    K.FEEDBACK_SHARED: "shared the customer's feedback with the team",
}


# What a customer reads above an event's text on their ticket page.
CUSTOMER_EVENT_HEADINGS: dict[str, str] = {
    K.QUESTION: "A question for you:",
    K.OPTIONS_OFFERED: "Ways we could solve it (see the options above):",
    K.OPTION_AGREED: "You agreed:",
    K.OPTION_DECLINED: "You declined an option:",
    K.OPTION_IMPLEMENTED: "What we have done:",
    K.PROMISE_MADE: "Our promise:",
    K.PROMISE_KEPT: "Promise kept:",
    K.PROMISE_BROKEN: "We could not keep a promise:",
    K.ROUTE_OFFERED: "Another way to solve it:",
    K.RESOLUTION_CHECK: "We think this is solved. Please confirm:",
    K.CUSTOMER_CONFIRMED: "You confirmed it is solved.",
    K.CUSTOMER_REOPENED: "You told us it is not solved:",
    K.CLOSED_UNRESOLVED: "We could not solve this. Here is why:",
    K.NO_RESPONSE: "Closed:",
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
