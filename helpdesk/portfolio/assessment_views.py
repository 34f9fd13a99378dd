"""The assessor's records as the learner meets them on their portfolio: written answers
to knowledge items, observations to read and confirm (with their comments), and the
declaration that the work is their own. Read by their assessors and admins too; only the
learner posts."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from helpdesk.evidence.decisions import AssessmentError
from helpdesk.evidence.knowledge import METHODS, OUTCOMES, TEXT_MAX, knowledge_records
from helpdesk.evidence.knowledge import write_answer as save_answer
from helpdesk.evidence.observations import (
    JUDGEMENTS,
    confirm_observation,
    observations_for,
    observed_cover,
    observed_pcs,
)
from helpdesk.evidence.observations import TEXT_MAX as COMMENTS_MAX
from helpdesk.evidence.portfolio import build
from helpdesk.evidence.signoff import declare_own_work, signoff_for
from helpdesk.extensions import db
from helpdesk.forms import ChoiceField, attach_refusal
from helpdesk.frameworks import Framework, catalogue
from helpdesk.models import LearnerProfile, Observation
from helpdesk.permissions import require, signed_in
from helpdesk.portfolio.blueprint import bp
from helpdesk.portfolio.views import _page, _profile_or_abort

Result = tuple[str, int] | Response


class AnswerForm(FlaskForm):
    code = ChoiceField(
        "Knowledge item",
        choices={},
        validators=[DataRequired("Choose the knowledge item you answer.")],
    )
    answer = TextAreaField(
        "Your answer",
        validators=[DataRequired("Write your answer first."), Length(max=TEXT_MAX)],
        description="In your own words. Your assessor marks it met or not met.",
    )


class LearnerConfirmForm(FlaskForm):
    learner_comments = TextAreaField(
        "Your comments (optional)",
        validators=[Optional(), Length(max=COMMENTS_MAX)],
        description="Anything you would add to your assessor's record.",
    )


def _own(profile: LearnerProfile) -> None:
    """:raise Forbidden: for anyone but the learner (assessors and admins only read)."""
    if current_user.id != profile.user_id:
        abort(403)


def _refused(exc: AssessmentError, form: FlaskForm) -> str | None:
    db.session.rollback()
    if exc.status == 403:
        abort(403)
    if exc.status == 422 and attach_refusal(form, exc):
        return None
    return exc.message


def _offer(form: AnswerForm, framework: Framework) -> AnswerForm:
    form.code.choices = {"": "Choose an item"} | {
        k.code: f"{k.code} {k.text}" for k in framework.knowledge
    }
    return form


def _knowledge_page(profile: LearnerProfile, form: AnswerForm, **extra: Any) -> str:
    context = _page(profile, "knowledge")
    _offer(form, context["framework"])
    return render_template(
        "portfolio/knowledge.html",
        form=form,
        coverage=build(profile).knowledge,
        history=knowledge_records(profile.user_id),
        methods=METHODS,
        outcomes=OUTCOMES,
        **context,
        **extra,
    )


@bp.route("/<int:learner_id>/knowledge", methods=["GET", "POST"])
@require(signed_in)
def knowledge(learner_id: int) -> Result:
    """Show the knowledge items and evidence; the learner writes an answer to one."""
    profile = _profile_or_abort(learner_id)
    if request.method == "GET":
        return _knowledge_page(profile, AnswerForm(formdata=None)), 200
    _own(profile)
    form = _offer(AnswerForm(), catalogue().frameworks[profile.framework])
    if not form.validate():
        return _knowledge_page(profile, form), 422
    try:
        save_answer(current_user, form.code.data, form.answer.data or "")
    except AssessmentError as exc:
        return _knowledge_page(profile, form, refusal=_refused(exc, form)), exc.status
    flash("Your answer is sent to your assessor to mark.", "success")
    return redirect(url_for("portfolio.knowledge", learner_id=learner_id))


@bp.route("/<int:learner_id>/observations")
@require(signed_in)
def observations(learner_id: int) -> str:
    """List the assessor's observations of the learner's work."""
    profile = _profile_or_abort(learner_id)
    return render_template(
        "portfolio/observations.html",
        observations=observations_for(learner_id),
        judgements=JUDGEMENTS,
        **_page(profile, "observations"),
    )


def _observation_page(
    profile: LearnerProfile, found: Observation, form: LearnerConfirmForm, **extra: Any
) -> str:
    return render_template(
        "portfolio/observation.html",
        o=found,
        pcs=observed_pcs(found),
        cover=observed_cover(found),
        judgements=JUDGEMENTS,
        form=form,
        watch=False,
        **_page(profile, "observations"),
        **extra,
    )


@bp.route("/<int:learner_id>/observations/<int:observation_id>", methods=["GET", "POST"])
@require(signed_in)
def observation(learner_id: int, observation_id: int) -> Result:
    """Show one observation; the learner confirms it with their comments."""
    profile = _profile_or_abort(learner_id)
    found = db.session.get(Observation, observation_id)
    if found is None or found.learner_id != learner_id:
        abort(404)
    if request.method == "GET":
        return _observation_page(profile, found, LearnerConfirmForm(formdata=None)), 200
    _own(profile)
    form = LearnerConfirmForm()
    if not form.validate():
        return _observation_page(profile, found, form), 422
    try:
        confirm_observation(found, current_user, form.learner_comments.data or "")
    except AssessmentError as exc:
        message = _refused(exc, form)
        db.session.refresh(found)
        return _observation_page(profile, found, form, refusal=message), exc.status
    flash("You have confirmed the observation.", "success")
    return redirect(
        url_for("portfolio.observation", learner_id=learner_id, observation_id=found.id)
    )


@bp.route("/<int:learner_id>/sign-off")
@require(signed_in)
def signoff(learner_id: int) -> str:
    """Show the sign-off status and the learner's declaration that the work is theirs."""
    profile = _profile_or_abort(learner_id)
    return render_template(
        "portfolio/signoff.html",
        record=signoff_for(learner_id, profile.framework),
        missing=build(profile).missing,
        **_page(profile, "signoff"),
    )


@bp.route("/<int:learner_id>/declaration", methods=["POST"])
@require(signed_in)
def declaration(learner_id: int) -> Response:
    """Record the learner's declaration: "I declare this is my own work"."""
    profile = _profile_or_abort(learner_id)
    _own(profile)
    declare_own_work(current_user)
    flash("Your declaration is recorded.", "success")
    return redirect(url_for("portfolio.signoff", learner_id=learner_id))
