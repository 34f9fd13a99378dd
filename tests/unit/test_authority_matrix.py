"""The limits of authority, walked as a full matrix through the options service."""

from __future__ import annotations

import pytest

from helpdesk.tickets import options as opts
from helpdesk.tickets.options import AuthorityError, OptionData
from helpdesk.tickets.services import acknowledge
from helpdesk.tickets.workflow import WorkflowError
from tests import factories

LIMIT = 5_000  # the offering agent's limit: £50.00
COSTS = {"below": LIMIT - 1, "at": LIMIT, "above": LIMIT + 1}

# name -> (roles, limit, may approve exceptions)
APPROVERS = {
    "supervisor_with_exceptions": (("supervisor",), 50_000, True),
    "supervisor_without_exceptions": (("supervisor",), 50_000, False),
    "peer_agent_same_limit": (("agent",), LIMIT, False),
    "agent_with_exceptions_low_limit": (("agent",), LIMIT - 1, True),
    "admin_high_limit": (("admin",), 1_000_000, True),
    "assessor": (("assessor",), 1_000_000, True),
    "customer": (("customer",), 1_000_000, True),
}


def _board(cost: int, within_policy: bool):
    customer = factories.make_user("customer")
    agent = factories.make_user("agent", limit=LIMIT)
    ticket = factories.make_ticket(customer=customer)
    acknowledge(ticket, agent, need="A working kettle", impact="No tea", feeling="Annoyed")
    option = opts.add_option(
        ticket,
        agent,
        OptionData(
            description="Refund the kettle",
            remedy_type="refund",
            cost_minor=cost,
            duration="3 days",
            within_policy=within_policy,
            pros_customer="Money back",
            cons_customer="No kettle",
            pros_org="Quick",
            cons_org="Costs money",
        ),
    )
    return agent, ticket, option


def _expected_alone(cost: int, within_policy: bool) -> bool:
    return cost <= LIMIT and within_policy


@pytest.mark.parametrize("cost_name", COSTS)
@pytest.mark.parametrize("within_policy", [True, False], ids=["policy", "exception"])
def test_offering_alone_needs_cost_within_limit_and_policy(app, cost_name, within_policy):
    cost = COSTS[cost_name]
    agent, ticket, option = _board(cost, within_policy)
    if _expected_alone(cost, within_policy):
        with pytest.raises(WorkflowError, match="within your authority"):
            opts.request_approval(option, agent)
        opts.offer(ticket, agent, [option])
        assert option.state == "offered"
    else:
        with pytest.raises(AuthorityError, match="Ask for approval") as refused:
            opts.offer(ticket, agent, [option])
        assert "you can offer up to £50.00" in refused.value.message or not within_policy
        assert option.state == "draft"


NEEDS_APPROVAL = [
    (cost_name, within_policy)
    for cost_name in COSTS
    for within_policy in (True, False)
    if not _expected_alone(COSTS[cost_name], within_policy)
]


@pytest.mark.parametrize("approver_name", APPROVERS)
@pytest.mark.parametrize("cost_name,within_policy", NEEDS_APPROVAL)
def test_approval_needs_someone_else_whose_authority_covers_it(
    app, approver_name, cost_name, within_policy
):
    cost = COSTS[cost_name]
    agent, ticket, option = _board(cost, within_policy)
    approval = opts.request_approval(option, agent)
    assert ticket.status == "awaiting_approval"
    roles, limit, exceptions = APPROVERS[approver_name]
    approver = factories.make_user(*roles, limit=limit, exceptions=exceptions)
    is_staff = bool(set(roles) & {"agent", "supervisor", "admin"})
    covers = limit >= cost and (within_policy or exceptions)
    if is_staff and covers:
        opts.decide_approval(approval, approver, approve=True, reason="")
        assert approval.state == "approved"
        assert ticket.status == "options"
        opts.offer(ticket, agent, [option])
        assert option.state == "offered"
    else:
        with pytest.raises(AuthorityError):
            opts.decide_approval(approval, approver, approve=True, reason="")
        assert approval.state == "pending"
        with pytest.raises(AuthorityError, match="Ask for approval"):
            opts.offer(ticket, agent, [option])


@pytest.mark.parametrize("within_policy", [True, False], ids=["policy", "exception"])
def test_nobody_approves_their_own_request_even_with_authority(app, within_policy):
    agent, ticket, option = _board(COSTS["above"], within_policy)
    approval = opts.request_approval(option, agent)
    agent.authority_limit_minor = 1_000_000
    agent.can_approve_exceptions = True
    with pytest.raises(AuthorityError, match="your own request"):
        opts.decide_approval(approval, agent, approve=True, reason="")
    assert approval.state == "pending"


@pytest.mark.parametrize("within_policy", [True, False], ids=["policy", "exception"])
def test_a_refused_request_leaves_the_option_unofferable(app, within_policy):
    agent, ticket, option = _board(COSTS["above"], within_policy)
    approval = opts.request_approval(option, agent)
    boss = factories.make_user("supervisor", limit=50_000, exceptions=True)
    with pytest.raises(WorkflowError, match="reason"):
        opts.decide_approval(approval, boss, approve=False, reason="  ")
    opts.decide_approval(approval, boss, approve=False, reason="Too generous")
    assert approval.state == "refused"
    with pytest.raises(AuthorityError):
        opts.offer(ticket, agent, [option])


@pytest.mark.parametrize("change", ["cost", "policy"])
def test_editing_cost_or_policy_voids_the_approval(app, change):
    agent, ticket, option = _board(COSTS["above"], True)
    approval = opts.request_approval(option, agent)
    boss = factories.make_user("supervisor", limit=50_000, exceptions=True)
    opts.decide_approval(approval, boss, approve=True, reason="")
    data = OptionData(
        description=option.description,
        remedy_type=option.remedy_type,
        cost_minor=option.cost_minor + (100 if change == "cost" else 0),
        duration=option.duration,
        within_policy=option.within_policy if change == "cost" else False,
    )
    opts.edit_option(option, agent, data)
    assert approval.state == "void"
    with pytest.raises(AuthorityError, match="Ask for approval"):
        opts.offer(ticket, agent, [option])


def test_editing_only_the_wording_keeps_the_approval(app):
    agent, ticket, option = _board(COSTS["above"], True)
    approval = opts.request_approval(option, agent)
    boss = factories.make_user("supervisor", limit=50_000, exceptions=True)
    opts.decide_approval(approval, boss, approve=True, reason="")
    data = OptionData(
        description="Refund the kettle in full",
        remedy_type=option.remedy_type,
        cost_minor=option.cost_minor,
        duration=option.duration,
        within_policy=option.within_policy,
    )
    opts.edit_option(option, agent, data)
    assert approval.state == "approved"
    opts.offer(ticket, agent, [option])
    assert option.state == "offered"


def test_a_higher_authority_colleague_may_offer_without_approval(app):
    _agent, ticket, option = _board(COSTS["above"], True)
    boss = factories.make_user("supervisor", limit=50_000, exceptions=True)
    opts.offer(ticket, boss, [option])
    assert option.state == "offered"
