"""One evidence record of a portfolio: what it shows, its criteria (with any untagged and
why), the assessor's decision; the learner adds a note or untags a criterion while it is
pending. Decided records are shown without forms, and posts to them are refused (409).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from helpdesk.domain import EVENT_LABELS
from helpdesk.evidence.badges import criterion_text
from helpdesk.evidence.capture import learner_profile
from helpdesk.evidence.redaction import portfolio_context
from helpdesk.evidence.services import (
    NOTE_MAX,
    REASON_MAX,
    EvidenceError,
    add_note,
    check_may_change,
    untag,
)
from helpdesk.extensions import db
from helpdesk.forms import attach_refusal
from helpdesk.frameworks import METHODS, catalogue
from helpdesk.htmx import render, wants_fragment
from helpdesk.models import EvidenceRecord, LearnerProfile, User
from helpdesk.permissions import can_view_portfolio, require, signed_in
from helpdesk.portfolio.blueprint import bp

Result = tuple[str, int] | Response


class EvidenceNoteForm(FlaskForm):
    note = TextAreaField(
        "Your note",
        validators=[DataRequired("Write the note first."), Length(max=NOTE_MAX)],
        description="What the assessor should know about this evidence, in your words.",
    )


class UntagForm(FlaskForm):
    code = RadioField(
        "Criterion that does not fit",
        choices=[],
        validators=[DataRequired("Choose the criterion to untag.")],
        validate_choice=False,  # the service says when the code is not (or no longer) here
    )
    reason = TextAreaField(
        "Why it does not fit",
        validators=[DataRequired("Say why it does not fit."), Length(max=REASON_MAX)],
        description="It stays in the record's history with your reason.",
    )


def _load(learner_id: int, evidence_id: int) -> tuple[LearnerProfile, EvidenceRecord]:
    """The portfolio and its record, when the current user may see them.

    :raise NotFound: not in learner mode, or the record is not in this portfolio.
    :raise Forbidden: for anyone but the learner, their assessors and admins.
    """
    profile = learner_profile(db.session.get(User, learner_id))
    if profile is None:
        abort(404)
    if not can_view_portfolio(current_user, profile):
        abort(403)
    record = db.session.get(EvidenceRecord, evidence_id)
    if record is None or record.learner_id != learner_id:
        abort(404)
    return profile, record


def _texts(record: EvidenceRecord) -> dict[str, str]:
    fw = catalogue().frameworks.get(record.framework)
    return {c.code: criterion_text(fw, c.code, c.kind) if fw else c.code for c in record.codes}


def _page(
    profile: LearnerProfile,
    record: EvidenceRecord,
    *,
    note_form: EvidenceNoteForm | None = None,
    untag_form: UntagForm | None = None,
    refusal: str | None = None,
    saved: str | None = None,
) -> dict[str, Any]:
    redaction = portfolio_context(profile.user_id)
    is_own = current_user.id == profile.user_id
    untag_form = untag_form or UntagForm(formdata=None)
    untag_form.code.choices = [(c.code, c.code) for c in record.live_codes]
    return {
        "profile": profile,
        "learner": profile.user,
        "framework": catalogue().frameworks[profile.framework],
        "texts": _texts(record),
        "record": record,
        "methods": METHODS,
        "event_labels": EVENT_LABELS,
        "redact": redaction.redact,
        "tab": "evidence",
        "is_own": is_own,
        "may_change": is_own and not record.decided,
        "note_form": note_form or EvidenceNoteForm(formdata=None, note=record.note),
        "untag_form": untag_form,
        "refusal": refusal,
        "saved": saved,
    }


def _answer(
    profile: LearnerProfile, record: EvidenceRecord, status: int, **forms: Any
) -> tuple[str, int]:
    body = render(
        "portfolio/evidence_item.html", "evidence_item", **_page(profile, record, **forms)
    )
    return body, status


def _refused(
    profile: LearnerProfile, record: EvidenceRecord, exc: EvidenceError, form: FlaskForm, name: str
) -> Result:
    db.session.rollback()
    if exc.status == 403:
        abort(403)
    db.session.refresh(record)
    if exc.status == 422 and attach_refusal(form, exc):
        return _answer(profile, record, 422, **{name: form})
    return _answer(profile, record, exc.status, refusal=exc.message)


def _done(profile: LearnerProfile, record: EvidenceRecord, message: str) -> Result:
    if wants_fragment():
        return _answer(profile, record, 200, saved=message)
    flash(message, "success")
    return redirect(
        url_for("portfolio.evidence_item", learner_id=profile.user_id, evidence_id=record.id)
    )


@bp.route("/<int:learner_id>/evidence/<int:evidence_id>")
@require(signed_in)
def evidence_item(learner_id: int, evidence_id: int) -> tuple[str, int]:
    """Show one evidence record, with the learner's note and untag forms while pending."""
    profile, record = _load(learner_id, evidence_id)
    return _answer(profile, record, 200)


@bp.route("/<int:learner_id>/evidence/<int:evidence_id>/note", methods=["POST"])
@require(signed_in)
def evidence_note(learner_id: int, evidence_id: int) -> Result:
    """Save the learner's note on their own pending evidence."""
    profile, record = _load(learner_id, evidence_id)
    form = EvidenceNoteForm()
    try:
        check_may_change(record, current_user)
        if not form.validate():
            return _answer(profile, record, 422, note_form=form)
        add_note(record, current_user, form.note.data or "")
    except EvidenceError as exc:
        return _refused(profile, record, exc, form, "note_form")
    return _done(profile, record, "Your note is saved.")


@bp.route("/<int:learner_id>/evidence/<int:evidence_id>/untag", methods=["POST"])
@require(signed_in)
def evidence_untag(learner_id: int, evidence_id: int) -> Result:
    """Untag a criterion that does not fit the learner's own pending evidence."""
    profile, record = _load(learner_id, evidence_id)
    form = UntagForm()
    code = form.code.data or ""
    try:
        check_may_change(record, current_user)
        if not form.validate():
            return _answer(profile, record, 422, untag_form=form)
        untag(record, current_user, code, form.reason.data or "")
    except EvidenceError as exc:
        return _refused(profile, record, exc, form, "untag_form")
    return _done(profile, record, f"{code} is untagged; it stays in the record's history.")
