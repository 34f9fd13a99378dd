"""Password policy, reset tokens and the session loader, without going through a page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from helpdesk.auth.passwords import common_passwords, hash_password, password_problem
from helpdesk.auth.reset import make_reset_token, set_new_password, user_for_reset_token
from helpdesk.auth.services import AccountError
from helpdesk.auth.sessions import end_all_sessions, end_session, load_user, start_session
from helpdesk.extensions import db
from helpdesk.models import UserSession
from tests import factories

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def test_the_common_list_is_loaded_and_sizeable():
    common = common_passwords()
    assert 500 <= len(common) <= 2000
    assert {"password", "123456", "qwerty", "letmein", "passw0rd", "iloveyou"} <= common


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 10"),
        ("Password2024", "most common"),
        ("qwertyuiop", "most common"),
        ("x" * 1025, "at most 1024"),
    ],
)
def test_the_policy_explains_what_is_wrong(password, problem):
    message = password_problem(password)
    assert message is not None and problem in message.lower()


def test_the_policy_accepts_long_uncommon_passwords():
    assert password_problem("plum tractor lighthouse") is None
    assert password_problem("z" * 1024) is None


def test_create_user_refuses_a_common_password(app):
    with pytest.raises(AccountError, match="most common"):
        factories.make_user("agent", password="welcome2025")


def test_a_reset_token_works_until_it_expires(app):
    user = factories.make_user()
    with time_machine.travel(T0, tick=False):
        token = make_reset_token(user)
    minutes = app.config["RESET_LINK_MINUTES"]
    with time_machine.travel(T0 + timedelta(minutes=minutes - 1), tick=False):
        assert user_for_reset_token(token) == user
    with time_machine.travel(T0 + timedelta(minutes=minutes + 1), tick=False):
        assert user_for_reset_token(token) is None


def test_a_reset_token_dies_when_the_password_changes(app):
    user = factories.make_user()
    token = make_reset_token(user)
    set_new_password(user, "a-completely-new-one")
    assert user_for_reset_token(token) is None


def test_a_reset_token_is_refused_for_a_disabled_user_or_when_tampered(app):
    user = factories.make_user()
    token = make_reset_token(user)
    assert user_for_reset_token(token + "x") is None
    user.active = False
    db.session.commit()
    assert user_for_reset_token(token) is None


def test_setting_a_password_ends_every_session(app):
    user = factories.make_user()
    first = start_session(user)
    ident = user.get_id()
    assert load_user(ident) == user
    set_new_password(user, "another-fine-passphrase")
    db.session.refresh(first)
    assert first.ended_at is not None
    assert load_user(ident) is None


def test_the_loader_refuses_old_unknown_and_ended_sessions(app):
    user = factories.make_user()
    row = start_session(user)
    assert load_user(f"{user.id}:{user.session_generation}:{row.id}") == user
    assert load_user(f"{user.id}:{user.session_generation}") is None  # pre-session cookies
    assert load_user(f"{user.id}:{user.session_generation}:nope") is None
    other = factories.make_user()
    assert load_user(f"{other.id}:{other.session_generation}:{row.id}") is None
    end_session(row.id)
    assert load_user(f"{user.id}:{user.session_generation}:{row.id}") is None


def test_end_all_sessions_bumps_the_generation(app):
    user = factories.make_user()
    start_session(user)
    start_session(user)
    before = user.session_generation
    end_all_sessions(user)
    db.session.commit()
    assert user.session_generation == before + 1
    rows = db.session.scalars(db.select(UserSession).filter_by(user_id=user.id)).all()
    assert len(rows) == 2 and all(r.ended_at is not None for r in rows)


def test_hashes_never_contain_the_password(app):
    assert "plum tractor lighthouse" not in hash_password("plum tractor lighthouse")
