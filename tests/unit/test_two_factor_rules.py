"""Two-factor rules without HTTP: which codes count, who must use it, set-up and reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine

from helpdesk.auth import two_factor
from helpdesk.auth.services import AccountError
from helpdesk.extensions import db
from helpdesk.models import AuditEntry
from tests import factories
from tests.helpers import count

T0 = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code(offset_steps: int) -> str:
    return pyotp.TOTP(SECRET).at(T0 + timedelta(seconds=30 * offset_steps))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_code_one_step_either_side_of_now_counts(app, offset):
    now = pyotp.TOTP(SECRET).timecode(T0)
    assert two_factor.matching_step(SECRET, code(offset), None) == now + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_a_code_further_off_does_not(app, offset):
    assert two_factor.matching_step(SECRET, code(offset), None) is None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 5x", "١٢٣٤٥٦"])
def test_anything_but_six_digits_is_refused(app, typed):
    assert two_factor.matching_step(SECRET, typed, None) is None


def test_spaces_in_a_typed_code_are_forgiven(app):
    typed = code(0)[:3] + " " + code(0)[3:]
    assert two_factor.matching_step(SECRET, typed, None) is not None


def test_a_step_already_used_never_counts_again(app):
    now = pyotp.TOTP(SECRET).timecode(T0)
    assert two_factor.matching_step(SECRET, code(0), now) is None
    assert two_factor.matching_step(SECRET, code(-1), now) is None
    assert two_factor.matching_step(SECRET, code(1), now) == now + 1


def test_set_up_is_off_until_a_code_proves_it_then_sessions_end(app):
    user = factories.make_user("assessor")
    generation = user.session_generation
    secret = two_factor.start_set_up(user)
    assert not user.two_factor_on
    with pytest.raises(AccountError, match="not right"):
        two_factor.enable(user, "000000")
    two_factor.enable(user, pyotp.TOTP(secret).now())
    assert user.two_factor_on and user.session_generation == generation + 1
    assert count(AuditEntry, action="two_factor_enabled") == 1
    # The code that turned it on cannot then sign in.
    assert not two_factor.check_code(user, pyotp.TOTP(secret).now())


def test_customers_cannot_set_it_up(app):
    with pytest.raises(AccountError, match="staff"):
        two_factor.start_set_up(factories.make_user("customer"))


def test_required_roles_come_from_the_setting_then_configuration(app):
    assert two_factor.required_roles() == set()
    app.config["TOTP_REQUIRED_ROLES"] = "admin, customer, nonsense"
    try:
        assert two_factor.required_roles() == {"admin"}  # only staff roles count
        admin = factories.make_user("admin")
        two_factor.set_required_roles({"supervisor"}, admin)
        assert two_factor.required_roles() == {"supervisor"}
    finally:
        app.config["TOTP_REQUIRED_ROLES"] = ""
    with pytest.raises(AccountError, match="Not a staff role"):
        two_factor.set_required_roles({"customer"}, admin)


def test_must_enrol_only_for_a_required_role_without_it(app):
    admin = factories.make_user("admin")
    agent = factories.make_user("agent")
    both = factories.make_user("agent", "supervisor")
    two_factor.set_required_roles({"supervisor"}, admin)
    assert two_factor.must_enrol(both) and not two_factor.must_enrol(agent)
    secret = two_factor.start_set_up(both)
    assert two_factor.must_enrol(both)  # a set-up in progress is not yet on
    two_factor.enable(both, pyotp.TOTP(secret).now())
    assert not two_factor.must_enrol(both)
    with pytest.raises(AccountError, match="cannot be turned off"):
        two_factor.disable(both, factories.PASSWORD, code(1))


def test_an_admin_reset_clears_it_and_is_audited(app):
    admin = factories.make_user("admin")
    agent = factories.make_user("agent")
    two_factor.enable(agent, pyotp.TOTP(two_factor.start_set_up(agent)).now())
    two_factor.reset(agent, admin)
    db.session.refresh(agent)
    assert not agent.two_factor_on and agent.totp_secret is None
    assert count(AuditEntry, action="two_factor_reset", actor_id=admin.id) == 1
