"""Amounts of money typed by people, as pounds, turned into minor units (pence) and back."""

from __future__ import annotations

import re

# The most any single amount typed into the helpdesk may be: £1,000,000.
MAX_AMOUNT_MINOR = 100_000_000

_AMOUNT = re.compile(r"(?P<pounds>\d{1,3}(?:,\d{3})+|\d*)(?:\.(?P<pence>\d{1,2}))?")
_HOW = "Give an amount in pounds, like 250 or 99.50."


class MoneyError(ValueError):
    """An amount that is not money, or not a sensible amount; the message says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_money(value: str, *, maximum_minor: int = MAX_AMOUNT_MINOR) -> int:
    """Turn pounds typed by a person ('250', '£99.50', '1,000') into minor units.

    :raise MoneyError: for text that is not an amount, a negative amount, or one
        over ``maximum_minor``, with a message to show next to the field.
    """
    text = (value or "").strip().replace(" ", "")
    if text.startswith(("-", "−")) or text.removeprefix("£").startswith(("-", "−")):
        raise MoneyError("The amount cannot be negative.")
    text = text.removeprefix("£")
    match = _AMOUNT.fullmatch(text)
    if not text or match is None or not (match["pounds"] or match["pence"]):
        raise MoneyError(_HOW)
    digits = match["pounds"].replace(",", "") or "0"
    too_much = f"That is more than {format_pounds(maximum_minor)}: check the amount."
    if len(digits) > 12:
        raise MoneyError(too_much)
    minor = int(digits) * 100 + int((match["pence"] or "").ljust(2, "0"))
    if minor > maximum_minor:
        raise MoneyError(too_much)
    return minor


def format_pounds(minor: int) -> str:
    """Minor units as pounds for reading: 100000000 -> '£1,000,000', 9950 -> '£99.50'."""
    pounds, pence = divmod(abs(minor), 100)
    sign = "-" if minor < 0 else ""
    return f"{sign}£{pounds:,}" + (f".{pence:02d}" if pence else "")


def pounds_text(minor: int | None) -> str:
    """Minor units as a person would type them back: 25000 -> '250', 9950 -> '99.50'."""
    if minor is None:
        return ""
    pounds, pence = divmod(minor, 100)
    return f"{pounds}.{pence:02d}" if pence else str(pounds)
