"""The team feed, staff search and the proactive panel, through real requests."""

from __future__ import annotations

import re
import uuid

import pytest

from helpdesk.extensions import db
from helpdesk.feed import services as feed
from helpdesk.models import FeedPost, FeedReaction, Notification, ProblemRecord, Ticket, TicketEvent
from helpdesk.problems.services import create_problem
from helpdesk.tickets import proactive
from tests import factories
from tests.conftest import login
from tests.helpers import assert_fragment, assert_panels, count, text


@pytest.fixture
def report(agent, category):
    made, _ = proactive.report(
        agent,
        what="Label printer drops lines",
        where="Dispatch bench",
        risk="Parcels go astray",
        category_id=category.id,
    )
    return made


@pytest.fixture
def post(agent, ticket):
    made, _ = feed.share(
        agent, ticket=ticket, quote="The box was crushed.", comment="Again", tag="delivery"
    )
    return made


GETS = [
    "/staff/feed",
    "/staff/feed?tag=delivery",
    "/staff/feed/{post}",
    "/staff/feed/new",
    "/staff/feed/new?ticket={ticket}",
    "/staff/feed/{post}/proactive",
    "/staff/feed/{post}/problem",
    "/staff/search",
    "/staff/search?q=parcel",
    "/staff/search?q=parcel&kind=posts",
]
POSTS = [
    "/staff/feed/new?ticket={ticket}",
    "/staff/feed/{post}/reactions",
    "/staff/feed/{post}/proactive",
    "/staff/feed/{post}/problem",
    "/staff/tickets/{report}/proactive/steps",
    "/staff/tickets/{report}/proactive/inform",
]
FORM = {
    "kind": "seen",
    "quote": "Q",
    "tag": "other",
    "step": "S",
    "groups": "supervisors",
    "title": "T",
    "what": "W",
    "where": "X",
    "risk": "Y",
}


def _url(url, ticket, post, report):
    return url.format(ticket=ticket.id, post=post.id, report=report.id)


def _rows() -> tuple[int, ...]:
    return (
        count(FeedPost),
        count(FeedReaction),
        count(Ticket),
        count(TicketEvent),
        count(ProblemRecord),
        count(Notification),
    )


# --- who may come in -----------------------------------------------------------------


@pytest.mark.parametrize("url", GETS)
def test_a_customer_cannot_open_the_feed_or_search(
    login_as, customer, ticket, post, report, url, hx
):
    client = login_as(customer)
    path = _url(url, ticket, post, report)
    assert client.get(path).status_code == 403
    assert client.get(path, headers=hx).status_code == 403


@pytest.mark.parametrize("url", POSTS)
def test_a_customer_cannot_post_to_the_feed_or_proactive_work(
    login_as, customer, ticket, post, report, url, hx
):
    client = login_as(customer)
    before = _rows()
    path = _url(url, ticket, post, report)
    assert client.post(path, data=FORM).status_code == 403
    assert client.post(path, data=FORM, headers=hx).status_code == 403
    assert _rows() == before


