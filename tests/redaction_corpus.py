"""Play a redaction corpus case through the app as the people would type it, and read
back every output a portfolio reader sees (the corpus tests and nothing else).

A case (see ``../shared/redaction/README.md``) names the people the helpdesk knows, who
typed the text (customer, learner or assessor) and the strings that must be gone or stay.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from helpdesk.evidence.decisions import decide
from helpdesk.evidence.redaction import CustomerDetails, build_context
from helpdesk.evidence.reflections import ReflectionData, add_reflection
from helpdesk.evidence.services import add_note
from helpdesk.frameworks import catalogue
from helpdesk.iqa.services import SampleRequest, draw_sample
from helpdesk.models import User
from helpdesk.tickets import options as opts
from helpdesk.tickets import promises, resolution, services
from tests import factories
from tests.assessing import observe
from tests.conftest import CSRFClient, login
from tests.export_data import pdf_text
from tests.factories import make_learner
from tests.portfolio import profile_of, records
from tests.resolving import option_data

HERE = Path(__file__).resolve().parent
OWN_CASES = HERE / "data" / "redaction_cases.jsonl"
NEUTRAL = "The kettle stopped working after a week."
LEARNER_NAMES = ("Lee Learner", "Robin Trainee", "Alex Apprentice")


def load(path: Path) -> list[dict[str, Any]]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            cases.append(json.loads(line))
    return cases


def redact_case(case: dict[str, Any]) -> str:
    """The case's text redacted by the service alone, its people known as the app knows
    them: customers by name and email, staff by name, an address the customer typed."""
    customers = [
        CustomerDetails(key=i, name=p["name"], email=p.get("email", ""))
        for i, p in enumerate(case["people"])
        if p["role"] == "customer"
    ]
    staff = [p["name"] for p in case["people"] if p["role"] == "staff"]
    context = build_context(customers, staff=staff)
    for person in case["people"]:
        context.learn(person.get("address"))
    return context.redact(case["text"])


@dataclass
class Outputs:
    """Each output's readable text, and the outputs that show the case's own text."""

    pages: dict[str, str] = field(default_factory=dict)
    showing: set[str] = field(default_factory=set)
    raw: dict[str, str] = field(default_factory=dict)


# Not the reader's view of the portfolio: hidden inputs (random keys), scripts, styles and
# a form field's fixed hint ("For example “Phone line, Leeds office”").
_HIDDEN = re.compile(
    r"<input[^>]*type=\"hidden\"[^>]*>|<script.*?</script>|<style.*?</style>"
    r"|<p class=\"hint\"[^>]*>.*?</p>",
    re.S,
)


# Attributes that carry our own ids and names, never typed text.
_OWN_ATTRIBUTES = re.compile(
    r"\s(?:href|src|action|id|for|name|class|method|type|form|rows|cols|maxlength|"
    r"autocomplete|hx-[\w-]+|aria-[\w-]+|data-[\w-]+)=\"[^\"]*\""
)
# Our own references and clock times: their digits are not a customer's ("T-004242").
_OURS = re.compile(r"\b[TP]-\d+\b|\b\d{1,2}:\d{2}\b|/\d+(?=[/?#\"]|$)")


def visible(body: str) -> tuple[str, str]:
    """(the page as markup less what no reader sees as data, its text), both unescaped."""
    body = _OWN_ATTRIBUTES.sub(" ", _HIDDEN.sub(" ", body))
    words = re.sub(r"<[^>]+>", " ", body)
    return ours_removed(html.unescape(body)), " ".join(html.unescape(words).split())


def ours_removed(text: str) -> str:
    return _OURS.sub(" ", text)


def _learner_name(case: dict[str, Any]) -> str:
    staff = [p["name"] for p in case["people"] if p["role"] == "staff"]
    if staff:
        return staff[0]
    gone = " ".join(case["gone"])
    return next(n for n in LEARNER_NAMES if not any(w in gone for w in n.split()))


def _customers(case: dict[str, Any], index: int) -> list[User]:
    made = []
    for number, person in enumerate(p for p in case["people"] if p["role"] == "customer"):
        email = person.get("email") or f"case{index}-{number}@customers.test"
        made.append(factories.make_user("customer", email=email, name=person["name"]))
    for person in [p for p in case["people"] if p["role"] == "staff"][1:]:
        factories.make_user("agent", name=person["name"])
    return made


def signed_in(app: Flask, user: User) -> FlaskClient:
    """A fresh browser signed in through the real login form."""
    app.test_client_class = CSRFClient
    client = app.test_client()
    login(client, user.email)
    return client


def play(case: dict[str, Any], index: int, app: Flask, assessor: User) -> Outputs:
    """Put the case's text where its author types it, then read every output."""
    customers = _customers(case, index)
    learner = make_learner("A", assessors=(assessor,), name=_learner_name(case))
    iqa = factories.make_user("iqa", name="Ira Quality")
    author, text = case["author"], case["text"]
    addresses = " ".join(
        f"My address is {p['address']}." for p in case["people"] if p.get("address")
    )
    customer = customers[0]
    description = text if author == "customer" else NEUTRAL
    ticket = factories.make_ticket(
        customer=customer,
        created_by=customer,
        description=f"{description} {addresses}".strip(),
    )
    said = text if author == "learner" else "A kettle that works"
    services.acknowledge(ticket, learner, need=said, impact="No tea", feeling="Let down")
    if author == "learner":
        services.reply(ticket, learner, text, update_kind="volunteered")
        option = opts.add_option(ticket, learner, option_data(description=text))
        opts.recommend(option, learner)
        opts.offer(ticket, learner, [option])
        opts.customer_agree(option, customer)
        promises.make_promise(
            ticket,
            learner,
            description=text,
            owner=learner,
            due_at=datetime.now(UTC) + timedelta(days=2),
        )
        add_note(records(learner)[0], learner, text)
        add_reflection(
            learner,
            profile_of(learner),
            catalogue().frameworks["A"],
            ReflectionData(
                title="A ticket I handled",
                situation=text,
                task="Put it right",
                action="Listened, then acted",
                result="Resolved",
                ticket_id=ticket.id,
                codes=("1.1",),
            ),
        )
    if author == "customer":
        services.customer_reply(ticket, customer, text)
    resolution.resolve(ticket, learner, "A new kettle was delivered")
    resolution.customer_confirm(
        ticket,
        customer,
        solved=True,
        rating=5,
        comment="",
        did_well=text if author == "customer" else "Kept me informed",
        consent=True,
        witness_name=customer.name,
        witness_contact=customer.email,
    )
    observation = observe(
        assessor,
        learner,
        [ticket],
        ["1.1"],
        comments=text if author == "assessor" else "Calm and clear.",
    )
    feedback = text if author == "assessor" else "Good work."
    decidable = [r for r in records(learner) if r.status == "pending" and r.method != "WT"]
    for record in decidable:
        decide(record, assessor, True, feedback)
    pending = [r for r in records(learner) if r.status == "pending"]
    sample = draw_sample(iqa, SampleRequest(assessor.id, learner_ids=(learner.id,), size=50))
    ids = (ticket.id, observation.id, sample.id)
    return _read(app, learner, assessor, iqa, ids, author, bool(pending))


