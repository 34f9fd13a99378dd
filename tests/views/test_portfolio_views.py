"""The portfolio over HTTP: the grid counts real work, the log filters and pages, tickets
and every page are free of customers' personal data, and only the learner, their
assessors and admins get in (htmx partials included)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from helpdesk.extensions import db
from helpdesk.models import EvidenceCode, EvidenceRecord, ReflectiveAccount, WitnessTestimony
from helpdesk.tickets import options as opts
from helpdesk.tickets import resolution, services
from tests import factories
from tests.factories import make_learner
from tests.helpers import assert_fragment, count, text
from tests.portfolio import acknowledged_ticket, decide, records
from tests.resolving import option_data

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PERSONAL = (
    "Casey",
    "Jones",
    "casey@example.com",
    "07700 900123",
    "07700900123",
    "ORD-778899",
    "778899",
    "SW1A 1AA",
    "High Street",
    "c.jones@mail.example",
)
DESCRIPTION = (
    "Hi, Casey Jones here. The kettle from order ORD-778899 is cracked. Ring me on "
    "07700 900123 or write to c.jones@mail.example; I am at 12 High Street, SW1A 1AA."
)
STAR = {
    "title": "Calming a worried customer",
    "situation": "A kettle arrived cracked",
    "task": "Find a fix the same week",
    "action": "Restated the problem and offered a replacement",
    "result": "The customer was happy",
}


@pytest.fixture
def casey(casey):
    """Casey, with a phone number for the redaction checks."""
    casey.phone = "07700 900123"
    db.session.commit()
    return casey


@pytest.fixture
def worked(learner, casey):
    """A ticket the learner worked through the services: 1.1, 1.2, 2.1, 2.3, 2.4, 3.4."""
    ticket = acknowledged_ticket(learner, casey, order_ref="ORD-778899", description=DESCRIPTION)
    resolution.ask_question(ticket, learner, "Casey, is the kettle the 1.7 litre one?")
    services.customer_reply(ticket, casey, "Yes. Call me on 07700 900123, Casey")
    option = opts.add_option(ticket, learner, option_data(description="New kettle for Casey"))
    opts.recommend(option, learner)
    services.reply(ticket, learner, "Casey, a new kettle is on its way", update_kind="answer")
    return ticket


def urls(learner, ticket) -> list[str]:
    base = f"/portfolio/{learner.id}"
    return [base, f"{base}/evidence", f"{base}/tickets/{ticket.id}", f"{base}/reflections"]


def grid_counts(body: str, code: str) -> dict[str, int]:
    row = re.search(rf'<tr id="pc-{re.escape(code)}">(.*?)</tr>', body, re.S)
    assert row, f"no row for {code}"
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', row.group(1))}


# --- the grid -----------------------------------------------------------------------------


def test_the_grid_counts_the_learners_actions_by_status(client, login_as, learner, worked):
    decide(records(learner, "acknowledged")[0], "accepted")
    decide(records(learner, "question")[0], "rejected")
    body = text(login_as(learner).get(f"/portfolio/{learner.id}"))
    assert grid_counts(body, "1.1") == {"accepted": 1, "pending": 0, "rejected": 0, "simulated": 0}
    assert grid_counts(body, "1.2") == {"accepted": 0, "pending": 0, "rejected": 1, "simulated": 0}
    for code in ("2.1", "2.3", "2.4", "3.4"):
        assert grid_counts(body, code)["pending"] == 1, code
    assert grid_counts(body, "3.6") == {"accepted": 0, "pending": 0, "rejected": 0, "simulated": 0}
    assert 'class="count heat-1" data-count="accepted">1<' in body
    assert '<th scope="row"><span class="code">1.1</span>' in body
    assert '<th scope="rowgroup" colspan="6">Outcome 1: Spot customer service problems</th>' in body
    assert "<caption>" in body and "Key." in body
    assert "1 ticket (3 needed), over 0 days (14 needed)" in body
    assert "Still missing" in body and "PT2" in body


def test_simulated_work_is_counted_apart_in_the_grid(client, login_as, learner, casey):
    acknowledged_ticket(learner, casey, is_simulated=True)
    body = text(login_as(learner).get(f"/portfolio/{learner.id}"))
    assert grid_counts(body, "1.1") == {"accepted": 0, "pending": 0, "rejected": 0, "simulated": 1}
    log = text(client.get(f"/portfolio/{learner.id}/evidence"))
    assert 'class="simulated"' in log and "Simulated: does not count" in log


def test_the_header_links_a_learner_to_their_portfolio(client, login_as, learner, agent):
    assert f'href="/portfolio/{learner.id}">My portfolio' in text(
        login_as(learner).get("/staff/tickets")
    )
    client.post("/logout")
    assert "My portfolio" not in text(login_as(agent).get("/staff/tickets"))


# --- the evidence log ---------------------------------------------------------------------


def test_the_log_lists_each_item_in_the_units_layout(client, login_as, learner, worked):
    first = records(learner, "acknowledged")[0]
    decide(first, "accepted", initials="AA")
    body = text(login_as(learner).get(f"/portfolio/{learner.id}/evidence"))
    row = re.search(rf'<tr id="evidence-{first.id}">(.*?)</tr>', body, re.S).group(1)
    assert f'<th scope="row">{first.id}</th>' in row
    assert ">WP</abbr>" in row and "Listen and restate the problem" in row
    assert '<span class="badge pc"' in row and ">1.1</span>" in row
    assert "Accepted" in row and "<td>AA</td>" in row
    assert f'href="/portfolio/{learner.id}/tickets/{worked.id}"' in row


def test_the_log_filters_by_criterion_method_and_status(client, login_as, learner, worked):
    decide(records(learner, "question")[0], "accepted")
    login_as(learner)
    base = f"/portfolio/{learner.id}/evidence"

    def listed(query: str) -> set[str]:
        return set(re.findall(r'<tr id="evidence-(\d+)"', text(client.get(base + query))))

    question = str(records(learner, "question")[0].id)
    assert listed("?pc=1.2") == {question}
    assert listed("?status=accepted") == {question}
    assert len(listed("?status=pending")) == len(records(learner)) - 1
    assert listed("?method=O") == set()
    assert "No evidence matches these filters" in text(client.get(base + "?method=O"))
    assert len(listed("?pc=no-such&method=nope&status=odd")) == len(records(learner))


def test_the_log_filters_by_date_in_the_organisations_zone(client, login_as, learner, casey):
    for offset in (0, 10, 20):
        acknowledged_ticket(learner, casey, at=T0 + timedelta(days=offset))
    ids = [str(r.id) for r in records(learner)]
    login_as(learner)
    body = text(
        client.get(f"/portfolio/{learner.id}/evidence?date_from=2026-03-05&date_to=2026-03-12")
    )
    assert re.findall(r'<tr id="evidence-(\d+)"', body) == [ids[1]]
    body = text(client.get(f"/portfolio/{learner.id}/evidence?date_from=2026-03-13"))
    assert re.findall(r'<tr id="evidence-(\d+)"', body) == [ids[2]]


def test_a_bad_date_gets_a_message_and_422(client, login_as, learner, worked, hx):
    login_as(learner)
    response = client.get(f"/portfolio/{learner.id}/evidence?date_from=31/02/2026")
    assert response.status_code == 422
    assert "Enter a date like 2026-03-05." in text(response)
    assert 'aria-invalid="true"' in text(response)
    response = client.get(
        f"/portfolio/{learner.id}/evidence?date_from=2026-03-10&date_to=2026-03-01", headers=hx
    )
    assert response.status_code == 422
    assert "The end date is before the start date." in text(response)
    assert_fragment(text(response), "evidence-list")


def test_htmx_swaps_just_the_list(client, login_as, learner, worked, hx):
    login_as(learner)
    response = client.get(f"/portfolio/{learner.id}/evidence?pc=1.2", headers=hx)
    assert response.status_code == 200
    assert_fragment(text(response), "evidence-list")
    assert "HX-Request" in response.headers.get("Vary", "")


def test_the_log_pages_by_id_without_repeats(client, login_as, learner, casey):
    ticket = acknowledged_ticket(learner, casey)
    for n in range(26):
        services.reply(ticket, learner, f"Update {n}", update_kind="volunteered")
    login_as(learner)
    first = text(client.get(f"/portfolio/{learner.id}/evidence"))
    page_one = re.findall(r'<tr id="evidence-(\d+)"', first)
    assert len(page_one) == 25
    after = re.search(r'href="([^"]*after=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    page_two = re.findall(r'<tr id="evidence-(\d+)"', text(client.get(after)))
    assert len(page_two) == 2 and not set(page_one) & set(page_two)
    assert sorted(map(int, page_one + page_two), reverse=True) == [
        r.id for r in reversed(records(learner))
    ]


# --- no personal data anywhere ----------------------------------------------------------


def assert_no_personal_data(body: str, where: str) -> None:
    lowered = body.lower()
    for value in PERSONAL:
        assert value.lower() not in lowered, f"{value!r} shown on {where}"


@pytest.mark.parametrize("viewer", ["learner", "assessor", "admin"])
def test_no_page_shows_the_customers_personal_data(
    client, login_as, request, learner, worked, viewer, hx
):
    db.session.add(
        ReflectiveAccount(
            learner_id=learner.id,
            ticket_id=worked.id,
            codes=["1.1"],
            **STAR | {"title": "Helping Casey Jones", "result": "Casey rang 07700900123"},
        )
    )
    db.session.commit()
    login_as(request.getfixturevalue(viewer))
    for url in urls(learner, worked):
        for headers in ({}, hx):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, url
            assert_no_personal_data(text(response), url)


def test_the_redacted_ticket_shows_the_timeline_with_customer_a(client, login_as, learner, worked):
    body = text(login_as(learner).get(f"/portfolio/{learner.id}/tickets/{worked.id}"))
    assert_no_personal_data(body, "the redacted ticket")
    assert "Customer A" in body and "(external customer)" in body
    assert "<strong>Customer A</strong> answered the question" in body
    assert "[phone removed]" in body and "[email removed]" in body
    assert "[postcode removed]" in body and "[address removed]" in body
    assert "[reference removed]" in body
    assert "is the kettle the 1.7 litre one?" in body  # the learner's own words stay
    assert "Internal" in body and "Public" in body
    assert "Evidence for" in body


def test_reflections_and_testimony_are_redacted_and_the_witness_named_as_agreed(
    client, login_as, learner, worked, casey
):
    login_as(learner)
    client.post(
        f"/portfolio/{learner.id}/reflections",
        data=STAR | {"situation": "Casey Jones (07700 900123) had a cracked kettle"},
    )
    record = EvidenceRecord(
        learner_id=learner.id,
        framework="A",
        action="customer_confirmed",
        method="WT",
        ticket_id=worked.id,
        summary=f"Witness testimony from the customer on {worked.reference}: “Lee helped Casey”",
        codes=[EvidenceCode(code="3.5", kind="pc")],
    )
    record.testimony = WitnessTestimony(
        ticket_id=worked.id,
        witness_name="C. J.",
        contact="witness-contact@example.net",
        statement="Lee was kind to me, Casey Jones.",
    )
    db.session.add(record)
    db.session.commit()
    reflections = text(client.get(f"/portfolio/{learner.id}/reflections"))
    assert "Customer A ([phone removed]) had a cracked kettle" in reflections
    log = text(client.get(f"/portfolio/{learner.id}/evidence"))
    assert "Lee was kind to me, Customer A." in log
    assert "Witness: C. J. (customer), named as they agreed" in log
    assert "witness-contact" not in log
    for body in (reflections, log):
        assert_no_personal_data(body, "reflections and log")


# --- who may see it -----------------------------------------------------------------------


@pytest.fixture
def outsiders(app, agent, supervisor, other_customer):
    other_learner = make_learner("A", email="olly@example.com", name="Olly Learner")
    other_assessor = factories.make_user("assessor", email="oa@example.com", name="Other Assessor")
    return {
        "another learner": other_learner,
        "another assessor": other_assessor,
        "agent": agent,
        "supervisor": supervisor,
        "customer": other_customer,
    }


@pytest.mark.parametrize(
    "who", ["another learner", "another assessor", "agent", "supervisor", "customer"]
)
def test_everyone_else_is_refused_on_every_url(
    client, login_as, learner, worked, outsiders, who, hx
):
    login_as(outsiders[who])
    for url in urls(learner, worked) + [f"/portfolio/{learner.id}/evidence?pc=1.1"]:
        for headers in ({}, hx):
            response = client.get(url, headers=headers)
            assert response.status_code == 403, (url, headers)
            assert_no_personal_data(text(response), url)
            assert "Lee Learner" not in text(response)
    response = client.post(f"/portfolio/{learner.id}/reflections", data=STAR, headers=hx)
    assert response.status_code == 403
    assert count(ReflectiveAccount) == 0


@pytest.mark.parametrize("viewer", ["assessor", "admin"])
def test_the_assessor_and_admins_can_view(client, login_as, request, learner, worked, viewer):
    login_as(request.getfixturevalue(viewer))
    for url in urls(learner, worked):
        assert client.get(url).status_code == 200, url
    body = text(client.get(f"/portfolio/{learner.id}"))
    assert "Portfolio of Lee Learner" in body


def test_signed_out_people_are_sent_to_sign_in(client, learner, worked, hx):
    for url in urls(learner, worked):
        assert client.get(url).status_code == 302
        assert client.get(url, headers=hx).status_code == 401


def test_not_a_learner_or_not_in_the_portfolio_is_404(
    client, login_as, learner, worked, admin, agent, casey
):
    login_as(admin)
    assert client.get(f"/portfolio/{agent.id}").status_code == 404
    assert client.get(f"/portfolio/{agent.id}/evidence").status_code == 404
    assert client.get("/portfolio/999999").status_code == 404
    other = factories.make_ticket(customer=casey)
    assert client.get(f"/portfolio/{learner.id}/tickets/{other.id}").status_code == 404
    assert client.get(f"/portfolio/{learner.id}/tickets/999999").status_code == 404


# --- reflective accounts ----------------------------------------------------------------


def test_the_learner_writes_a_reflective_account(client, login_as, learner, worked):
    login_as(learner)
    page = text(client.get(f"/portfolio/{learner.id}/reflections"))
    assert "Write a reflective account" in page and 'name="csrf_token"' in page
    assert f'<option value="{worked.id}">{worked.reference}' in page
    data = STAR | {"ticket_id": str(worked.id), "codes": ["1.1", "2.1"]}
    response = client.post(f"/portfolio/{learner.id}/reflections", data=data)
    assert response.status_code == 302
    account = db.session.query(ReflectiveAccount).one()
    assert (account.ticket_id, account.codes, account.title) == (
        worked.id,
        ["1.1", "2.1"],
        STAR["title"],
    )
    page = text(client.get(f"/portfolio/{learner.id}/reflections"))
    assert "Your reflective account is saved." in page
    assert STAR["action"] in page and ">2.1</span>" in page
    # A double-click sends it twice: still one account.
    client.post(f"/portfolio/{learner.id}/reflections", data=data)
    assert count(ReflectiveAccount) == 1


def test_htmx_saves_and_swaps_the_panel(client, login_as, learner, worked, hx):
    login_as(learner)
    response = client.post(f"/portfolio/{learner.id}/reflections", data=STAR, headers=hx)
    assert response.status_code == 200
    assert_fragment(text(response), "reflections-panel")
    assert "Your reflective account is saved." in text(response)
    assert count(ReflectiveAccount) == 1


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "htmx"])
def test_empty_fields_get_messages_and_422(client, login_as, learner, worked, headers):
    login_as(learner)
    response = client.post(
        f"/portfolio/{learner.id}/reflections",
        data={"title": "Kept", "situation": " ", "task": "", "action": "", "result": ""},
        headers=headers,
    )
    assert response.status_code == 422
    body = text(response)
    for message in (
        "Describe the situation.",
        "Say what you had to do.",
        "Say what you did.",
        "Say how it turned out.",
    ):
        assert message in body
    assert 'value="Kept"' in body
    assert count(ReflectiveAccount) == 0


def test_a_ticket_outside_the_portfolio_or_an_unknown_pc_is_refused(
    client, login_as, learner, worked, casey
):
    login_as(learner)
    other = factories.make_ticket(customer=casey)
    response = client.post(
        f"/portfolio/{learner.id}/reflections", data=STAR | {"ticket_id": str(other.id)}
    )
    assert response.status_code == 422 and "Choose one of the listed options." in text(response)
    response = client.post(f"/portfolio/{learner.id}/reflections", data=STAR | {"codes": ["9.9"]})
    assert response.status_code == 422
    assert count(ReflectiveAccount) == 0


@pytest.mark.parametrize("viewer", ["assessor", "admin"])
def test_only_the_learner_may_write(client, login_as, request, learner, worked, viewer):
    login_as(request.getfixturevalue(viewer))
    page = text(client.get(f"/portfolio/{learner.id}/reflections"))
    assert "Write a reflective account" not in page
    assert client.post(f"/portfolio/{learner.id}/reflections", data=STAR).status_code == 403
    assert count(ReflectiveAccount) == 0


def test_a_reflection_without_csrf_is_refused(client, login_as, learner):
    login_as(learner)
    response = client.post(f"/portfolio/{learner.id}/reflections", data=STAR, csrf=False)
    assert response.status_code == 400
    assert count(ReflectiveAccount) == 0


def test_dates_in_the_log_come_from_when_the_work_happened(client, login_as, learner, casey):
    with time_machine.travel(T0, tick=False):
        acknowledged_ticket(learner, casey)
    body = text(login_as(learner).get(f"/portfolio/{learner.id}/evidence"))
    assert "02 Mar 2026 09:00" in body
