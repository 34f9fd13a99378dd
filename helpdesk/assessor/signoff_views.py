"""Sign-off: what is still missing, or the form with the assessor's declaration."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask_login import current_user

from helpdesk.assessor.blueprint import bp
from helpdesk.assessor.common import Result, done, learner_or_abort, page, refuse
from helpdesk.assessor.forms import MoveOnForm, SignOffForm
from helpdesk.evidence.decisions import AssessmentError
from helpdesk.evidence.rule_versions import (
    current_version,
    learner_rule,
    move_on,
    signed_off_version,
)
from helpdesk.evidence.signoff import (
    SignOffRefused,
    sign_off,
    signoff_check,
    signoff_for,
    signoff_guidance,
)
from helpdesk.models import LearnerProfile
from helpdesk.permissions import can_decide, can_see_learners, require


def _page(
    profile: LearnerProfile,
    form: SignOffForm,
    move_form: MoveOnForm | None = None,
    **extra: Any,
) -> str:
    context = page(profile, "signoff")
    return render_template(
        "assessor/signoff.html",
        form=form,
        move_form=move_form or MoveOnForm(formdata=None),
        rule=learner_rule(profile),
        newest_version=current_version(profile.framework),
        signed_version=signed_off_version(profile),
        missing=signoff_check(profile),
        guidance=signoff_guidance(profile),
        record=signoff_for(profile.user_id, profile.framework),
        **context,
        **extra,
    )


@bp.route("/<int:learner_id>/sign-off", methods=["GET", "POST"])
@require(can_see_learners)
def signoff(learner_id: int) -> Result:
    """List what is missing, or sign the unit off with the assessor's declaration."""
    profile = learner_or_abort(learner_id)
    if request.method == "GET":
        return _page(profile, SignOffForm(formdata=None)), 200
    form = SignOffForm()
    if not form.validate():
        return _page(profile, form), 422
    try:
        sign_off(profile, current_user, assessor_declared=bool(form.assessor_declared.data))
    except SignOffRefused as exc:
        return _page(profile, form, refusal=refuse(exc)), exc.status
    except AssessmentError as exc:
        return _page(profile, form, refusal=refuse(exc, form)), exc.status
    return done("The unit is signed off.", url_for("assessor.signoff", learner_id=learner_id))


@bp.route("/<int:learner_id>/rules/move-on", methods=["POST"])
@require(can_see_learners)
def move_on_rules(learner_id: int) -> Result:
    """Move the learner on to the framework's newest rule version (audited)."""
    profile = learner_or_abort(learner_id)
    if not can_decide(current_user, profile):
        abort(403)  # an admin sees the page; only the learner's assessor moves them on
    form = MoveOnForm()
    if not form.validate():
        return _page(profile, SignOffForm(formdata=None), form), 422
    try:
        moved = move_on(profile, current_user, form.reason.data or "")
    except AssessmentError as exc:
        refusal = refuse(exc, form)
        return _page(profile, SignOffForm(formdata=None), form, refusal=refusal), exc.status
    return done(
        f"{moved.user.name} is now assessed against rule version {moved.rule_version}.",
        url_for("assessor.signoff", learner_id=learner_id) + "#rule-version",
    )
