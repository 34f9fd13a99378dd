"""Observations of live work: the list and a new record, one observation with its pins
and confirmations, and the read-only live view of an observed ticket (polled by htmx)."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask_login import current_user

from helpdesk.assessor.blueprint import bp
from helpdesk.assessor.common import Result, done, learner_or_abort, page, refuse
from helpdesk.assessor.forms import ConfirmForm, ObservationForm, PinForm
from helpdesk.evidence.decisions import AssessmentError
from helpdesk.evidence.observations import (
    JUDGEMENTS,
    confirm_observation,
    observations_for,
    observed_cover,
    observed_pcs,
    pin,
    record_observation,
)
from helpdesk.evidence.redacted_ticket import redacted_ticket
from helpdesk.evidence.reflections import evidence_tickets
from helpdesk.extensions import db
from helpdesk.forms import ensure_key, new_idempotency_key
from helpdesk.htmx import render, wants_fragment
from helpdesk.models import LearnerProfile, Observation, Ticket, TicketEvent
from helpdesk.permissions import can_see_learners, require

# The timeline of a watched ticket refreshes this often while its page is open.
POLL_SECONDS = 10


def _observation(observation_id: int) -> tuple[LearnerProfile, Observation]:
    """:raise Forbidden: unless the current user may assess its learner (404 if none)."""
    if not can_see_learners(current_user):
        abort(403)
    observation = db.session.get(Observation, observation_id)
    if observation is None:
        abort(404)
    return learner_or_abort(observation.learner_id), observation


def _list_page(profile: LearnerProfile, form: ObservationForm, **extra: Any) -> str:
    context = page(profile, "observations")
    form.offer(context["framework"], evidence_tickets(profile.user_id), context["redact"])
    return render(
        "assessor/observations.html",
        "observation_panel",
        form=form,
        observations=observations_for(profile.user_id),
        judgements=JUDGEMENTS,
        **context,
        **extra,
    )


@bp.route("/<int:learner_id>/observations", methods=["GET", "POST"])
@require(can_see_learners)
def observations(learner_id: int) -> Result:
    """List the learner's observations; the assessor records a new one."""
    profile = learner_or_abort(learner_id)
    if request.method == "GET":
        form = ensure_key(ObservationForm(formdata=None))
        return _list_page(profile, form), 200
    form = ObservationForm()
    form.offer(page(profile, "observations")["framework"], evidence_tickets(learner_id), str)
    if not form.validate():
        return _list_page(profile, form), 422
    try:
        found = record_observation(
            current_user,
            profile.user,
            observed_on=form.observed_on.data,
            place=form.place.data or "",
            activity=form.activity.data or "",
            tickets=[int(t) for t in form.tickets.data or [] if str(t).isdecimal()],
            codes=form.codes.data or [],
            cover=form.cover.data or [],
            judgement=form.judgement.data or "",
            comments=form.comments.data or "",
            idempotency_key=form.idempotency_key.data or None,
        )
    except AssessmentError as exc:
        message = refuse(exc, form)
        return _list_page(profile, form, refusal=message), exc.status
    return done(
        f"Observation {found.id} is recorded: pin comments, then confirm it.",
        url_for("assessor.observation", observation_id=found.id),
    )


def _detail(
    profile: LearnerProfile, observation: Observation, status: int = 200, **extra: Any
) -> tuple[str, int]:
    context = page(profile, "observations") | {
        "o": observation,
        "pcs": observed_pcs(observation),
        "cover": observed_cover(observation),
        "judgements": JUDGEMENTS,
        "is_observer": current_user.id == observation.assessor_id,
        "watch": True,
    }
    return render_template("assessor/observation.html", **context, **extra), status


@bp.route("/observations/<int:observation_id>")
@require(can_see_learners)
def observation(observation_id: int) -> tuple[str, int]:
    """Show one observation: tickets, PCs, judgement, pins and both confirmations."""
    profile, found = _observation(observation_id)
    return _detail(profile, found)


