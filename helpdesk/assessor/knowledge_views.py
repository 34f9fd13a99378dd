"""Knowledge evidence: record questioning or a professional discussion, mark written
answers (htmx swaps the answer marked)."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask_login import current_user

from helpdesk.assessor.blueprint import bp
from helpdesk.assessor.common import Result, done, learner_or_abort, page, refuse
from helpdesk.assessor.forms import KnowledgeForm, MarkForm
from helpdesk.evidence.decisions import AssessmentError
from helpdesk.evidence.knowledge import (
    METHODS,
    OUTCOMES,
    knowledge_records,
    mark_answer,
    pending_answers,
    record_knowledge,
)
from helpdesk.evidence.portfolio import build
from helpdesk.extensions import db
from helpdesk.forms import ensure_key
from helpdesk.htmx import wants_fragment
from helpdesk.models import KnowledgeRecord, LearnerProfile
from helpdesk.permissions import can_see_learners, require


def _page(profile: LearnerProfile, form: KnowledgeForm, **extra: Any) -> str:
    context = page(profile, "knowledge")
    form.offer(context["framework"])
    return render_template(
        "assessor/knowledge.html",
        form=form,
        coverage=build(profile).knowledge,
        answers=pending_answers(profile.user_id),
        history=knowledge_records(profile.user_id),
        methods=METHODS,
        outcomes=OUTCOMES,
        **context,
        **extra,
    )


def _blank() -> KnowledgeForm:
    return ensure_key(KnowledgeForm(formdata=None))


@bp.route("/<int:learner_id>/knowledge", methods=["GET", "POST"])
@require(can_see_learners)
def knowledge(learner_id: int) -> Result:
    """Show knowledge coverage; record questioning or a discussion; mark written answers."""
    profile = learner_or_abort(learner_id)
    if request.method == "GET":
        return _page(profile, _blank()), 200
    form = KnowledgeForm()
    form.offer(page(profile, "knowledge")["framework"])
    if not form.validate():
        return _page(profile, form), 422
    try:
        record_knowledge(
            current_user,
            profile.user,
            form.method.data or "",
            form.codes.data or [],
            form.questions.data or "",
            form.answers.data or "",
            form.outcome.data or "",
            form.feedback.data or "",
            idempotency_key=form.idempotency_key.data or None,
        )
    except AssessmentError as exc:
        return _page(profile, form, refusal=refuse(exc, form)), exc.status
    return done(
        "The knowledge evidence is recorded.", url_for("assessor.knowledge", learner_id=learner_id)
    )


@bp.route("/<int:learner_id>/knowledge/<int:record_id>/mark", methods=["POST"])
@require(can_see_learners)
def mark(learner_id: int, record_id: int) -> Result:
    """Mark one written answer met or not met, with feedback."""
    profile = learner_or_abort(learner_id)
    record = db.session.get(KnowledgeRecord, record_id)
    if record is None or record.learner_id != profile.user_id:
        abort(404)
    form = MarkForm()
    status, message, saved = 422, None, None
    if form.validate():
        try:
            mark_answer(record, current_user, form.outcome.data or "", form.feedback.data or "")
        except AssessmentError as exc:
            status, message = exc.status, refuse(exc, form)
            db.session.refresh(record)
        else:
            status, saved = 200, f"Marked {OUTCOMES[record.outcome].lower()}."
            if not wants_fragment():
                return done(saved, url_for("assessor.knowledge", learner_id=learner_id))
    if not wants_fragment():
        return _page(profile, _blank(), refusal=message), status
    context = page(profile, "knowledge") | {"a": record, "outcomes": OUTCOMES}
    body = render_template(
        "assessor/_answer.html", mark_form=form, refusal=message, saved=saved, **context
    )
    return body, status
