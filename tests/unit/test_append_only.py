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


def test_attaching_a_file_to_a_saved_event_is_not_an_edit(ticket, customer, tmp_path):
    from helpdesk.models import Attachment

    event = ticket.events[0]
    db.session.add(
        Attachment(
            ticket=ticket,
            event=event,
            uploader_id=customer.id,
            filename="note.txt",
            stored_name="abc123",
            content_type="text/plain",
            size=3,
        )
    )
    db.session.commit()
    assert [a.filename for a in event.attachments] == ["note.txt"]