def _read(
    app: Flask,
    learner: User,
    assessor: User,
    iqa: User,
    ids: tuple[int, int, int],
    author: str,
    pending: bool,
) -> Outputs:
    out = Outputs()
    base = f"/portfolio/{learner.id}"
    ticket_id, observation_id, sample_id = ids
    client = signed_in(app, learner)

    def page(name: str, url: str, *, shows: tuple[str, ...] = ()) -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if url.endswith(".pdf"):
            words = pdf_text(response.data)
            raw = ours_removed(words)
        elif url.endswith(".csv"):
            words = response.data.decode("utf-8-sig")
            raw = ours_removed(words)
        else:
            raw, words = visible(response.get_data(as_text=True))
        out.pages[name], out.raw[name] = words, raw
        if author in shows:
            out.showing.add(name)

    everyone = ("customer", "learner", "assessor")
    page("portfolio overview", base)
    page("evidence log", f"{base}/evidence", shows=everyone)
    page("redacted ticket", f"{base}/tickets/{ticket_id}", shows=("customer", "learner"))
    page("reflections", f"{base}/reflections", shows=("learner",))
    page("observations (learner)", f"{base}/observations")
    page("observation (learner)", f"{base}/observations/{observation_id}", shows=("assessor",))
    for record in records(learner):
        page(f"evidence item {record.id}", f"{base}/evidence/{record.id}")
    page("PDF", f"{base}/export.pdf", shows=everyone)
    page("CSV", f"{base}/export.csv", shows=everyone)
    client = signed_in(app, assessor)
    page("assessor review", f"/assess/{learner.id}/review", shows=("customer",) if pending else ())
    page("assessor observations", f"/assess/{learner.id}/observations")
    page("assessor observation", f"/assess/observations/{observation_id}", shows=("assessor",))
    page("assessor watch", f"/assess/observations/{observation_id}/watch/{ticket_id}")
    page("assessor sign-off", f"/assess/{learner.id}/sign-off")
    client = signed_in(app, iqa)
    page("IQA sample", f"/iqa/samples/{sample_id}", shows=("learner", "assessor"))
    return out


def problems(case: dict[str, Any], out: Outputs) -> list[str]:
    """Every leak (a ``gone`` string in any output) and over-redaction (a ``stay`` string
    missing from an output that shows the text)."""
    found = []
    for name, raw in out.raw.items():
        for gone in case["gone"]:
            if gone in raw or gone in ours_removed(out.pages[name]):
                found.append(f"{case['id']}: {gone!r} leaked into the {name}")
    for name in sorted(out.showing):
        for stay in case["stay"]:
            if stay not in out.pages[name]:
                found.append(f"{case['id']}: {stay!r} was removed from the {name}")
    return found
