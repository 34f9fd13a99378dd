"""The IQA's pages: assessors and their decisions, drawing a sample, the samples, and a
verdict on each sampled decision (htmx swaps the one item). IQA role only, 403 else."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from helpdesk.extensions import db
from helpdesk.forms import attach_refusal, ensure_key
from helpdesk.htmx import render, wants_fragment
from helpdesk.iqa.blueprint import bp
from helpdesk.iqa.display import item_views, samples_page
from helpdesk.iqa.forms import SampleForm, VerdictForm
from helpdesk.iqa.services import (
    VERDICTS,
    SampleError,
    assessors_with_counts,
    draw_sample,
    learners_of,
    pc_choices,
    record_verdict,
)
from helpdesk.models import IqaSample, IqaSampleItem, User
from helpdesk.permissions import is_iqa, require

Result = tuple[str, int] | Response


def _cursor(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdecimal() and len(raw) < 19 else None


@bp.route("/")
@require(is_iqa)
def index() -> str:
    """List the assessors with their decision counts, and the newest samples."""
    rows, _ = samples_page(size=10)
    return render(
        "iqa/index.html", assessors=assessors_with_counts(exclude=current_user), samples=rows
    )


@bp.route("/samples")
@require(is_iqa)
def samples() -> str:
    """List every sample, newest first, paged."""
    after = _cursor(request.args.get("after"))
    rows, next_cursor = samples_page(after)
    return render(
        "iqa/samples.html", "samples_list", samples=rows, after=after, next_cursor=next_cursor
    )


def _assessor(raw: str | None) -> User | None:
    """The assessor chosen, if it is one on offer (never the IQA themselves)."""
    chosen = _cursor(raw)
    offered = {a.assessor.id: a.assessor for a in assessors_with_counts(exclude=current_user)}
    return offered.get(chosen) if chosen is not None else None


def _sample_form(assessor: User | None, form: SampleForm, status: int = 200) -> tuple[str, int]:
    learners = learners_of(assessor.id) if assessor is not None else []
    form.offer(learners, pc_choices(learners))
    if assessor is not None:
        form.assessor_id.data = str(assessor.id)
    body = render(
        "iqa/new_sample.html",
        "sample_form",
        form=form,
        assessor=assessor,
        assessors=assessors_with_counts(exclude=current_user),
    )
    return body, status


@bp.route("/samples/new", methods=["GET", "POST"])
@require(is_iqa)
def new_sample() -> Result:
    """Choose an assessor, learners, PCs and methods, and draw a sample of decisions."""
    if request.method == "GET":
        form = ensure_key(SampleForm(formdata=None))
        return _sample_form(_assessor(request.args.get("assessor")), form)
    form = SampleForm()
    assessor = _assessor(form.assessor_id.data)
    if assessor is None:
        abort(404 if form.assessor_id.data else 400)
    form.offer(learners_of(assessor.id), pc_choices(learners_of(assessor.id)))
    if not form.validate():
        return _sample_form(assessor, form, 422)
    try:
        sample = draw_sample(
            current_user,
            form.request(assessor.id),
            idempotency_key=form.idempotency_key.data or None,
        )
    except SampleError as exc:
        if exc.status == 403:
            abort(403)
        attach_refusal(form, exc, "learners")
        return _sample_form(assessor, form, 422)
    url = url_for("iqa.sample", sample_id=sample.id)
    if wants_fragment():
        return Response(status=204, headers={"HX-Redirect": url})
    flash(f"Sample {sample.id} drawn: {len(sample.items)} decisions to look at.", "success")
    return redirect(url)


def _sample_or_404(sample_id: int) -> IqaSample:
    found = db.session.get(IqaSample, sample_id)
    if found is None:
        abort(404)
    return found


def _page(sample: IqaSample, **extra: Any) -> dict[str, Any]:
    return {
        "sample": sample,
        "items": item_views(list(sample.items)),
        "verdicts": VERDICTS,
        "may_record": sample.iqa_id == current_user.id,
        "forms": {},
        **extra,
    }


@bp.route("/samples/<int:sample_id>")
@require(is_iqa)
def sample(sample_id: int) -> str:
    """Show a sample: each decision as it stood, with agree/disagree and a comment."""
    return render("iqa/sample.html", **_page(_sample_or_404(sample_id)))


@bp.route("/samples/<int:sample_id>/items/<int:item_id>", methods=["POST"])
@require(is_iqa)
def verdict(sample_id: int, item_id: int) -> Result:
    """Record agree or disagree, with a comment, on one sampled decision."""
    sample = _sample_or_404(sample_id)
    item = db.session.get(IqaSampleItem, item_id)
    if item is None or item.sample_id != sample.id:
        abort(404)
    if sample.iqa_id != current_user.id:
        abort(403)  # another IQA's sample: theirs to judge
    form = VerdictForm()
    status, saved = 422, None
    if form.validate():
        try:
            record_verdict(item, current_user, form.verdict.data or "", form.comment.data or "")
        except SampleError as exc:
            if exc.status == 403:
                abort(403)
            attach_refusal(form, exc, "verdict")
        else:
            if not wants_fragment():
                flash("Your verdict is saved.", "success")
                return redirect(url_for("iqa.sample", sample_id=sample.id) + f"#item-{item.id}")
            status, saved, form = 200, item.id, VerdictForm(formdata=None)
    [view] = item_views([item])
    page = _page(sample, forms={item.id: form}, saved=saved)
    return render("iqa/sample.html", "sample_item", view=view, **page), status
