import pytest

from helpdesk.extensions import db
from helpdesk.models.guards import AppendOnlyError


def test_a_ticket_event_cannot_be_edited(ticket):
    event = ticket.events[0]
    event.body = "rewritten history"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.refresh(event)
    assert event.body != "rewritten history"
