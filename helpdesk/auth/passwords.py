"""Password hashing with Argon2id; unknown accounts cost the same as known ones."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context


@cache
def _hasher_for(time_cost: int | None, memory_cost: int | None) -> PasswordHasher:
    if time_cost is None or memory_cost is None:
        return PasswordHasher()  # argon2-cffi's recommended defaults
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)


def _hasher() -> PasswordHasher:
    # Tests lower the cost through config; production keeps the library's defaults.
    if has_app_context():
        config = current_app.config
        return _hasher_for(config.get("ARGON2_TIME_COST"), config.get("ARGON2_MEMORY_COST"))
    return _hasher_for(None, None)


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified against when the email is unknown, so timing does not reveal accounts.
    return hasher.hash("not-a-real-password-just-for-timing")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    try:
        return hasher.verify(stored_hash or _dummy_hash(hasher), password) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)
