"""Matching what a customer types to the organisation's other routes to a fix."""

from __future__ import annotations

from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models import Deflection, Ticket
from helpdesk.selfservice.matching import record_deflection, suggest_routes, words
from tests.factories import make_route


def test_words_drops_stop_words_and_short_words_and_folds_plurals():
    assert words("I got my PARCELS on it, but the lid is cracked!") == {"parcel", "lid", "cracked"}


def test_title_and_keyword_hits_outrank_summary_hits(app):
    in_summary = make_route(title="Delivery times", summary="Late refund questions")
    in_title = make_route(title="Refund policy")
    in_keywords = make_route(title="Money back", keywords="refund, return")
    in_both = make_route(title="Refund a return", keywords="refund")
    unrelated = make_route(title="Opening hours", keywords="phone")

    found = suggest_routes("How do I get a refund for my return?")

    assert [r.id for r in found] == [in_both.id, in_keywords.id, in_title.id, in_summary.id]
    assert unrelated not in found


def test_equal_scores_keep_the_oldest_route_first(app):
    first = make_route(title="Broken kettle")
    second = make_route(title="Kettle guarantee")
    assert [r.id for r in suggest_routes("kettle")] == [first.id, second.id]


def test_stop_words_only_match_nothing(app):
    make_route(title="What to do when it is not there", keywords="the and what")
    assert suggest_routes("what is the and of it") == []
    assert suggest_routes("") == []
    assert suggest_routes("   ?! ") == []


def test_inactive_routes_are_hidden(app):
    make_route(title="Old refund form", active=False)
    shown = make_route(title="Refund form")
    assert suggest_routes("refund form") == [shown]


def test_at_most_five_by_default_and_the_limit_is_honoured(app):
    for n in range(7):
        make_route(title=f"Warranty claim {n}")
    assert len(suggest_routes("warranty")) == 5
    assert len(suggest_routes("warranty", limit=2)) == 2
    assert len(suggest_routes("warranty", limit=20)) == 7


def test_a_very_long_text_is_matched_on_its_start_only(app):
    route = make_route(title="Damaged parcel")
    assert suggest_routes("parcel " + "x " * 5_000) == [route]
    assert suggest_routes("x " * 5_000 + "parcel") == []


def test_record_deflection_counts_a_customer_helped_without_a_ticket(app, customer):
    route = make_route(title="Track a parcel")
    deflection = record_deflection(route, customer, "where is my parcel")
    assert deflection.id is not None
    assert deflection.route_id == route.id
    assert deflection.user_id == customer.id
    assert db.session.scalar(select(func.count()).select_from(Deflection)) == 1
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_record_deflection_without_a_signed_in_person(app):
    route = make_route(title="Track a parcel")
    assert record_deflection(route, None, "q" * 10_000).query_text == "q" * 5_000
