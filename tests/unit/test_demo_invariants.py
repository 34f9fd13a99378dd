"""Every demo ticket's status is one the services could have produced: its rows agree."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select

from helpdesk.domain import Status
from helpdesk.extensions import db
from helpdesk.models import Approval, Option, Promise, SatisfactionResponse, Ticket, TicketEvent
from helpdesk.models.evidence import WitnessTestimony
from tests.demo_data import demo  # noqa: F401 - the fixture: one demo load, copied per test

S = Status
T = TypeVar("T")
# Statuses a customer ticket reaches only by weighing options on its board.
VIA_OPTIONS = {S.OPTIONS, S.AWAITING_APPROVAL, S.AGREED, S.IN_PROGRESS}
AGREED_OR_LATER = {S.AGREED, S.IN_PROGRESS}


def _by_ticket(rows: list[T], key: str) -> dict[int, list[T]]:
    grouped: dict[int, list[T]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


# Every test here reads the default demo (loaded once per session, copied per test).
pytestmark = pytest.mark.usefixtures("demo")


def test_every_demo_status_is_backed_by_the_rows_its_rules_need(app):
    events = _by_ticket(list(db.session.scalars(select(TicketEvent))), "ticket_id")
    options = _by_ticket(list(db.session.scalars(select(Option))), "ticket_id")
    promises = _by_ticket(list(db.session.scalars(select(Promise))), "ticket_id")
    answers = _by_ticket(list(db.session.scalars(select(SatisfactionResponse))), "ticket_id")
    approvals: dict[int, list[Approval]] = defaultdict(list)
    for approval in db.session.scalars(select(Approval)):
        approvals[approval.option.ticket_id].append(approval)

    for ticket in db.session.scalars(select(Ticket)):
        ref, status = ticket.reference, Status(ticket.status)
        kinds = [e.kind for e in events[ticket.id]]
        board = options[ticket.id]
        states = {o.state for o in board}
        if status != S.NEW:
            assert "acknowledged" in kinds and ticket.acknowledged_at is not None, ref
        if status in VIA_OPTIONS:
            assert board, ref
            assert any(o.has_both_sides for o in board), ref
        if status == S.AWAITING_APPROVAL:
            assert any(a.state == "pending" for a in approvals[ticket.id]), ref
            assert "approval_requested" in kinds, ref
        else:
            assert not any(a.state == "pending" for a in approvals[ticket.id]), ref
        if status in AGREED_OR_LATER:
            assert "agreed" in states or "implemented" in states, ref
            assert "option_agreed" in kinds, ref
        if status == S.IN_PROGRESS:
            assert "implemented" in states and "option_implemented" in kinds, ref
        for option in board:
            if option.state in ("offered", "agreed", "implemented", "declined", "withdrawn"):
                assert "options_offered" in kinds and option.offered_at is not None, ref
            if option.state not in ("draft", "offered"):
                assert option.decided_at is not None or option.state == "withdrawn", ref
            if option.state in ("offered", "agreed", "implemented") and not option.within_policy:
                # No one offers an exception to policy without someone else's yes.
                assert any(a.state == "approved" for a in option.approvals), ref
        if status in (S.RESOLVED, S.CLOSED_SATISFIED, S.CLOSED_NO_RESPONSE):
            assert "resolution_check" in kinds and ticket.customer_id is not None, ref
        if status == S.CLOSED_SATISFIED:
            solved = [a for a in answers[ticket.id] if a.solved]
            assert len(solved) == 1 and solved[0].rating is not None, ref
            assert "customer_confirmed" in kinds, ref
        else:
            assert not any(a.solved for a in answers[ticket.id]), ref
        reopened = [a for a in answers[ticket.id] if not a.solved]
        assert kinds.count("customer_reopened") == len(reopened), ref
        if status == S.CLOSED_NO_RESPONSE:
            assert "no_response" in kinds, ref
        if status == S.CLOSED_UNRESOLVED:
            assert "closed_unresolved" in kinds, ref
        if status == S.AWAITING_CUSTOMER:
            assert "question" in kinds, ref
        for promise in promises[ticket.id]:
            assert "promise_made" in kinds, ref
            if promise.state == "kept":
                assert "promise_kept" in kinds and promise.closed_at is not None, ref
            if promise.state == "broken":
                assert "promise_broken" in kinds and promise.reason, ref


def test_the_demo_shows_every_kind_of_story(app):
    options = list(db.session.scalars(select(Option)))
    approvals = list(db.session.scalars(select(Approval)))
    promises = list(db.session.scalars(select(Promise)))
    answers = list(db.session.scalars(select(SatisfactionResponse)))

    assert any(o.has_both_sides for o in options)
    assert any(a.state == "pending" for a in approvals)
    assert any(a.state == "approved" and a.decided_by is not None for a in approvals)
    assert any(p.state == "kept" for p in promises)
    assert any(p.state == "broken" for p in promises)
    assert any(a.rating is not None for a in answers)
    consented = [a for a in answers if a.testimony_consent]
    assert consented
    assert db.session.scalar(select(WitnessTestimony).limit(1)) is not None
    assert any(a.did_well and not a.testimony_consent for a in answers)


def test_resolution_rows_happen_when_their_ticket_does(app):
    """Options, approvals, promises and answers carry the demo's times, not the load's."""
    last_event = {
        t.id: max(e.created_at for e in t.events) for t in db.session.scalars(select(Ticket))
    }
    rows: list[tuple[int, object, str]] = []
    for option in db.session.scalars(select(Option)):
        rows.append((option.ticket_id, option, "created_at"))
        rows += [(option.ticket_id, a, "created_at") for a in option.approvals]
    rows += [(p.ticket_id, p, "created_at") for p in db.session.scalars(select(Promise))]
    rows += [(p.ticket_id, p, "closed_at") for p in db.session.scalars(select(Promise))]
    rows += [
        (r.ticket_id, r, "created_at") for r in db.session.scalars(select(SatisfactionResponse))
    ]
    late = [
        (type(row).__name__, ticket_id, column)
        for ticket_id, row, column in rows
        if getattr(row, column, None) is not None
        and getattr(row, column) > last_event[ticket_id] + timedelta(minutes=1)
    ]
    assert rows and late == []
