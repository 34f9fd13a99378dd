"""Sign-off: what is still missing, or the form with the assessor's declaration."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user

from helpdesk.assessor.blueprint import bp
from helpdesk.assessor.common import Result, done, learner_or_abort, page, refuse
from helpdesk.assessor.forms import SignOffForm
from helpdesk.evidence.decisions import AssessmentError
from helpdesk.evidence.signoff import SignOffRefused, sign_off, signoff_check, signoff_for
from helpdesk.models import LearnerProfile
from helpdesk.permissions import can_see_learners, require


def _page(profile: LearnerProfile, form: SignOffForm, **extra: Any) -> str:
    context = page(profile, "signoff")
    return render_template(
        "assessor/signoff.html",
        form=form,
        missing=signoff_check(profile),
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
