"""What every assessor page shares: who may see it, the learner it is about, redaction."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from helpdesk.evidence.capture import learner_profile
from helpdesk.evidence.decisions import AssessmentError
from helpdesk.evidence.redaction import portfolio_context
from helpdesk.extensions import db
from helpdesk.forms import attach_refusal
from helpdesk.frameworks import catalogue
from helpdesk.models import LearnerProfile, User
from helpdesk.permissions import can_assess, can_decide, can_see_learners

Result = tuple[str, int] | Response


def learner_or_abort(learner_id: int) -> LearnerProfile:
    """The learner's profile, when the current user may assess them.

    :raise Forbidden: for anyone but assessors and admins, and for an assessor who is
        not this learner's (checked before the learner is looked up: no leak of who is).
    :raise NotFound: when that person is not in learner mode.
    """
    if not can_see_learners(current_user):
        abort(403)
    profile = learner_profile(db.session.get(User, learner_id))
    if profile is None:
        abort(404)
    if not can_assess(current_user, profile):
        abort(403)
    return profile


def page(profile: LearnerProfile, tab: str) -> dict[str, Any]:
    """The context every page about one learner needs."""
    context = portfolio_context(profile.user_id)
    return {
        "profile": profile,
        "learner": profile.user,
        "framework": catalogue().frameworks[profile.framework],
        "redaction": context,
        "redact": context.redact,
        "label_for": context.label_for,
        "tab": tab,
        "may_decide": can_decide(current_user, profile),
    }


def refuse(exc: AssessmentError, form: FlaskForm | None = None) -> str | None:
    """Put the refusal next to its field (422) or hand back the message to show.

    :raise Forbidden: for a 403 refusal.
    """
    db.session.rollback()
    if exc.status == 403:
        abort(403)
    if exc.status == 404:
        abort(404)
    if exc.status == 422 and attach_refusal(form, exc):
        return None
    return exc.message


def done(message: str, url: str) -> Response:
    """After a plain (non-htmx) post: the message, and back to the page."""
    flash(message, "success")
    return redirect(url)
