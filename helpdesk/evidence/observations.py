"""Observations of live work: what the assessor saw (date, place or channel, the tickets,
the activity, the PCs, a judgement), comments pinned to exact timeline events, and the
confirmation of both the assessor and the learner (with the learner's comments).

Once both have confirmed, the observation becomes observation (O) evidence on each
observed ticket, accepted when judged "met" (rejected otherwise, with the comments as
feedback): that is what the portfolio counts, so a must-observe PC is met only by a
confirmed observation that judged it met. The observation itself never changes after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from helpdesk.domain import CodeKind, EvidenceStatus, Judgement, NotificationKind
from helpdesk.evidence.decisions import (
    AssessmentError,
    already_decided,
    check_assessor,
    clean_text,
    initials,
)
from helpdesk.evidence.redaction import evidence_ticket_ids
from helpdesk.extensions import db
from helpdesk.frameworks import Criterion, Framework, catalogue
from helpdesk.idempotency import first_made, flush_or_first, replayed
from helpdesk.locking import reread_locked
from helpdesk.models import (
    EvidenceCode,
    EvidenceRecord,
    Observation,
    ObservationPin,
    Ticket,
    TicketEvent,
    User,
)
from helpdesk.models.types import utcnow
from helpdesk.notifications.services import notify_staff
from helpdesk.settings import get_int

JUDGEMENTS: dict[str, str] = {Judgement.MET: "Met", Judgement.NOT_MET: "Not met"}
PLACE_MAX = 120
TEXT_MAX = 4000
PIN_MAX = 2000
SUMMARY_MAX = 240
RECORD_WITHIN = "observation_record_days"


def coverable(framework: Framework) -> tuple[Criterion, ...]:
    """What an observation may also cover: problem types, information and procedures,
    and scope (B's culture item is met only this way)."""
    return (*framework.problem_types, *framework.information_procedures, *framework.scope)


def observed_pcs(observation: Observation) -> list[str]:
    framework = catalogue().frameworks.get(observation.framework)
    return [c for c in observation.codes if framework is None or framework.pc(c) is not None]


def observed_cover(observation: Observation) -> list[str]:
    framework = catalogue().frameworks.get(observation.framework)
    return [c for c in observation.codes if framework is not None and framework.pc(c) is None]


def _moment(observed_on: date | datetime) -> datetime:
    """A day typed in a form becomes noon UTC that day (now, for today).

    :raise AssessmentError: 422 for a day in the future or a naive time.
    """
    now = utcnow()
    if isinstance(observed_on, datetime):
        if observed_on.tzinfo is None:
            raise AssessmentError("Give the time with its time zone.", "observed_on")
        moment = observed_on
    elif observed_on == now.date():
        moment = now
    else:
        moment = datetime.combine(observed_on, time(12), tzinfo=UTC)
    if moment > now + timedelta(days=1) or moment.year < 1900:
        raise AssessmentError("The observation cannot be in the future.", "observed_on")
    # Recorded as it happens or soon after, while it is remembered: not weeks later.
    days = get_int(RECORD_WITHIN)
    if (now.date() - moment.date()).days > days:
        raise AssessmentError(
            "Record an observation as it happens or within "
            f"{days} day{'s' if days != 1 else ''} of it (an admin setting).",
            "observed_on",
        )
    return moment


def _tickets(learner_id: int, tickets: Iterable[Ticket | int]) -> list[Ticket]:
    ids = list(dict.fromkeys(t if isinstance(t, int) else t.id for t in tickets))
    if not ids:
        raise AssessmentError("Choose the ticket or tickets you observed.", "tickets")
    allowed = set(evidence_ticket_ids(learner_id))
    if not set(ids) <= allowed:
        raise AssessmentError("Choose from the learner's evidence tickets.", "tickets")
    found = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _codes(framework: Framework, codes: Iterable[str], cover: Iterable[str]) -> list[str]:
    chosen, extra = set(codes), set(cover)
    pcs = [p.code for p in framework.pcs if p.code in chosen]
    if not pcs:
        raise AssessmentError("Tick the performance criteria you observed.", "codes")
    if len(pcs) != len(chosen):
        raise AssessmentError("Choose performance criteria from the list.", "codes")
    items = [c.code for c in coverable(framework) if c.code in extra]
    if len(items) != len(extra):
        raise AssessmentError("Choose what it covers from the list.", "cover")
    return pcs + items


def record_observation(
    assessor: User,
    learner: User,
    *,
    observed_on: date | datetime,
    place: str,
    activity: str,
    tickets: Iterable[Ticket | int],
    codes: Iterable[str],
    judgement: str,
    comments: str = "",
    cover: Iterable[str] = (),
    idempotency_key: str | None = None,
) -> Observation:
    """Record what the assessor observed; it counts once both have confirmed it.

    A replayed post (the same ``idempotency_key``) returns the observation the first
    one recorded, before any check.

    :raise AssessmentError: 403 not the learner's assessor; 409 a key another post used;
        422 (with the field) for a future date, empty place or activity, tickets not among
        the learner's evidence tickets, codes not in the learner's framework, an unknown
        judgement, or no comments for a "not met" judgement.
    """
    idempotency_key = idempotency_key or None
    if (earlier := first_made(Observation, idempotency_key)) is not None:
        return replayed(earlier, _observed_by(earlier, assessor, learner), already_decided)
    profile = check_assessor(assessor, learner)
    framework = catalogue().frameworks[profile.framework]
    moment = _moment(observed_on)
    place = clean_text(place, "place", "The place or channel", PLACE_MAX, required=True)
    activity = clean_text(activity, "activity", "The activity", TEXT_MAX, required=True)
    chosen = _tickets(profile.user_id, tickets)
    all_codes = _codes(framework, codes, cover)
    if judgement not in JUDGEMENTS:
        raise AssessmentError("Choose met or not met.", "judgement")
    comments = clean_text(
        comments, "comments", "Your comments", TEXT_MAX, required=judgement == Judgement.NOT_MET
    )
    observation = Observation(
        learner_id=profile.user_id,
        assessor_id=assessor.id,
        framework=framework.code,
        observed_on=moment,
        place=place,
        activity=activity,
        codes=all_codes,
        judgement=judgement,
        comments=comments,
        tickets=chosen,
        idempotency_key=idempotency_key,
    )
    db.session.add(observation)
    if (earlier := flush_or_first(Observation, idempotency_key)) is not None:
        return replayed(earlier, _observed_by(earlier, assessor, learner), already_decided)
    return observation


def _observed_by(observation: Observation, assessor: User, learner: User) -> bool:
    return observation.assessor_id == assessor.id and observation.learner_id == learner.id


def pin(
    observation: Observation,
    ticket_event: TicketEvent,
    comment: str,
    *,
    by: User | None = None,
    idempotency_key: str | None = None,
) -> ObservationPin:
    """Pin a comment to one event of an observed ticket, until the assessor confirms.

    A replayed post (the same ``idempotency_key``) returns the pin the first one made,
    even once the observation is confirmed.

    :raise AssessmentError: 403 when ``by`` is not the observing assessor, 409 once the
        assessor has confirmed (or for a key another post used), 422 for an event of
        another ticket or an empty comment.
    """
    idempotency_key = idempotency_key or None
    if (earlier := first_made(ObservationPin, idempotency_key)) is not None:
        return replayed(
            earlier, _pinned_here(earlier, observation, ticket_event, by), already_decided
        )
    if by is not None and by.id != observation.assessor_id:
        raise AssessmentError("Only the observing assessor pins comments.", status=403)
    if observation.assessor_confirmed_at is not None:
        raise AssessmentError("The observation is confirmed: it takes no more pins.", status=409)
    if ticket_event.ticket_id not in {t.id for t in observation.tickets}:
        raise AssessmentError("Pin comments only to events of the observed tickets.", "event_id")
    comment = clean_text(comment, "comment", "The comment", PIN_MAX, required=True)
    found = ObservationPin(
        observation=observation,
        ticket_event=ticket_event,
        comment=comment,
        idempotency_key=idempotency_key,
    )
    db.session.add(found)
    if (earlier := flush_or_first(ObservationPin, idempotency_key)) is not None:
        return replayed(
            earlier, _pinned_here(earlier, observation, ticket_event, by), already_decided
        )
    return found


def _pinned_here(
    found: ObservationPin, observation: Observation, event: TicketEvent, by: User | None
) -> bool:
    return (
        found.observation_id == observation.id
        and found.ticket_event_id == event.id
        and (by is None or by.id == observation.assessor_id)
    )


def _refuse(message: str, status: int) -> AssessmentError:
    return AssessmentError(message, status=status)


def summary(observation: Observation) -> str:
    text = f"Observation {observation.id} ({observation.place}): {observation.activity}"
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1].rstrip() + "…"


