"""The ticket workspace as self-replacing panels: an action's htmx answer is the panel that
posted plus, out of band, the panels it changed and the new version for every form left
on the page; a refusal redraws that panel alone; without JavaScript, pages and redirects."""

from __future__ import annotations

import re
from datetime import timedelta

from helpdesk.extensions import db
from helpdesk.models import TicketEvent
from helpdesk.models.types import utcnow
from helpdesk.tickets import promises
from tests.helpers import assert_panels, count, text
from tests.resolving import acknowledged

VERSION_INPUT = re.compile(r'<input[^>]*name="version"[^>]*>')
OOB_VERSION = re.compile(
    r'<input class="ticket-version" name="version" type="hidden" value="(\d+)"'
    r' hx-swap-oob="outerHTML:#workspace input.ticket-version">'
)


def panel_html(body: str, name: str) -> str:
    """One panel's markup: from its wrapper to the next panel's (panels never nest)."""
    start = body.index(f'<div id="panel-{name}"')
    after = ('<div id="panel-', "<aside", "</div>\n  <div", '<input class="ticket-version"')
    ends = [i for i in (body.find(mark, start + 1) for mark in after) if i > 0]
    chunk = body[start : min(ends)] if ends else body[start:]
    return re.sub(r"\s+", " ", chunk.replace(' hx-swap-oob="true"', "")).strip()


def test_every_version_input_on_the_page_is_one_the_version_update_finds(login_as, agent, ticket):
    body = text(login_as(agent).get(f"/staff/tickets/{ticket.id}"))
    inputs = VERSION_INPUT.findall(body)
    assert len(inputs) >= 5  # acknowledge, reply, question, take, assign, classify...
    for tag in inputs:
        assert 'class="ticket-version"' in tag, tag


def test_a_note_answers_with_its_panel_and_the_timeline_only(login_as, agent, ticket, hx):
    client = login_as(agent)
    response = client.post(
        f"/staff/tickets/{ticket.id}/note",
        data={"body": "Check the <supplier> batch.", "idempotency_key": "n" * 32},
        headers=hx,
    )
    assert response.status_code == 200
    body = text(response)
    assert assert_panels(body, "note", {"timeline"}) == {"timeline"}
    assert body.count("<form") == 1  # the note form alone was built and drawn
    assert "Check the &lt;supplier&gt; batch." in body  # the timeline shows it, escaped
    assert "Similar tickets" not in body and "Customer's other tickets" not in body
    db.session.refresh(ticket)
    # Every other form still on the page is told the version it must now post.
    assert OOB_VERSION.findall(body) == [str(ticket.version)]


def test_the_timeline_sent_out_of_band_is_the_one_the_page_draws(login_as, agent, ticket, hx):
    client = login_as(agent)
    answer = text(
        client.post(
            f"/staff/tickets/{ticket.id}/note",
            data={"body": "Supplier batch 42.", "idempotency_key": "m" * 32},
            headers=hx,
        )
    )
    page = text(client.get(f"/staff/tickets/{ticket.id}"))
    assert panel_html(answer, "timeline") == panel_html(page, "timeline")
    assert "Supplier batch 42." in panel_html(page, "timeline")


def test_a_status_move_brings_the_status_header_and_the_closing_panel(login_as, agent, ticket, hx):
    board = acknowledged(ticket, agent)
    version = board.version
    response = login_as(agent).post(
        f"/staff/tickets/{board.id}/question",
        data={"question": "Which model is it?", "idempotency_key": "q" * 32, "version": version},
        headers=hx,
    )
    body = text(response)
    also = assert_panels(body, "question", {"header", "timeline", "closing", "reply"})
    assert 'id="ticket-status">Waiting on customer<' in body
    assert "Waiting for an answer to: “Which model is it?”" in panel_html(body, "question")
    assert not also & {"note", "assign", "classify", "promises"}  # untouched by a question


def test_a_refused_acknowledgement_redraws_its_panel_keeping_what_was_typed(
    login_as, agent, ticket, hx
):
    version = ticket.version
    response = login_as(agent).post(
        f"/staff/tickets/{ticket.id}/acknowledge",
        data={"need": "A lid <that> fits", "impact": "", "feeling": "Fed up", "version": version},
        headers=hx,
    )
    body = text(response)
    assert response.status_code == 422
    assert assert_panels(body, "acknowledge") == set()
    assert "hx-swap-oob" not in body  # nothing changed, so nothing else is redrawn
    assert "A lid &lt;that&gt; fits</textarea>" in body
    assert re.search(r'<p class="field-error" id="(?:[a-z]+-)?impact-error">[^<]+</p>', body)
    db.session.refresh(ticket)
    assert ticket.acknowledged_at is None and ticket.version == version


def _promise(ticket, agent):
    return promises.make_promise(
        ticket, agent, description="Ring back", owner=agent, due_at=utcnow() + timedelta(days=1)
    )


def test_a_refused_row_form_shows_its_message_at_the_top_of_its_panel(login_as, agent, ticket, hx):
    board = acknowledged(ticket, agent)
    promise = _promise(board, agent)
    url = f"/staff/tickets/{board.id}/promises/{promise.id}/broken"
    response = login_as(agent).post(url, data={"reason": " "}, headers=hx)
    body = text(response)
    assert response.status_code == 422
    assert assert_panels(body, "promises") == set()
    assert '<p class="flash flash-error" role="alert">Give the reason.</p>' in panel_html(
        body, "promises"
    )
    assert count(TicketEvent, kind="promise_broken") == 0


def test_without_javascript_a_refusal_is_the_whole_page_with_the_message_in_its_panel(
    login_as, agent, ticket
):
    board = acknowledged(ticket, agent)
    promise = _promise(board, agent)
    client = login_as(agent)
    url = f"/staff/tickets/{board.id}/promises/{promise.id}/broken"
    response = client.post(url, data={"reason": ""})
    body = text(response)
    assert response.status_code == 422
    assert "<html" in body and 'id="workspace"' in body
    assert "Give the reason." in panel_html(body, "promises")
    ok = client.post(url, data={"reason": "The courier lost it"})
    assert ok.status_code == 302
    assert ok.headers["Location"] == f"/staff/tickets/{board.id}"


def test_the_next_action_after_a_panel_swap_is_not_refused_as_stale(login_as, agent, ticket, hx):
    """The answer's version is what the other panels' forms post next (after the swap)."""
    client = login_as(agent)
    first = text(
        client.post(
            f"/staff/tickets/{ticket.id}/note",
            data={"body": "First a note.", "idempotency_key": "a" * 32},
            headers=hx,
        )
    )
    [version] = OOB_VERSION.findall(first)
    classify = client.post(
        f"/staff/tickets/{ticket.id}/assign",
        data={"assignee_id": str(agent.id), "version": version},
        headers=hx,
    )
    assert classify.status_code == 200, text(classify)[:500]
    assert_panels(text(classify), "assign", {"facts", "timeline"})
