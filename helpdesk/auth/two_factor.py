"""TOTP two-factor sign-in for staff: set-up, the code step, and who must use it.

Codes are RFC 6238 (30-second steps, six digits), so any authenticator app works.
One step either side of now is accepted for clock drift, and a step once used is
never accepted again, so a code seen over someone's shoulder cannot be replayed.
"""

from __future__ import annotations

import hmac
import time

import pyotp
import segno
from flask import current_app
from markupsafe import Markup

from helpdesk.audit import audit
from helpdesk.auth.passwords import verify_password
from helpdesk.auth.services import AccountError
from helpdesk.auth.sessions import end_all_sessions
from helpdesk.domain import WORKFORCE_ROLES, AuditAction
from helpdesk.extensions import db
from helpdesk.models import Setting, User
from helpdesk.models.types import utcnow
from helpdesk.permissions import can_set_up_two_factor

REQUIRED_ROLES_KEY = "two_factor_required_roles"
DRIFT_STEPS = 1
WRONG_CODE = "That code is not right. Use the newest code your app shows."


def required_roles() -> set[str]:
    """The roles that must sign in with a code: the admin's choice, else configuration."""
    row = db.session.get(Setting, REQUIRED_ROLES_KEY)
    raw = row.value if row is not None else current_app.config.get("TOTP_REQUIRED_ROLES", "")
    return {r.strip() for r in raw.split(",") if r.strip()} & WORKFORCE_ROLES


def set_required_roles(roles: set[str], actor: User) -> None:
    """Save which roles must use two-factor sign-in; the change is audited."""
    unknown = set(roles) - WORKFORCE_ROLES
    if unknown:
        raise AccountError(f"Not a staff role: {', '.join(sorted(unknown))}.", "roles")
    before = required_roles()
    value = ",".join(sorted(roles))
    row = db.session.get(Setting, REQUIRED_ROLES_KEY)
    if row is None:
        db.session.add(Setting(key=REQUIRED_ROLES_KEY, value=value))
    else:
        row.value = value
    if before != set(roles):
        audit(
            AuditAction.TWO_FACTOR_POLICY_CHANGED,
            actor,
            None,
            before=sorted(before),
            after=sorted(roles),
        )
    db.session.flush()


def is_required_for(user: User) -> bool:
    return bool(user.role_names & required_roles())


def must_enrol(user: User) -> bool:
    """True when this person's role requires a code and they have not set one up."""
    return can_set_up_two_factor(user) and not user.two_factor_on and is_required_for(user)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


def matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, if it is current and not used before."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = _totp(secret)
    # time.time() rather than datetime: it follows time-machine in the tests too.
    now = totp.timecode(time.time())
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def start_set_up(user: User) -> str:
    """Give this person a fresh secret to add to their app; not on until a code proves it."""
    if not can_set_up_two_factor(user):
        raise AccountError("Two-factor sign-in is for staff accounts.")
    if user.two_factor_on:
        raise AccountError("Two-factor sign-in is already on.")
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    db.session.flush()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    issuer = current_app.config["ORGANISATION_NAME"]
    return _totp(user.totp_secret or "").provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code_svg(uri: str) -> Markup:
    """The set-up link as an inline SVG QR code (no script, no inline style)."""
    title = "QR code for your authenticator app"
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(scale=4, dark="#000", light="#fff", title=title, svgclass="qr")
    return Markup(svg)  # noqa: S704 - segno's own markup from our URI, no user HTML


def grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def enable(user: User, code: str) -> None:
    """Turn two-factor on once a code from the new secret checks out.

    Every other session of the user ends, since they signed in without a code.
    :raise AccountError: with no set-up in progress, or a wrong code.
    """
    if user.two_factor_on:
        raise AccountError("Two-factor sign-in is already on.")
    if not user.totp_secret:
        raise AccountError("Start the set-up first.", "code")
    step = matching_step(user.totp_secret, code, None)
    if step is None:
        raise AccountError(WRONG_CODE, "code")
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    end_all_sessions(user)
    audit(AuditAction.TWO_FACTOR_ENABLED, user, user)
    db.session.flush()


def disable(user: User, password: str, code: str) -> None:
    """Turn two-factor off with the password and a current code; refused where required.

    :raise AccountError: for a role that requires it, a wrong password or a wrong code.
    """
    if not user.two_factor_on:
        raise AccountError("Two-factor sign-in is not on.")
    if is_required_for(user):
        raise AccountError("Your role requires two-factor sign-in, so it cannot be turned off.")
    if not verify_password(user.password_hash, password):
        raise AccountError("That is not your current password.", "password")
    if not check_code(user, code):
        raise AccountError(WRONG_CODE, "code")
    _clear(user)
    audit(AuditAction.TWO_FACTOR_DISABLED, user, user)
    db.session.flush()


def check_code(user: User, code: str) -> bool:
    """Accept a sign-in code once: the step is remembered so it cannot be replayed."""
    if not user.two_factor_on or not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    db.session.flush()
    return True


def reset(user: User, actor: User) -> None:
    """An admin clears someone's two-factor (a lost phone); their sessions end."""
    _clear(user)
    end_all_sessions(user)
    audit(AuditAction.TWO_FACTOR_RESET, actor, user)
    db.session.flush()


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
