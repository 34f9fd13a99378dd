"""The team feed: list, share from a ticket, react, and turn a post into work."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from helpdesk.extensions import db
from helpdesk.feed import services
from helpdesk.feed.blueprint import bp
from helpdesk.feed.forms import ProblemFromPostForm, ReactionForm, ShareForm
from helpdesk.forms import attach_refusal, category_choices, ensure_key
from helpdesk.htmx import render, wants_fragment
from helpdesk.models import FeedPost, Ticket
from helpdesk.permissions import get_ticket_or_404, is_staff, require
from helpdesk.tickets.forms import ProactiveForm
from helpdesk.tickets.workflow import WorkflowError

Result = tuple[str, int] | Response


def _post_or_404(post_id: int) -> FeedPost:
    post = db.session.get(FeedPost, post_id)
    if post is None:
        abort(404)
    return post


def _number(raw: str | None) -> int | None:
    raw = raw or ""
    return int(raw) if raw.isdecimal() and len(raw) < 19 else None


def _refuse(form: Any, exc: WorkflowError, default: str) -> None:
    attach_refusal(form, exc, default)


def problem_url(problem_id: int) -> str | None:
    """The problem record's page, once the problems blueprint serves one."""
    if "problems" not in current_app.blueprints:
        return None
    return f"/staff/problems/{problem_id}"


def _page_context() -> dict[str, Any]:
    return {
        "tags": services.TAGS,
        "problem_url": problem_url,
        "reactions_of": lambda post: services.reaction_counts(post, current_user.id),
    }


@bp.route("/feed")
@require(is_staff)
def index() -> str:
    """Show the team feed, newest first, optionally one tag."""
    tag = request.args.get("tag", "")
    tag = tag if tag in services.TAGS else ""
    page = services.feed_page(tag, _number(request.args.get("after")))
    return render("feed/index.html", "feed_list", page=page, tag=tag, **_page_context())


@bp.route("/feed/<int:post_id>")
@require(is_staff)
def show_post(post_id: int) -> str:
    """Show one post (the link search results and notices use)."""
    return render_template("feed/post.html", post=_post_or_404(post_id), **_page_context())


@bp.route("/feed/new", methods=["GET", "POST"])
@require(is_staff)
def share() -> Result:
    """Share a customer's feedback from a ticket with the team."""
    raw = request.args.get("ticket")
    ticket_id = _number(raw)
    if raw is not None and ticket_id is None:
        abort(404)
    ticket: Ticket | None = get_ticket_or_404(ticket_id) if ticket_id is not None else None
    if request.method == "GET":
        quote = services.prefilled_quote(ticket) if ticket else ""
        form = ensure_key(ShareForm(formdata=None, quote=quote))
        return render_template("feed/share.html", form=form, ticket=ticket), 200
    form = ShareForm()
    if form.validate():
        try:
            post, _ = services.share(
                current_user,
                ticket=ticket,
                quote=form.quote.data or "",
                comment=form.comment.data or "",
                tag=form.tag.data or "",
                idempotency_key=form.idempotency_key.data or None,
            )
        except WorkflowError as exc:
            _refuse(form, exc, "quote")
        else:
            flash("Shared with the team.", "success")
            return redirect(url_for("feed.index", _anchor=f"post-{post.id}"))
    return render_template("feed/share.html", form=form, ticket=ticket), 422


@bp.route("/feed/<int:post_id>/reactions", methods=["POST"])
@require(is_staff)
def react(post_id: int) -> Result:
    """Give or take back a reaction; htmx swaps the post's reaction bar."""
    post = _post_or_404(post_id)
    form = ReactionForm()
    status = 200
    if form.validate():
        services.react(post, current_user, form.kind.data or "")
    else:
        status = 422
    if wants_fragment():
        return render_template("feed/_reactions.html", post=post, **_page_context()), status
    if status != 200:
        flash("Choose one of the listed reactions.", "error")
    return redirect(url_for("feed.index", _anchor=f"post-{post.id}"))


