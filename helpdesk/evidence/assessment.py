"""The assessor's services in one place (PRODUCT §4); each lives in its own module.

- decisions: ``decide``, ``decide_many``, ``redecide`` (a decided record never changes);
- observations: ``record_observation``, ``pin``, ``confirm_observation``;
- knowledge: ``record_knowledge``, ``write_answer``, ``mark_answer``;
- sign-off: ``signoff_check``, ``declare_own_work``, ``sign_off``.
"""

from __future__ import annotations

from helpdesk.evidence.decisions import (
    AssessmentError,
    decide,
    decide_many,
    initials,
    newest_in_chain,
    redecide,
)
from helpdesk.evidence.knowledge import mark_answer, record_knowledge, write_answer
from helpdesk.evidence.observations import confirm_observation, pin, record_observation
from helpdesk.evidence.signoff import SignOffRefused, declare_own_work, sign_off, signoff_check

__all__ = [
    "AssessmentError",
    "SignOffRefused",
    "confirm_observation",
    "decide",
    "decide_many",
    "declare_own_work",
    "initials",
    "mark_answer",
    "newest_in_chain",
    "pin",
    "record_knowledge",
    "record_observation",
    "redecide",
    "sign_off",
    "signoff_check",
    "write_answer",
]
