"""Whatever people type into a search box never breaks a query, on either database.

Property tests feed the queue filter, the ranking and the staff search arbitrary text and
text built from FTS5 and tsquery syntax; they must answer with lists, never raise.
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.feed import services as feed
from helpdesk.feed.search import StaffResults, snippet, staff_search
from helpdesk.models import Ticket
from helpdesk.problems.services import create_problem
from helpdesk.search import STOP_WORDS, highlight, ranked_ticket_ids, terms, ticket_text_filter
from helpdesk.tickets.queue import QueueFilters, queue_page
from tests import factories

# NUL is refused before any search (forms abort 400; query args drop it).
TYPED = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=300,
)
SYNTAX = [
    '"',
    "'",
    "(",
    ")",
    "*",
    "^",
    ":",
    "-",
    "+",
    "NEAR",
    "NEAR(",
    "AND",
    "OR",
    "NOT",
    "&",
    "|",
    "!",
    "<->",
    ":*",
    "\\",
    "%",
    "_",
    "{",
    "}",
    "[",
    "]",
    ",",
    ".",
    "/",
    "the",
    "and",
    "of",
    "about",
    "kettle",
    "kett",
    "parcel",
    "crushed",
    "subject:",
    "description:",
    "ticket_fts",
    " ",
    "  ",
    "\t",
    "\n",
    "é",
    "ß",
    "²",
    "١",
    "🙂",
]
FTS_SYNTAX = st.lists(
    st.one_of(st.sampled_from(SYNTAX), TYPED.map(lambda s: s[:6])), max_size=40
).map("".join)
PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def corpus(app, customer, agent, category):
    """A few tickets, a problem record and a feed post for the searches to look through."""
    made = [
        factories.make_ticket(customer=customer, category=category),
        factories.make_ticket(
            customer=customer,
            category=category,
            subject="Refund (partial) not received",
            description='Promised "within 5 days" — 100% late; code A_B*C.',
        ),
        factories.make_ticket(
            customer=None,
            created_by=agent,
            subject="Label printer drops lines",
            description="Postcodes lose their last line.",
            origin="internal",
            channel="internal",
        ),
    ]
    create_problem(agent, title="Kettles cracked in transit", category_id=category.id)
    feed.share(agent, ticket=made[0], quote="The kettle was cracked.", comment="", tag="delivery")
    return made


def _check_all(query: str, viewer_id: int) -> None:
    page = queue_page(QueueFilters.from_args({"q": query, "status": "any"}), viewer_id=viewer_id)
    assert isinstance(page.tickets, list)
    ids = db.session.scalars(select(Ticket.id).where(ticket_text_filter(query))).all()
    assert isinstance(ids, list)
    for any_word in (True, False):
        ranked = ranked_ticket_ids(query, any_word=any_word)
        assert isinstance(ranked, list)
        assert all(isinstance(t, int) and isinstance(s, float) for t, s in ranked)
    found = staff_search(query)
    assert isinstance(found, StaffResults)
    assert all(isinstance(g.items, list) and g.total >= len(g.items) for g in found.groups)
    for kind in ("tickets", "problems", "posts"):
        assert isinstance(staff_search(query, only=kind).groups, list)


@PROPERTY
@given(query=TYPED)
def test_any_typed_text_searches_without_error(app, corpus, agent, query):
    _check_all(query, agent.id)


@PROPERTY
@given(query=FTS_SYNTAX)
def test_fts_syntax_searches_without_error(app, corpus, agent, query):
    _check_all(query, agent.id)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        '"kettle',
        "kettle)",
        "((((kettle",
        "kettle AND",
        "NOT kettle",
        "NEAR(kettle parcel, 2)",
        "kettle*",
        "^kettle",
        "subject:kettle",
        "-kettle",
        "kettle:*",
        "'kettle' & !parcel",
        "the and of to",
        "a" * 5000,
        ("kettle " * 400).strip(),
        "%_%",
    ],
)
def test_awkward_queries_answer_with_lists(app, corpus, agent, query):
    _check_all(query, agent.id)


def test_syntax_around_real_words_still_finds_them(app, corpus):
    kettle = corpus[0]
    for query in ('"kettle" AND (cracked', "kettle)) NOT*", "KETTLE^ crack", "kett"):
        ids = db.session.scalars(select(Ticket.id).where(ticket_text_filter(query))).all()
        assert kettle.id in ids, query
        group = staff_search(query).groups[0]
        assert kettle in group.items, query
    refund = corpus[1]
    assert list(staff_search('"100%" late').groups[0].items) == [refund]


def test_stop_words_only_search_nothing(app, corpus):
    assert terms("the and of to it") == []
    assert ranked_ticket_ids("the and of") == []
    found = staff_search("the and of")
    assert found.groups == [] and found.total == 0


@given(query=st.text(max_size=300))
def test_terms_are_plain_words(query):
    words = terms(query)
    assert isinstance(words, list)
    assert len(words) <= 8
    assert all(re.fullmatch(r"\w+", w) and w not in STOP_WORDS for w in words)


@given(value=st.text(max_size=300), query=st.text(max_size=100))
def test_highlight_only_adds_marks_to_escaped_text(value, query):
    marked = str(highlight(value, query))
    assert "<" not in marked.replace("<mark>", "").replace("</mark>", "")
    assert html.unescape(re.sub(r"</?mark>", "", marked)) == value


@given(value=st.text(max_size=600), query=st.text(max_size=100))
def test_snippet_is_escaped_and_bounded(value, query):
    shown = str(snippet(value, query, width=120))
    plain = html.unescape(re.sub(r"</?mark>", "", shown))
    assert "<" not in shown.replace("<mark>", "").replace("</mark>", "")
    assert len(plain) <= 120 + 4


def test_highlight_escapes_script():
    marked = str(highlight("<script>alert('kettle')</script>", "kettle"))
    assert "<script>" not in marked
    assert "&lt;script&gt;" in marked
    assert "<mark>kettle</mark>" in marked


def test_highlight_marks_words_case_insensitively():
    marked = str(highlight("The Kettle and the KETTLE", "kettle"))
    assert marked == "The <mark>Kettle</mark> and the <mark>KETTLE</mark>"


def test_highlight_marks_words_the_query_starts():
    assert str(highlight("Parcels were crushed", "parc crush")) == (
        "<mark>Parcels</mark> were <mark>crushed</mark>"
    )
    assert "<mark>" not in str(highlight("a deparcel", "parc"))


def test_highlight_ignores_stop_words_and_syntax():
    assert str(highlight("the kettle", "the")) == "the kettle"
    assert str(highlight("a (kettle)", '"(kettle*')) == "a (<mark>kettle</mark>)"


def test_snippet_centres_on_the_first_match():
    text = ("filler words here " * 30) + "the kettle <b>cracked</b> " + ("more words " * 30)
    shown = str(snippet(text, "kettle", width=120))
    assert shown.startswith("… ") and shown.endswith(" …")
    assert "<mark>kettle</mark>" in shown
    assert "&lt;b&gt;" in shown