def _turn_page(template: str, form: Any, post: FeedPost, status: int, **extra: Any) -> Result:
    return render_template(template, form=form, post=post, **extra), status


@bp.route("/feed/<int:post_id>/proactive", methods=["GET", "POST"])
@require(is_staff)
def turn_into_report(post_id: int) -> Result:
    """Turn a post into a proactive report (once)."""
    post = _post_or_404(post_id)
    page: dict[str, Any] = {
        "action": url_for("feed.turn_into_report", post_id=post.id),
        "source_note": f"From the team feed: “{post.quote[:200]}” ({post.author.name}).",
    }
    if request.method == "GET":
        form = ProactiveForm(formdata=None, **services.report_prefill(post))
    else:
        form = ProactiveForm()
    form.category_id.choices = category_choices(blank="Choose a category")
    if post.proactive_ticket_id is not None:
        page["refusal"] = "This post was already turned into a proactive report."
        status = 409 if request.method == "POST" else 200
        return _turn_page("tickets/proactive.html", form, post, status, turned=True, **page)
    if request.method == "GET":
        return _turn_page("tickets/proactive.html", form, post, 200, **page)
    if form.validate():
        try:
            ticket = services.turn_into_report(
                post,
                current_user,
                what=form.what.data or "",
                where=form.where.data or "",
                risk=form.risk.data or "",
                category_id=int(form.category_id.data),
                priority=int(form.priority.data),
            )
        except services.FeedError as exc:
            page["refusal"] = exc.message
            return _turn_page("tickets/proactive.html", form, post, 409, **page)
        except WorkflowError as exc:
            _refuse(form, exc, "what")
        else:
            flash(f"Reported as {ticket.reference}.", "success")
            return redirect(url_for("tickets.workspace", ticket_id=ticket.id))
    return _turn_page("tickets/proactive.html", form, post, 422, **page)


@bp.route("/feed/<int:post_id>/problem", methods=["GET", "POST"])
@require(is_staff)
def turn_into_problem(post_id: int) -> Result:
    """Turn a post into a problem record (once; a replayed post answers like the first)."""
    post = _post_or_404(post_id)
    if request.method == "GET":
        form = ensure_key(ProblemFromPostForm(formdata=None, **services.problem_prefill(post)))
    else:
        form = ProblemFromPostForm()
    form.category_id.choices = category_choices(blank="No category")
    # A post goes to the service even when the post was turned already: a replay of the
    # post that turned it gets the first answer there, anything else is refused.
    if request.method == "POST" and form.validate():
        try:
            problem = services.turn_into_problem(
                post,
                current_user,
                title=form.title.data or "",
                category_id=_number(form.category_id.data),
                root_cause=form.root_cause.data or "",
                idempotency_key=form.idempotency_key.data or None,
            )
        except services.FeedError as exc:
            turned = post.problem_id is not None
            return _turn_page(
                "feed/problem.html", form, post, 409, refusal=exc.message, turned=turned
            )
        except WorkflowError as exc:
            _refuse(form, exc, "title")
        else:
            flash(f"Opened {problem.reference}; the supervisors were alerted.", "success")
            return redirect(
                problem_url(problem.id) or url_for("feed.index", _anchor=f"post-{post.id}")
            )
    if post.problem_id is not None:
        refusal = f"This post was already turned into the problem record P-{post.problem_id:05d}."
        status = 409 if request.method == "POST" else 200
        return _turn_page("feed/problem.html", form, post, status, refusal=refusal, turned=True)
    if request.method == "GET":
        return _turn_page("feed/problem.html", form, post, 200)
    return _turn_page("feed/problem.html", ensure_key(form), post, 422)


@bp.before_request
def _no_customers() -> None:
    # Defence in depth: every feed and search URL refuses customers even if a view forgot.
    if current_user.is_authenticated and not current_user.is_staff:
        abort(403)
