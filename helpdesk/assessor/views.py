"""The assessor's learners and the review of their evidence (one by one, or in bulk)."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask_login import current_user

from helpdesk.assessor.blueprint import bp
from helpdesk.assessor.common import Result, done, learner_or_abort, page, refuse
from helpdesk.assessor.forms import DECISIONS, BulkDecisionForm, DecisionForm
from helpdesk.evidence.decisions import (
    RECORDED_ACTIONS,
    AssessmentError,
    decide,
    decide_many,
    decided_records,
    pending_records,
    records_of,
    redecide,
)
from helpdesk.evidence.progress import caseload
from helpdesk.extensions import db
from helpdesk.frameworks import METHODS
from helpdesk.htmx import render, wants_fragment
from helpdesk.models import EvidenceRecord, LearnerProfile
from helpdesk.permissions import can_see_learners, require

SHOW = {"pending": "Awaiting a decision", "decided": "Decided (change a decision)"}


@bp.route("")
@require(can_see_learners)
def learners() -> str:
    """List the assessor's learners with their progress and what needs review."""
    return render_template("assessor/learners.html", rows=caseload(current_user))


def _review_context(profile: LearnerProfile, pc: str, show: str) -> dict[str, Any]:
    context = page(profile, "review")
    codes = [p.code for p in context["framework"].pcs]
    pc = pc if pc in codes else ""
    show = show if show in SHOW else "pending"
    found = pending_records if show == "pending" else decided_records
    return context | {
        "records": found(profile.user_id, pc),
        "pc": pc,
        "show": show,
        "shows": SHOW,
        "methods": METHODS,
        "recorded": RECORDED_ACTIONS,
    }


@bp.route("/<int:learner_id>/review")
@require(can_see_learners)
def review(learner_id: int) -> str:
    """Show the learner's evidence to review (optionally one PC's), with decision forms."""
    profile = learner_or_abort(learner_id)
    context = _review_context(
        profile, request.args.get("pc", ""), request.args.get("show", "pending")
    )
    return render(
        "assessor/review.html", "review_list", bulk_form=BulkDecisionForm(formdata=None), **context
    )


def _record(profile: LearnerProfile, evidence_id: int) -> EvidenceRecord:
    record = db.session.get(EvidenceRecord, evidence_id)
    if record is None or record.learner_id != profile.user_id:
        abort(404)
    return record


def _item(
    profile: LearnerProfile, record: EvidenceRecord, status: int, **extra: Any
) -> tuple[str, int]:
    context = page(profile, "review") | {"r": record, "methods": METHODS}
    context |= {"recorded": RECORDED_ACTIONS, "form": extra.pop("form", None), **extra}
    return render_template("assessor/_review_item.html", **context), status


def _back(profile: LearnerProfile) -> str:
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k in ("pc", "show")}
    return url_for("assessor.review", learner_id=profile.user_id, **args)


@bp.route("/<int:learner_id>/review/<int:evidence_id>", methods=["POST"])
@require(can_see_learners)
def decide_one(learner_id: int, evidence_id: int) -> Result:
    """Accept or reject one piece of evidence; htmx swaps just that item."""
    profile = learner_or_abort(learner_id)
    record = _record(profile, evidence_id)
    form = DecisionForm()
    if form.decision.data not in DECISIONS:
        return _item(profile, record, 422, form=form, refusal="Choose accept or reject.")
    if not form.validate():
        return _item(profile, record, 422, form=form)
    accept = form.decision.data == "accept"
    change = request.args.get("change") == "1"
    try:
        if change:
            record = redecide(record, current_user, accept, form.feedback.data or "")
        else:
            # Ticked PCs: an accept for some of them only (all ticked is a plain accept).
            tagged = {c.code for c in record.live_codes if c.is_pc}
            pcs = set(form.pcs.data or []) if form.pcs_shown.data and accept else tagged
            only = pcs if pcs != tagged else None
            record = decide(record, current_user, accept, form.feedback.data or "", pcs=only)
    except AssessmentError as exc:
        message = refuse(exc, form)
        db.session.refresh(record)
        return _item(profile, record, exc.status, form=form, refusal=message)
    words = f"Evidence {record.id} is {record.status}."
    if wants_fragment():
        return _item(profile, record, 200, saved=words)
    return done(words, _back(profile))


@bp.route("/<int:learner_id>/review/bulk", methods=["POST"])
@require(can_see_learners)
def decide_bulk(learner_id: int) -> Result:
    """Accept or reject every ticked piece of evidence with one feedback."""
    profile = learner_or_abort(learner_id)
    form = BulkDecisionForm()
    chosen = records_of(profile.user_id, form.ids.data or [])
    message, status, saved = None, 422, None
    if form.decision.data not in DECISIONS:
        message = "Choose accept or reject."
    elif form.validate():
        try:
            made = decide_many(
                chosen, current_user, form.decision.data == "accept", form.feedback.data or ""
            )
        except AssessmentError as exc:
            message, status = refuse(exc, form), exc.status
        else:
            skipped = len(chosen) - len(made)
            saved = f"{len(made)} decided." + (
                f" {skipped} had been decided already." if skipped else ""
            )
            if not wants_fragment():
                return done(saved, _back(profile))
            status, form = 200, BulkDecisionForm(formdata=None)
    context = _review_context(profile, request.args.get("pc", ""), "pending")
    body = render(
        "assessor/review.html",
        "review_list",
        bulk_form=form,
        bulk_refusal=message,
        bulk_saved=saved,
        **context,
    )
    return body, status