@bp.route("/observations/<int:observation_id>/confirm", methods=["POST"])
@require(can_see_learners)
def confirm(observation_id: int) -> Result:
    """The observing assessor confirms the record (the learner confirms on their portfolio)."""
    profile, found = _observation(observation_id)
    ConfirmForm().validate()
    try:
        confirm_observation(found, current_user)
    except AssessmentError as exc:
        return _detail(profile, found, exc.status, refusal=refuse(exc))
    return done(
        "Confirmed. The learner is asked to confirm it with their comments.",
        url_for("assessor.observation", observation_id=observation_id),
    )


def _watched(observation: Observation, ticket_id: int) -> Ticket:
    ticket = next((t for t in observation.tickets if t.id == ticket_id), None)
    if ticket is None:
        abort(404)
    return ticket


def _watch_context(
    profile: LearnerProfile, observation: Observation, ticket: Ticket
) -> dict[str, Any]:
    context = page(profile, "observations")
    db.session.refresh(ticket)  # the live ticket: its newest events, not a cached list
    view = redacted_ticket(ticket, profile.user_id, context["redaction"])
    pins: dict[int, list[Any]] = {}
    for found in observation.pins:
        pins.setdefault(found.ticket_event_id, []).append(found)
    live = observation.assessor_confirmed_at is None
    return context | {
        "o": observation,
        "ticket": view,
        "pins": pins,
        "live": live,
        "may_pin": live and current_user.id == observation.assessor_id,
        "poll_seconds": POLL_SECONDS,
        "new_key": new_idempotency_key,  # each event's pin form gets its own
    }


@bp.route("/observations/<int:observation_id>/watch/<int:ticket_id>")
@require(can_see_learners)
def watch(observation_id: int, ticket_id: int) -> Result:
    """Show the observed ticket as it happens (redacted); htmx polls for new events."""
    profile, found = _observation(observation_id)
    ticket = _watched(found, ticket_id)
    context = _watch_context(profile, found, ticket)
    if not wants_fragment():
        return render_template("assessor/watch.html", **context), 200
    after = request.args.get("after", "")
    last = int(after) if after.isdecimal() and len(after) < 19 else 0
    context["new_events"] = [e for e in context["ticket"].events if e.id > last]
    body = render_template("assessor/_watch_poll.html", **context)
    # 286 tells htmx to stop polling: the observation is confirmed, nothing more to pin.
    return body, 200 if context["live"] else 286


def _pins_context(
    observation: Observation, event_id: int, form: PinForm, refusal: str | None
) -> dict[str, Any]:
    return {
        "o": observation,
        "event_id": event_id,
        "event_pins": [p for p in observation.pins if p.ticket_event_id == event_id],
        "form": form,
        "refusal": refusal,
        "may_pin": observation.assessor_confirmed_at is None
        and current_user.id == observation.assessor_id,
        "new_key": new_idempotency_key,
    }


@bp.route("/observations/<int:observation_id>/pins", methods=["POST"])
@require(can_see_learners)
def add_pin(observation_id: int) -> Result:
    """Pin the assessor's comment to one event of an observed ticket."""
    profile, found = _observation(observation_id)
    form = PinForm()
    raw = form.event_id.data or ""
    event = db.session.get(TicketEvent, int(raw)) if raw.isdecimal() and len(raw) < 19 else None
    if event is None:
        abort(404)
    status, message = 422, None
    if form.validate():
        try:
            pin(
                found,
                event,
                form.comment.data or "",
                by=current_user,
                idempotency_key=form.idempotency_key.data or None,
            )
        except AssessmentError as exc:
            status, message = exc.status, refuse(exc, form)
        else:
            # The form stays on the page for the next pin: a fresh key, not a replay.
            status, form = 200, ensure_key(PinForm(formdata=None))
    if event.ticket_id not in {t.id for t in found.tickets}:
        abort(422)  # not an observed ticket's event: refused, and nowhere to show it
    ticket = _watched(found, event.ticket_id)
    url = url_for("assessor.watch", observation_id=found.id, ticket_id=ticket.id)
    if status == 200 and not wants_fragment():
        return done("Your comment is pinned.", f"{url}#event-{event.id}")
    db.session.refresh(found)
    pins = _pins_context(found, event.id, form, message)
    if wants_fragment():
        return render_template(
            "assessor/_pins.html", **page(profile, "observations"), **pins
        ), status
    context = _watch_context(profile, found, ticket) | {"failed": pins}
    return render_template("assessor/watch.html", **context), status
