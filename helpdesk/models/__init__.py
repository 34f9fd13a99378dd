"""All models, importable from one place (Alembic's autogenerate needs them loaded)."""

from helpdesk.models import guards  # noqa: E402,F401  (append-only listeners)
from helpdesk.models.assessment import (
    IqaSample,
    IqaSampleItem,
    KnowledgeRecord,
    Observation,
    ObservationPin,
    SignOff,
)
from helpdesk.models.audit import AuditEntry
from helpdesk.models.evidence import (
    EvidenceCode,
    EvidenceRecord,
    FrameworkRule,
    FrameworkRuleVersion,
    LearnerProfile,
    ReflectiveAccount,
    WitnessTestimony,
)
from helpdesk.models.notification import Notification, OutboxMessage
from helpdesk.models.problem import (
    CandidateSolution,
    FeedPost,
    FeedReaction,
    ProblemApproval,
    ProblemEvent,
    ProblemLink,
    ProblemRecord,
    Setting,
)
from helpdesk.models.resolution import (
    Approval,
    Confirmation,
    Option,
    Promise,
    SatisfactionResponse,
    SlaAlert,
    SlaPolicy,
)
from helpdesk.models.selfservice import Deflection, Route
from helpdesk.models.ticket import Attachment, Category, Ticket, TicketEvent
from helpdesk.models.user import User, UserRole, UserSession

__all__ = [
    "AuditEntry",
    "IqaSample",
    "IqaSampleItem",
    "KnowledgeRecord",
    "Observation",
    "ObservationPin",
    "SignOff",
    "EvidenceCode",
    "EvidenceRecord",
    "FrameworkRule",
    "FrameworkRuleVersion",
    "LearnerProfile",
    "ReflectiveAccount",
    "WitnessTestimony",
    "CandidateSolution",
    "FeedPost",
    "FeedReaction",
    "ProblemApproval",
    "ProblemEvent",
    "ProblemLink",
    "ProblemRecord",
    "Setting",
    "Approval",
    "Attachment",
    "Confirmation",
    "Notification",
    "Option",
    "OutboxMessage",
    "Promise",
    "SatisfactionResponse",
    "SlaAlert",
    "SlaPolicy",
    "Category",
    "Deflection",
    "Route",
    "Ticket",
    "TicketEvent",
    "User",
    "UserRole",
    "UserSession",
]
