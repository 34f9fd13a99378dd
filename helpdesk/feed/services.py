"""The team feedback feed: customers' words shared with the team, reactions, and turning
a post into a proactive report or a problem record.

Each function checks the move and writes the rows (and the source ticket's event); the
caller's unit of work commits them, with whatever else the same request did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from helpdesk.domain import ReactionKind, TicketEventKind
from helpdesk.evidence.redaction import (
    build_context,
    customer_details,
    staff_names,
    ticket_context,
)
from helpdesk.extensions import db
from helpdesk.idempotency import first_made, flush_or_first, replayed
from helpdesk.locking import flush_checked, reread_locked
from helpdesk.models import FeedPost, FeedReaction, ProblemRecord, Ticket, User
from helpdesk.problems.services import create_problem
from helpdesk.tickets import proactive
from helpdesk.tickets.workflow import WorkflowError, record_event

TAGS = {
    "delivery": "Delivery",
    "billing": "Billing",
    "product_quality": "Product quality",
    "website": "Website",
    "staff_praise": "Staff praise",
    "policy": "Policy",
    "other": "Other",
}
REACTIONS = {
    ReactionKind.SEEN: "Seen",
    ReactionKind.SAME_HERE: "Same here",
    ReactionKind.IMPORTANT: "Important",
}
QUOTE_MAX = 4000
COMMENT_MAX = 2000
PAGE_SIZE = 20
REDACTED = "[customer]"

# The feed's own short tokens; everything else the redaction finds keeps its usual token.
FEED_TOKENS = {"email": "[email]", "phone": "[phone]", "reference": "[reference]"}


class FeedError(WorkflowError):
    """A refused move on the feed; the message says why."""


def redact(text: str, customer: User | None, order_ref: str | None = None) -> str:
    """The text with the customer's name, contact details, address, payment details and
    references (and anyone else it names) replaced, for the sharer to check and edit."""
    context = build_context(
        [customer_details(customer)] if customer is not None else [],
        [order_ref],
        staff=staff_names(),
        label=REDACTED,
        tokens=FEED_TOKENS,
    )
    return context.redact(text)


def customer_words(ticket: Ticket) -> str:
    """The customer's latest message on the ticket, or the problem as they raised it."""
    for item in reversed(ticket.events):
        if item.kind == TicketEventKind.CUSTOMER_MESSAGE and item.actor_id == ticket.customer_id:
            return item.body
    return ticket.description


def prefilled_quote(ticket: Ticket) -> str:
    """The customer's words, redacted with all the ticket knows (its streets, its people)."""
    context = ticket_context(ticket, label=REDACTED, tokens=FEED_TOKENS)
    return context.redact(customer_words(ticket))[:QUOTE_MAX]


_flush = flush_checked


def share(
    actor: User,
    *,
    ticket: Ticket | None,
    quote: str,
    comment: str,
    tag: str,
    idempotency_key: str | None = None,
) -> tuple[FeedPost, bool]:
    """Share a customer's feedback with the team; the ticket records that it was shared.

    :return: the post and whether it was made now (a replayed key returns the first).
    """
    if (existing := first_made(FeedPost, idempotency_key)) is not None:
        return existing, False
    if not actor.is_staff:
        raise FeedError("Only staff can share feedback with the team.")
    quote = (quote or "").strip()
    if not quote:
        raise FeedError("Quote what the customer said.", "quote")
    if len(quote) > QUOTE_MAX:
        raise FeedError(f"Keep the quote under {QUOTE_MAX:,} characters.", "quote")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise FeedError(f"Keep the comment under {COMMENT_MAX:,} characters.", "comment")
    if tag not in TAGS:
        raise FeedError("Choose one of the listed tags.", "tag")
    post = FeedPost(
        author=actor,
        ticket=ticket,
        quote=quote,
        comment=comment,
        tag=tag,
        idempotency_key=idempotency_key,
    )
    db.session.add(post)
    # The id goes into the ticket's event; a same-key post racing this one shows here.
    if (existing := flush_or_first(FeedPost, idempotency_key)) is not None:
        return existing, False
    if ticket is not None:
        record_event(
            ticket,
            actor,
            TicketEventKind.FEEDBACK_SHARED,
            body=f"Shared on the team feed ({TAGS[tag]}): “{quote[:300]}”",
            data={"post_id": post.id, "tag": tag},
        )
    if (existing := flush_or_first(FeedPost, idempotency_key)) is not None:
        return existing, False
    return post, True


@dataclass(frozen=True)
class ReactionCount:
    kind: str
    label: str
    count: int
    mine: bool


def reaction_counts(post: FeedPost, user_id: int) -> list[ReactionCount]:
    """Each reaction with how many people gave it and whether this person did."""
    return [
        ReactionCount(
            kind=kind,
            label=label,
            count=sum(1 for r in post.reactions if r.kind == kind),
            mine=any(r.kind == kind and r.user_id == user_id for r in post.reactions),
        )
        for kind, label in REACTIONS.items()
    ]


