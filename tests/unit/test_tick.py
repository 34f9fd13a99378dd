"""The cron sweep (`flask helpdesk tick`): SLA alerts, overdue promises, time-outs."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from helpdesk.domain import Status
from helpdesk.extensions import db
from helpdesk.models import Notification, SatisfactionResponse, SlaAlert, TicketEvent
from helpdesk.tickets import promises, resolution, services
from helpdesk.tickets.queue import needs_you
from helpdesk.tickets.sla import DEFAULT_MINUTES
from helpdesk.tickets.tick import run_tick
from tests import factories
from tests.helpers import count
from tests.resolving import acknowledged, mail_to, notices_for

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIRST_RESPONSE = timedelta(minutes=DEFAULT_MINUTES[3][0])  # normal priority


@pytest.fixture
def new_ticket(customer, category):
    with time_machine.travel(T0, tick=False):
        return factories.make_ticket(customer=customer, category=category)


def tick_at(moment: datetime):
    with time_machine.travel(moment, tick=False):
        return run_tick()


# --- SLA breaches ------------------------------------------------------------------------


def test_nothing_is_alerted_before_a_deadline(new_ticket, supervisor):
    report = tick_at(T0 + FIRST_RESPONSE)
    assert (report.sla_alerts, report.promises_overdue, report.closed_no_response) == (0, 0, 0)
    assert count(Notification) == 0


def test_an_unassigned_breach_alerts_the_supervisors_once(new_ticket, supervisor, agent):
    other_boss = factories.make_user("supervisor")
    version = new_ticket.version
    late = T0 + FIRST_RESPONSE + timedelta(minutes=1)
    assert tick_at(late).sla_alerts == 1
    for boss in (supervisor, other_boss):
        [alert] = notices_for(boss, "sla_breach")
        assert new_ticket.reference in alert.text
        assert alert.url == f"/staff/tickets/{new_ticket.id}"
    assert notices_for(agent) == []
    # A second sweep (a minute later, or the next day) says nothing new.
    assert tick_at(late + timedelta(minutes=1)).sla_alerts == 0
    assert tick_at(late + timedelta(days=1)).sla_alerts == 0
    assert count(Notification, kind="sla_breach") == 2
    assert count(SlaAlert) == 1
    db.session.refresh(new_ticket)
    assert new_ticket.version == version  # alerting never gets in an agent's way


def test_an_assigned_breach_alerts_the_assignee_only(new_ticket, agent, supervisor):
    with time_machine.travel(T0, tick=False):
        services.assign(new_ticket, supervisor, agent)
    version = new_ticket.version
    assert tick_at(T0 + FIRST_RESPONSE + timedelta(hours=1)).sla_alerts == 1
    assert len(notices_for(agent, "sla_breach")) == 1
    assert notices_for(supervisor) == []
    db.session.refresh(new_ticket)
    assert new_ticket.version == version


def test_each_missed_deadline_is_alerted_once(new_ticket, agent):
    with time_machine.travel(T0, tick=False):
        services.assign(new_ticket, agent, agent)
    first_late = T0 + FIRST_RESPONSE + timedelta(minutes=5)
    assert tick_at(first_late).sla_alerts == 1
    with time_machine.travel(first_late, tick=False):
        services.reply(new_ticket, agent, "Sorry for the wait")  # a new deadline: the next update
    update_gap = timedelta(minutes=DEFAULT_MINUTES[3][1])
    assert tick_at(first_late + update_gap - timedelta(minutes=1)).sla_alerts == 0
    assert tick_at(first_late + update_gap + timedelta(minutes=1)).sla_alerts == 1
    assert tick_at(first_late + update_gap + timedelta(minutes=2)).sla_alerts == 0
    assert len(notices_for(agent, "sla_breach")) == 2


def test_a_closed_ticket_is_never_alerted(new_ticket, agent, supervisor):
    resolution.close_unresolved(
        new_ticket, agent, reason="other", tried="All", why="Out of stock", next_steps="Wait"
    )
    assert tick_at(T0 + timedelta(days=30)).sla_alerts == 0
    assert count(Notification, kind="sla_breach") == 0


# --- overdue promises ------------------------------------------------------------------


def test_an_overdue_promise_is_flagged_once_to_the_owner_and_supervisors(
    new_ticket, agent, supervisor
):
    with time_machine.travel(T0, tick=False):
        acknowledged(new_ticket, agent)
        made = promises.make_promise(
            new_ticket,
            agent,
            description="Ring back about the refund",
            owner=agent,
            due_at=T0 + timedelta(hours=1),
        )
    version = new_ticket.version
    assert tick_at(T0 + timedelta(minutes=59)).promises_overdue == 0
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        assert needs_you(agent.id).overdue_promises == [made]  # shown before any sweep
        assert run_tick().promises_overdue == 1
        assert run_tick().promises_overdue == 0
        assert needs_you(agent.id).overdue_promises == [made]
        assert needs_you(supervisor.id).overdue_promises == []  # it is not theirs to keep
    db.session.refresh(made)
    assert made.overdue_notified_at == T0 + timedelta(hours=2)
    for person in (agent, supervisor):
        [notice] = notices_for(person, "promise_overdue")
        assert "Ring back about the refund" in notice.text
        assert "owner Alex Agent" in notice.text
        [mail] = [m for m in mail_to(person.email) if m.kind == "promise_overdue"]
        assert "Ring back about the refund" in mail.body
    db.session.refresh(new_ticket)
    assert new_ticket.version == version


def test_a_kept_promise_is_never_flagged(new_ticket, agent, supervisor):
    with time_machine.travel(T0, tick=False):
        made = promises.make_promise(
            new_ticket, agent, description="Ring back", owner=agent, due_at=T0 + timedelta(hours=1)
        )
        promises.keep_promise(made, agent)
    assert tick_at(T0 + timedelta(hours=3)).promises_overdue == 0
    assert count(Notification, kind="promise_overdue") == 0
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        assert not needs_you(agent.id)


# --- the resolution check times out ----------------------------------------------------


def _resolve_at(ticket, agent, moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        if ticket.acknowledged_at is None:
            acknowledged(ticket, agent)
        resolution.resolve(ticket, agent, "A new kettle was delivered")


def test_an_unconfirmed_resolution_closes_as_no_response_after_the_days(
    app, new_ticket, agent, customer, category
):
    days = app.config["CONFIRMATION_DAYS"]
    younger = factories.make_ticket(customer=customer, category=category, subject="Second")
    _resolve_at(new_ticket, agent, T0)
    _resolve_at(younger, agent, T0 + timedelta(days=1))
    assert tick_at(T0 + timedelta(days=days) - timedelta(minutes=1)).closed_no_response == 0
    report = tick_at(T0 + timedelta(days=days, minutes=1))
    assert report.closed_no_response == 1
    db.session.refresh(new_ticket)
    db.session.refresh(younger)
    assert new_ticket.status == Status.CLOSED_NO_RESPONSE  # never counted as satisfied
    assert new_ticket.closed_at == T0 + timedelta(days=days, minutes=1)
    assert younger.status == Status.RESOLVED
    assert count(SatisfactionResponse) == 0
    [event] = [e for e in new_ticket.events if e.kind == "no_response"]
    assert event.is_public and event.actor_id is None
    assert f"within {days} days" in event.body
    assert count(TicketEvent, kind="no_response") == 1
    assert tick_at(T0 + timedelta(days=days + 1, minutes=1)).closed_no_response == 1
    db.session.refresh(younger)
    assert younger.status == Status.CLOSED_NO_RESPONSE


# --- the real command ------------------------------------------------------------------


def test_the_tick_command_prints_its_report(app, new_ticket, supervisor):
    with time_machine.travel(T0 + FIRST_RESPONSE + timedelta(minutes=1), tick=False):
        result = app.test_cli_runner().invoke(args=["helpdesk", "tick"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "SLA alerts: 1, overdue promises flagged: 0, closed for no response: 0"
    )
    assert count(Notification, kind="sla_breach") == 1


# --- one job failing ---------------------------------------------------------------------


@contextmanager
def outbox_refusing_writes():
    """The outbox table refuses every new row (as a full disk would): a real database
    failure inside the one job that emails, the overdue-promise sweep."""
    if db.engine.dialect.name == "postgresql":
        make = [
            "CREATE FUNCTION refuse_outbox() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'outbox refused'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox "
            "FOR EACH ROW EXECUTE FUNCTION refuse_outbox()",
        ]
        drop = ["DROP TRIGGER refuse_outbox ON outbox", "DROP FUNCTION refuse_outbox()"]
    else:
        make = [
            "CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox "
            "BEGIN SELECT RAISE(ABORT, 'outbox refused'); END"
        ]
        drop = ["DROP TRIGGER refuse_outbox"]
    with db.engine.begin() as conn:
        for sql in make:
            conn.exec_driver_sql(sql)
    try:
        yield
    finally:
        db.session.rollback()
        with db.engine.begin() as conn:
            for sql in drop:
                conn.exec_driver_sql(sql)


def test_a_failing_job_is_reported_with_its_reason_and_the_others_still_commit(
    new_ticket, agent, supervisor
):
    with time_machine.travel(T0, tick=False):
        made = promises.make_promise(
            new_ticket,
            agent,
            description="Ring back about the refund",
            owner=agent,
            due_at=T0 + timedelta(hours=1),
        )
        db.session.commit()
    with outbox_refusing_writes():
        report = tick_at(T0 + timedelta(days=2))
    assert report.promises_overdue == 0
    [reason] = report.failed
    assert reason.startswith("overdue promises: ") and "outbox refused" in reason
    assert "Failed: overdue promises" in str(report)
    # The SLA sweep ran in its own unit and was kept; the failed one left nothing.
    assert report.sla_alerts == 1
    assert count(SlaAlert, ticket_id=new_ticket.id) == 1
    db.session.refresh(made)
    assert made.overdue_notified_at is None
    assert count(Notification, kind="promise_overdue") == 0