def _write_evidence(observation: Observation) -> list[EvidenceRecord]:
    """Observation evidence on each observed ticket, decided as the judgement says."""
    framework = catalogue().frameworks.get(observation.framework)
    assessor = db.session.get(User, observation.assessor_id)
    made = []
    for ticket in observation.tickets:
        codes = [
            EvidenceCode(
                code=c, kind=CodeKind.PC if framework and framework.pc(c) else CodeKind.SCOPE
            )
            for c in observation.codes
        ]
        record = EvidenceRecord(
            learner_id=observation.learner_id,
            framework=observation.framework,
            action="observation",
            method="O",
            ticket_id=ticket.id,
            summary=summary(observation),
            status=EvidenceStatus.ACCEPTED if observation.is_met else EvidenceStatus.REJECTED,
            assessor_id=observation.assessor_id,
            assessor_initials=initials(assessor) if assessor else "",
            feedback=observation.comments,
            decided_at=utcnow(),
            is_simulated=ticket.is_simulated,
            occurred_at=observation.observed_on,
            codes=codes,
        )
        db.session.add(record)
        made.append(record)
    return made


def confirm_observation(
    observation: Observation, user: User, learner_comments: str = ""
) -> Observation:
    """The assessor confirms first, then the learner (with their comments); once both
    have, the observation becomes evidence.

    :raise AssessmentError: 403 for anyone else, 409 when already confirmed by them or
        (for the learner) before the assessor, 422 for comments that are too long.
    """
    if user.id == observation.learner_id:
        comments = clean_text(
            learner_comments, "learner_comments", "Your comments", TEXT_MAX, required=False
        )
        found = reread_locked(observation)
        if found.assessor_confirmed_at is None:
            raise _refuse("Your assessor has not confirmed the observation yet.", 409)
        if found.learner_confirmed_at is not None:
            raise _refuse("You have already confirmed this observation.", 409)
        found.learner_comments = comments
        found.learner_confirmed_at = utcnow()
    elif user.id == observation.assessor_id:
        check_assessor(user, observation.learner_id)
        found = reread_locked(observation)
        if found.assessor_confirmed_at is not None:
            raise _refuse("You have already confirmed this observation.", 409)
        found.assessor_confirmed_at = utcnow()
        learner = db.session.get(User, found.learner_id)
        text = f"{user.name} recorded an observation of your work: read it and confirm it."
        notify_staff([learner], NotificationKind.OBSERVATION, text, url=learner_path(found))
    else:
        raise AssessmentError("Only the observing assessor and the learner confirm.", status=403)
    if found.confirmed:
        _write_evidence(found)
    db.session.flush()
    return found


def learner_path(observation: Observation) -> str:
    return f"/portfolio/{observation.learner_id}/observations/{observation.id}"


def observations_for(learner_id: int) -> list[Observation]:
    """The learner's observations, newest first."""
    return list(
        db.session.scalars(
            select(Observation)
            .where(Observation.learner_id == learner_id)
            .order_by(Observation.observed_on.desc(), Observation.id.desc())
        )
    )


def awaiting_assessor(learner_ids: Sequence[int]) -> dict[int, int]:
    """Observations per learner the assessor has not confirmed yet."""
    out: dict[int, int] = {}
    if not learner_ids:
        return out
    for observation in db.session.scalars(
        select(Observation).where(
            Observation.learner_id.in_(learner_ids), Observation.assessor_confirmed_at.is_(None)
        )
    ):
        out[observation.learner_id] = out.get(observation.learner_id, 0) + 1
    return out