def react(post: FeedPost, user: User, kind: str, on: bool | None = None) -> bool:
    """Give or take back a reaction (``on=None`` toggles); returns whether it is given."""
    if kind not in REACTIONS:
        raise FeedError("Choose one of the listed reactions.", "kind")
    existing = db.session.scalar(
        select(FeedReaction).where(
            FeedReaction.post_id == post.id,
            FeedReaction.user_id == user.id,
            FeedReaction.kind == kind,
        )
    )
    want = existing is None if on is None else on
    if want and existing is None:
        db.session.add(FeedReaction(post_id=post.id, user_id=user.id, kind=kind))
    elif not want and existing is not None:
        db.session.delete(existing)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # a double click gave the same reaction first: it is given
    db.session.expire(post, ["reactions"])
    return want


@dataclass
class FeedPage:
    posts: list[FeedPost]
    next_cursor: int | None


def feed_page(tag: str = "", after: int | None = None, page_size: int = PAGE_SIZE) -> FeedPage:
    """Newest first, optionally one tag, continuing below the ``after`` id (keyset)."""
    stmt = select(FeedPost).options(selectinload(FeedPost.ticket))
    if tag:
        stmt = stmt.where(FeedPost.tag == tag)
    if after is not None:
        stmt = stmt.where(FeedPost.id < after)
    rows = list(db.session.scalars(stmt.order_by(FeedPost.id.desc()).limit(page_size + 1)))
    posts = rows[:page_size]
    return FeedPage(posts, posts[-1].id if len(rows) > page_size and posts else None)


def _headline(post: FeedPost) -> str:
    first = re.split(r"(?<=[.!?])\s", post.quote.strip(), maxsplit=1)[0]
    return f"{TAGS.get(post.tag, 'Customer')} feedback: {first}"[:200]


def report_prefill(post: FeedPost) -> dict[str, Any]:
    """What a proactive report made from the post starts with (the sharer edits it)."""
    source = f" from {post.ticket.reference}" if post.ticket is not None else ""
    return {
        "what": _headline(post),
        "where": f"Customer feedback shared on the team feed{source}.",
        "risk": post.comment or f"Other customers may meet the same problem: “{post.quote}”",
    }


def problem_prefill(post: FeedPost) -> dict[str, Any]:
    return {"title": _headline(post), "root_cause": _post_text(post)}


def _post_text(post: FeedPost) -> str:
    text = f"Customer feedback ({TAGS.get(post.tag, post.tag)}): “{post.quote}”"
    return text + (f"\nShared with the comment: {post.comment}" if post.comment else "")


def _refuse_if_reported(post: FeedPost) -> None:
    if post.proactive_ticket_id is not None:
        ticket = db.session.get(Ticket, post.proactive_ticket_id)
        ref = ticket.reference if ticket else "a report"
        raise FeedError(f"This post was already turned into the proactive report {ref}.")


def _refuse_if_recorded(post: FeedPost) -> None:
    if post.problem_id is not None:
        raise FeedError(
            f"This post was already turned into the problem record P-{post.problem_id:05d}."
        )


def turn_into_report(
    post: FeedPost,
    actor: User,
    *,
    what: str,
    where: str,
    risk: str,
    category_id: int | None,
    priority: int,
) -> Ticket:
    """Open a proactive report from the post, once; the post links to it."""
    _refuse_if_reported(post)
    # One key per post: two people turning it at once make one ticket between them.
    ticket, created = proactive.report(
        actor,
        what=what,
        where=where,
        risk=risk,
        category_id=category_id,
        priority=priority,
        idempotency_key=f"feed-post-{post.id}-report",
        source={"feed_post_id": post.id},
    )
    db.session.execute(
        update(FeedPost)
        .where(FeedPost.id == post.id, FeedPost.proactive_ticket_id.is_(None))
        .values(proactive_ticket_id=ticket.id)
    )
    db.session.refresh(post)
    if not created:
        raise FeedError(
            f"This post was already turned into the proactive report {ticket.reference}."
        )
    return ticket


def _opened_by(post: FeedPost, idempotency_key: str | None) -> ProblemRecord | None:
    """The record an earlier post of this form opened from the post, if one did; a key
    sent with another form is refused (it is not a replay of this post)."""
    if (first := first_made(ProblemRecord, idempotency_key)) is None:
        return None
    return replayed(first, first.id == post.problem_id, FeedError)


def turn_into_problem(
    post: FeedPost,
    actor: User,
    *,
    title: str,
    category_id: int | None,
    root_cause: str,
    idempotency_key: str | None = None,
) -> ProblemRecord:
    """Open a problem record with the post's text as the root-cause note, once.

    A replayed idempotency key returns the record the first post opened, where another
    post would be refused because the post was already turned.
    """
    if (first := _opened_by(post, idempotency_key)) is not None:
        return first
    post = reread_locked(post)
    # A racing replay may have opened it while this one waited for the lock.
    if post.problem_id is not None and (first := _opened_by(post, idempotency_key)):
        return first
    _refuse_if_recorded(post)
    problem = create_problem(
        actor,
        title=title,
        category_id=category_id,
        root_cause=root_cause or _post_text(post),
        idempotency_key=idempotency_key,
    )
    # The same unit of work as the record: the link and the record are kept together.
    if post.problem_id is None:
        post.problem_id = problem.id
    _flush()
    return problem
