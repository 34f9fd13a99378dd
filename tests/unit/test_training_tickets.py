"""Training tickets (issue 12): flagged by staff, raised by a training account, or by a
customer account that shares an email domain, a device or a name with the learner working
it. Their evidence is shown apart and never counts towards progress, scope or sign-off,
as simulated evidence never does."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from helpdesk.admin.services import AdminError, set_training_account
from helpdesk.auth.sessions import start_session
from helpdesk.evidence.portfolio import build
from helpdesk.evidence.signoff import signoff_check
from helpdesk.evidence.training import practice_codes, practice_reasons
from helpdesk.extensions import db
from helpdesk.models import AuditEntry
from helpdesk.refusals import WorkflowError
from helpdesk.tickets.training import flag_training
from tests import factories
from tests.factories import make_learner
from tests.portfolio import acknowledged_ticket, decide_all, profile_of, records

# The learner's email domain is what a customer account may share with them.
pytestmark = pytest.mark.learner(email="lee@northwind.co.uk")


def worked(learner, customer, **fields):
    """An acknowledged ticket (1.1 and the problem type PT1), its evidence accepted."""
    ticket = acknowledged_ticket(learner, customer, **fields)
    decide_all(learner, "accepted")
    return ticket


def counted(learner) -> tuple[int, int, bool]:
    """1.1's accepted and not-counted evidence, and whether PT1 is covered."""
    portfolio = build(profile_of(learner))
    row = portfolio.pc("1.1")
    pt1 = next(i for i in portfolio.problem_types if i.criterion.code == "PT1")
    return row.accepted, row.simulated, pt1.met


def audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_live_work_counts(learner, customer):
    ticket = worked(learner, customer)
    assert practice_codes(ticket, learner) == []
    assert counted(learner) == (1, 0, True)


def test_a_ticket_staff_flag_as_training_never_counts(learner, customer, supervisor):
    ticket = worked(learner, customer)
    missing_before = signoff_check(learner)
    flag_training(ticket, supervisor, "training")
    assert practice_reasons(ticket, learner) == ["Flagged by staff as training"]
    assert counted(learner) == (0, 1, False)
    assert build(profile_of(learner)).totals["simulated"] == len(records(learner))
    # Sign-off now misses the problem type the training ticket had covered.
    missing = signoff_check(learner)
    assert len(missing) == len(missing_before) + 1
    assert any(line.startswith("Problem types PT1") for line in missing)

    (entry,) = audits("ticket_training_flagged")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        supervisor.id,
        "Ticket",
        ticket.id,
    )
    assert entry.details == {"old": "live", "new": "training"}

    flag_training(ticket, supervisor, "role_play")
    assert practice_reasons(ticket, learner) == ["Flagged by staff as role play"]
    flag_training(ticket, supervisor, None)
    assert counted(learner) == (1, 0, True)
    assert [e.details["new"] for e in audits("ticket_training_flagged")] == [
        "training",
        "role_play",
        "live",
    ]
    flag_training(ticket, supervisor, None)  # no change, no entry
    assert len(audits("ticket_training_flagged")) == 3


def test_learners_and_customers_cannot_flag_and_the_kind_is_checked(
    learner, customer, supervisor, agent
):
    ticket = worked(learner, customer)
    for who in (learner, customer):
        with pytest.raises(WorkflowError) as caught:
            flag_training(ticket, who, "training")
        assert caught.value.status == 403
    with pytest.raises(WorkflowError) as caught:
        flag_training(ticket, supervisor, "rehearsal")
    assert (caught.value.status, caught.value.field) == (422, "training_kind")
    db.session.rollback()
    flag_training(ticket, agent, "role_play")  # any staff member not in learner mode
    assert ticket.training_kind == "role_play"
    assert len(audits("ticket_training_flagged")) == 1


def test_a_training_accounts_tickets_never_count(learner, customer, admin):
    worked(learner, customer)
    assert set_training_account(customer, admin, True)
    assert counted(learner) == (0, 1, False)
    assert practice_reasons(records(learner)[0].ticket, learner) == ["Raised by a training account"]
    (entry,) = audits("training_account_changed")
    assert (entry.actor_id, entry.target_id, entry.details) == (
        admin.id,
        customer.id,
        {"before": False, "after": True},
    )
    assert not set_training_account(customer, admin, True)  # unchanged, not audited again
    assert set_training_account(customer, admin, False)
    assert counted(learner) == (1, 0, True)
    with pytest.raises(AdminError) as caught:
        set_training_account(learner, admin, True)
    assert caught.value.field == "training"
    assert len(audits("training_account_changed")) == 2


def test_a_customer_on_the_learners_own_email_domain_is_flagged(learner):
    own = factories.make_user("customer", email="lee.private@northwind.co.uk", name="Pat Kay")
    ticket = worked(learner, own)
    assert practice_codes(ticket, learner) == ["email_domain"]
    assert counted(learner) == (0, 1, False)


@pytest.mark.parametrize(
    ("learner_email", "customer_email", "internal"),
    [
        ("lee@gmail.com", "pat@gmail.com", False),  # a public provider says nothing
        ("lee@northwind.co.uk", "pat@elsewhere.co.uk", False),
        ("lee@northwind.co.uk", "pat@northwind.co.uk", True),  # another department's
    ],
)
def test_a_domain_strangers_share_is_not_flagged(app, learner_email, customer_email, internal):
    learner = make_learner("A", email=learner_email)
    customer = factories.make_user("customer", email=customer_email, name="Pat Kay")
    customer.is_internal_customer = internal
    db.session.commit()
    ticket = worked(learner, customer)
    assert practice_codes(ticket, learner) == []
    assert counted(learner) == (1, 0, True)


def test_a_customer_who_signed_in_on_the_learners_device_is_flagged(learner, customer):
    ticket = worked(learner, customer)
    start_session(learner, "Firefox", device="d" * 64)
    start_session(customer, "Chrome", device="e" * 64)
    assert practice_codes(ticket, learner) == []
    start_session(customer, "Firefox", device="d" * 64)  # the learner's own browser
    assert practice_codes(ticket, learner) == ["device"]
    assert practice_reasons(ticket, learner) == [
        "The customer signed in on a device the learner uses"
    ]
    assert counted(learner) == (0, 1, False)


@pytest.mark.parametrize(
    ("name", "flagged"),
    [("Lee Learner", True), ("mr LEARNER, lee", True), ("Lee Jones", False), ("Lee", False)],
)
def test_a_customer_with_the_learners_name_is_flagged(learner, name, flagged):
    twin = factories.make_user("customer", email="someone@elsewhere.co.uk", name=name)
    ticket = worked(learner, twin)
    assert (practice_codes(ticket, learner) == ["name"]) is flagged
    assert counted(learner) == ((0, 1, False) if flagged else (1, 0, True))
