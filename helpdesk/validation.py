"""Checks on typed text that several services share; each raises its own error type."""

from __future__ import annotations

from collections.abc import Callable


def required_text(
    value: str | None,
    field: str,
    label: str,
    max_len: int,
    error: Callable[[str, str], Exception],
    *,
    required: bool = True,
) -> str:
    """The text trimmed, or ``error(message, field)`` when it is too long, or empty
    where ``required``."""
    value = (value or "").strip()
    if required and not value:
        raise error(f"{label} cannot be empty.", field)
    if len(value) > max_len:
        raise error(f"{label} must be at most {max_len:,} characters.", field)
    return value
