"""Password hashing with Argon2id; unknown accounts cost the same as known ones."""

from __future__ import annotations

from functools import cache
from pathlib import Path

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


PASSWORD_MIN = 10
PASSWORD_MAX = 1024
_COMMON_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why this password may not be used, or None when it is acceptable."""
    if len(password) < PASSWORD_MIN:
        return f"Use at least {PASSWORD_MIN} characters."
    if len(password) > PASSWORD_MAX:
        return f"Use at most {PASSWORD_MAX} characters."
    if password.strip().lower() in common_passwords():
        return "That password is one of the most common and easily guessed. Choose another."
    return None