@pytest.mark.parametrize("url", GETS + POSTS)
def test_anonymous_is_sent_to_sign_in(client, ticket, post, report, url, hx):
    path = _url(url, ticket, post, report)
    send = client.post if url in POSTS and url not in GETS else client.get
    response = send(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert send(path, headers=hx).status_code == 401


def test_staff_see_the_feed_and_search_in_the_header(app, login_as, agent, customer):
    page = text(login_as(agent).get("/staff/tickets"))
    assert 'href="/staff/search"' in page and 'href="/staff/feed"' in page
    other = app.test_client()
    login(other, customer.email)
    mine = text(other.get("/my/tickets"))
    assert 'href="/staff/search"' not in mine and 'href="/staff/feed"' not in mine


# --- sharing feedback ----------------------------------------------------------------


@pytest.fixture
def chatty_ticket(customer, category):
    customer.phone = "07700 900123"
    db.session.commit()
    return factories.make_ticket(
        customer=customer,
        category=category,
        subject="Kettle cracked",
        description=(
            "Hi, this is Casey Jones. The kettle is cracked. Email me at casey@example.com "
            "or ring 07700 900 123. Thanks, Casey"
        ),
    )


def test_the_share_form_starts_with_the_customers_words_redacted(login_as, agent, chatty_ticket):
    client = login_as(agent)
    workspace = text(client.get(f"/staff/tickets/{chatty_ticket.id}"))
    assert f'href="/staff/feed/new?ticket={chatty_ticket.id}"' in workspace
    assert "Share with the team" in workspace
    page = text(client.get(f"/staff/feed/new?ticket={chatty_ticket.id}"))
    quote = re.search(r'<textarea[^>]*name="quote"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "The kettle is cracked." in quote
    assert "[customer]" in quote
    for secret in ("Casey", "Jones", "casey@example.com", "07700", "900 123"):
        assert secret not in quote


def test_sharing_posts_to_the_feed_and_marks_the_ticket(login_as, agent, chatty_ticket):
    client = login_as(agent)
    data = {
        "quote": "[customer] says the kettle is cracked.",
        "comment": "Third this week",
        "tag": "product_quality",
        "idempotency_key": uuid.uuid4().hex,
    }
    url = f"/staff/feed/new?ticket={chatty_ticket.id}"
    first = client.post(url, data=data)
    again = client.post(url, data=data)
    assert first.status_code == again.status_code == 302
    assert count(FeedPost) == 1
    post = db.session.scalar(db.select(FeedPost))
    assert first.headers["Location"].endswith(f"#post-{post.id}")
    assert count(TicketEvent, kind="feedback_shared") == 1
    page = text(client.get("/staff/feed"))
    assert "Shared with the team." in page
    assert "[customer] says the kettle is cracked." in page
    assert "Product quality" in page and "Alex Agent" in page
    assert f'href="/staff/tickets/{chatty_ticket.id}"' in page
    assert "shared the customer&#39;s feedback with the team" in text(
        client.get(f"/staff/tickets/{chatty_ticket.id}")
    )


def test_sharing_refuses_a_missing_tag_and_keeps_the_quote(login_as, agent, ticket):
    client = login_as(agent)
    response = client.post(f"/staff/feed/new?ticket={ticket.id}", data={"quote": "Kept words"})
    assert response.status_code == 422
    assert 'id="tag-error"' in text(response)
    assert "Kept words" in text(response)
    assert count(FeedPost) == 0


def test_sharing_from_an_unknown_ticket_is_not_found(login_as, agent):
    client = login_as(agent)
    assert client.get("/staff/feed/new?ticket=999999").status_code == 404
    assert client.get("/staff/feed/new?ticket=abc").status_code == 404


# --- the feed and reactions ----------------------------------------------------------


def test_the_feed_filters_by_tag_and_pages_over_htmx(login_as, agent, hx):
    for i in range(25):
        feed.share(agent, ticket=None, quote=f"Quote {i:02d}", comment="", tag="billing")
    feed.share(agent, ticket=None, quote="Website words", comment="", tag="website")
    client = login_as(agent)
    page = text(client.get("/staff/feed"))
    assert page.index("Website words") < page.index("Quote 24")
    assert "Quote 05" not in page and "Older posts" in page
    older = re.search(r'href="(/staff/feed\?after=\d+)"', page).group(1)
    fragment = text(client.get(older, headers=hx))
    assert_fragment(fragment, "feed-list")
    assert "Quote 05" in fragment and "Quote 24" not in fragment
    website = text(client.get("/staff/feed?tag=website", headers=hx))
    assert "Website words" in website and "Quote" not in website
    empty = text(client.get("/staff/feed?tag=policy"))
    assert "No feedback has been shared" in empty


def test_the_feed_shrugs_off_forged_arguments(login_as, agent, post):
    client = login_as(agent)
    for query in ("after=99999999999999999999999", "after=-1", "after=%C2%B2", "tag=%3Cb%3E"):
        response = client.get(f"/staff/feed?{query}")
        assert response.status_code == 200, query
    assert client.get("/staff/feed/99999999999999999999999").status_code == 404
    assert client.get("/staff/feed/new?ticket=0").status_code == 404


def test_a_reaction_toggles_over_htmx(login_as, agent, supervisor, post, hx):
    feed.react(post, supervisor, "important")
    client = login_as(agent)
    url = f"/staff/feed/{post.id}/reactions"
    on = client.post(url, data={"kind": "important"}, headers=hx)
    body = text(on)
    assert on.status_code == 200
    assert_fragment(body, f"reactions-{post.id}")
    button = re.search(r'<button[^>]*data-kind="important"[^>]*>.*?</button>', body, re.S).group(0)
    assert 'aria-pressed="true"' in button and '<span class="count">2</span>' in button
    off = text(client.post(url, data={"kind": "important"}, headers=hx))
    button = re.search(r'<button[^>]*data-kind="important"[^>]*>.*?</button>', off, re.S).group(0)
    assert 'aria-pressed="false"' in button and '<span class="count">1</span>' in button
    assert client.post(url, data={"kind": "seen"}).status_code == 302
    assert count(FeedReaction, kind="seen", user_id=agent.id) == 1
    assert client.post(url, data={"kind": "love"}, headers=hx).status_code == 422
    assert client.post("/staff/feed/999999/reactions", data={"kind": "seen"}).status_code == 404


def test_a_reaction_needs_the_csrf_token(login_as, agent, post):
    client = login_as(agent)
    response = client.post(f"/staff/feed/{post.id}/reactions", data={"kind": "seen"}, csrf=False)
    assert response.status_code == 400
    assert count(FeedReaction) == 0


# --- turning a post into work --------------------------------------------------------


def test_a_post_is_turned_into_a_proactive_report_once(login_as, agent, post, category):
    client = login_as(agent)
    url = f"/staff/feed/{post.id}/proactive"
    form = text(client.get(url))
    assert "Delivery feedback: The box was crushed." in form
    data = {
        "what": "Crushed boxes",
        "where": "Courier hand-over",
        "risk": "More damaged parcels",
        "category_id": str(category.id),
        "priority": "2",
    }
    made = client.post(url, data=data)
    assert made.status_code == 302
    ticket = db.session.scalar(db.select(Ticket).where(Ticket.origin == "internal"))
    assert made.headers["Location"] == f"/staff/tickets/{ticket.id}"
    again = client.post(url, data=data)
    assert again.status_code == 409
    assert "already turned into" in text(again)
    assert count(Ticket, origin="internal") == 1
    assert f'Turned into the proactive report <a href="/staff/tickets/{ticket.id}"' in text(
        client.get("/staff/feed")
    )
    assert client.get(url).status_code == 200


def test_a_post_is_turned_into_a_problem_record_once(login_as, agent, supervisor, post):
    client = login_as(agent)
    url = f"/staff/feed/{post.id}/problem"
    assert "The box was crushed." in text(client.get(url))
    made = client.post(url, data={"title": "Crushed boxes", "category_id": "", "root_cause": ""})
    assert made.status_code == 302
    problem = db.session.scalar(db.select(ProblemRecord))
    assert "The box was crushed." in problem.root_cause
    again = client.post(url, data={"title": "Crushed boxes", "category_id": ""})
    assert again.status_code == 409
    assert problem.reference in text(again)
    assert count(ProblemRecord) == 1
    assert made.headers["Location"] == f"/staff/problems/{problem.id}"
    feed_page = text(client.get("/staff/feed"))
    assert f'Turned into the problem record <a href="/staff/problems/{problem.id}">' in feed_page


def test_a_problem_record_needs_a_title(login_as, agent, post):
    response = login_as(agent).post(f"/staff/feed/{post.id}/problem", data={"title": " "})
    assert response.status_code == 422
    assert 'id="title-error"' in text(response)
    assert count(ProblemRecord) == 0


# --- staff search --------------------------------------------------------------------


def test_search_groups_and_highlights(login_as, agent, ticket, post, category):
    create_problem(agent, title="Parcels crushed by the courier", category_id=category.id)
    client = login_as(agent)
    page = text(client.get("/staff/search?q=crushed"))
    for kind in ("tickets", "problems", "posts"):
        assert f'id="group-{kind}"' in page
    assert "The box was <mark>crushed</mark>" in page
    assert "Parcels <mark>crushed</mark> by the courier" in page
    assert ticket.reference in page
    assert "3 matches" in page
    subject = text(client.get("/staff/search?q=PARC"))
    assert "<mark>Parcel</mark> arrived damaged" in subject


def test_live_search_answers_with_the_results_fragment(login_as, agent, ticket, hx):
    response = login_as(agent).get("/staff/search?q=kettle", headers=hx)
    assert response.status_code == 200
    assert_fragment(text(response), "search-results")
    assert "<mark>kettle</mark>" in text(response)


def test_search_escapes_what_it_shows(login_as, agent, customer, category):
    factories.make_ticket(
        customer=customer,
        category=category,
        subject="<script>alert(1)</script> broken",
        description="<img src=x onerror=alert(1)> broken",
    )
    page = text(login_as(agent).get("/staff/search?q=broken+alert"))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; <mark>broken</mark>" in page
    assert "&lt;img src=x onerror=<mark>alert</mark>(1)&gt; <mark>broken</mark>" in page


@pytest.mark.parametrize(
    "q",
    [
        "the and of",
        "a" * 5000,
        '"unbalanced (parens AND NEAR(x*',
        "^:-*",
        "%_%",
        "kettle%00",
        "",
    ],
)
def test_awkward_searches_answer_200(login_as, agent, ticket, q, hx):
    client = login_as(agent)
    for headers in ({}, hx):
        response = client.get("/staff/search", query_string={"q": q}, headers=headers)
        assert response.status_code == 200
    body = text(client.get("/staff/search", query_string={"q": "the and of"}))
    assert "no words specific enough" in body
    assert "Type a few words" in text(client.get("/staff/search"))


def test_a_nul_in_the_query_is_dropped(login_as, agent, ticket):
    response = login_as(agent).get("/staff/search", query_string={"q": "kett\x00le"})
    assert response.status_code == 200


def test_each_group_is_capped_with_a_more_link(login_as, agent, customer, category):
    for i in range(22):
        factories.make_ticket(customer=customer, category=category, subject=f"Toaster {i}")
        feed.share(agent, ticket=None, quote=f"Toaster trouble {i}", comment="", tag="other")
    client = login_as(agent)
    page = text(client.get("/staff/search?q=toaster"))
    tickets = page[page.index('id="group-tickets"') : page.index('id="group-problems"')]
    assert tickets.count("<li>") == 20
    assert 'href="/staff/tickets?q=toaster&amp;status=any"' in tickets
    assert 'href="/staff/search?q=toaster&amp;kind=posts"' in page
    only_posts = text(client.get("/staff/search?q=toaster&kind=posts"))
    assert 'id="group-tickets"' not in only_posts
    assert only_posts.count("</mark> trouble") == 22


# --- the proactive panel -------------------------------------------------------------


def test_the_proactive_panel_shows_on_internal_tickets_only(login_as, agent, report, ticket):
    client = login_as(agent)
    page = text(client.get(f"/staff/tickets/{report.id}"))
    assert 'id="proactive-panel"' in page
    assert "Dispatch bench" in page and "Parcels go astray" in page
    assert 'id="proactive-panel"' not in text(client.get(f"/staff/tickets/{ticket.id}"))


def test_the_report_form_keeps_what_where_and_risk(login_as, agent, category):
    client = login_as(agent)
    data = {
        "what": "Scanner offline",
        "where": "Returns desk",
        "risk": "Refunds delayed",
        "category_id": str(category.id),
        "priority": "3",
        "idempotency_key": uuid.uuid4().hex,
    }
    assert client.post("/staff/proactive/new", data=data).status_code == 302
    created = db.session.scalar(db.select(TicketEvent).where(TicketEvent.kind == "created"))
    assert created.data["where"] == "Returns desk" and created.data["risk"] == "Refunds delayed"
    assert created.ticket.subject == "Scanner offline"


def test_steps_and_informing_over_htmx(login_as, agent, supervisor, report, hx):
    client = login_as(agent)
    base = f"/staff/tickets/{report.id}/proactive"
    stepped = client.post(f"{base}/steps", data={"step": "Swapped the roller"}, headers=hx)
    assert stepped.status_code == 200
    assert_panels(text(stepped), "proactive", {"timeline"})
    assert "Swapped the roller" in text(stepped)
    empty = client.post(f"{base}/inform", data={"message": "FYI"}, headers=hx)
    assert empty.status_code == 422
    assert 'id="inform-people-error">Choose at least one colleague or team' in text(empty)
    assert "FYI" in text(empty)
    told = client.post(f"{base}/inform", data={"groups": "supervisors"}, headers=hx)
    assert told.status_code == 200
    assert "Sam Supervisor" in text(told)
    note = db.session.scalar(db.select(Notification))
    assert note.user_id == supervisor.id and "Swapped the roller" in note.text
    blank = client.post(f"{base}/steps", data={"step": " "}, headers=hx)
    assert blank.status_code == 422
    assert 'id="proactive-step-error"' in text(blank)


def test_informing_someone_not_on_the_list_is_refused(login_as, agent, customer, report):
    response = login_as(agent).post(
        f"/staff/tickets/{report.id}/proactive/inform", data={"people": str(customer.id)}
    )
    assert response.status_code == 422
    assert count(Notification) == 0
