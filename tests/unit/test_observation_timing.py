"""An observation is recorded as it happens or within a stated number of days (an admin
setting whose changes are audited); later, it is refused with the message by the date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.domain import AuditAction
from helpdesk.evidence.assessment import AssessmentError, record_observation
from helpdesk.extensions import db
from helpdesk.models import AuditEntry
from helpdesk.models.types import utcnow
from helpdesk.settings import get_int, set_int
from tests import factories
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket


def test_an_observation_too_long_after_the_work_is_refused_until_the_setting_allows(
    app, assessor, customer
) -> None:
    learner = make_learner("A", assessors=(assessor,))
    ticket = acknowledged_ticket(learner, customer)
    assert get_int("observation_record_days") == 7

    def record(days_ago: int):
        return record_observation(
            assessor,
            learner,
            observed_on=(utcnow() - timedelta(days=days_ago)).date(),
            place="Phone line",
            activity="Took a call",
            tickets=[ticket],
            codes=["1.1"],
            judgement="met",
        )

    with pytest.raises(AssessmentError) as refused:
        record(10)
    assert refused.value.field == "observed_on" and refused.value.status == 422
    assert "within 7 days" in refused.value.message
    db.session.rollback()
    assert record(7).id is not None

    admin = factories.make_user("admin", email="ad@example.com")
    set_int("observation_record_days", 14, admin)
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == AuditAction.SETTING_CHANGED)
    ).all()
    assert entry.actor_id == admin.id
    assert entry.details == {"key": "observation_record_days", "old": 7, "new": 14}
    assert record(10).id is not None
