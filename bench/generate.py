"""Generate a benchmark database: N tickets with their timelines, on the real schema.

Usage::

    .venv/bin/python bench/generate.py --tickets 100000            # bench/data/helpdesk-100000.db
    .venv/bin/python bench/generate.py --tickets 10000 --db /tmp/x.db

The file is created afresh, the real Alembic migrations are run on it, the two logins
the benchmark uses are made through ``helpdesk.auth.services.create_user``, and the
bulk rows go in through SQLAlchemy Core ``executemany`` in batches of 5,000, one
transaction per batch. ``ANALYZE`` runs at the end so SQLite's planner sees real
statistics. A JSON sidecar next to the database records the logins and the ids the
benchmark needs (``helpdesk-<N>.json``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "bench" / "data"
if str(ROOT) not in sys.path:  # run as a script from anywhere: find the helpdesk package
    sys.path.insert(0, str(ROOT))

AGENT_EMAIL = "agent@bench.example"
CUSTOMER_EMAIL = "customer@bench.example"
PASSWORD = "bench-password-123"  # noqa: S105 - throwaway benchmark logins
SEARCH_WORD = "zebracrossing"  # planted in exactly 1% of descriptions
COMMON_WORD = "courier"  # in the vocabulary: about 40% of tickets mention it
BATCH = 5_000
OTHER_AGENTS = 11
OTHER_CUSTOMERS = 2_000
SPAN = timedelta(days=365)

CATEGORIES = [
    ("Orders and delivery", "Late, missing or damaged deliveries."),
    ("Billing and payments", "Invoices, refunds and card payments."),
    ("Accounts and sign-in", "Passwords, access and account details."),
    ("Products and quality", "Faulty goods and product questions."),
    ("Returns and exchanges", "Sending things back or swapping them."),
    ("Website and app", "Errors and problems using our site."),
]

# (status, weight): roughly a year's worth of work, most of it closed.
STATUSES = [
    ("new", 5),
    ("acknowledged", 8),
    ("awaiting_customer", 6),
    ("options", 3),
    ("awaiting_approval", 2),
    ("agreed", 2),
    ("in_progress", 7),
    ("resolved", 5),
    ("closed_satisfied", 45),
    ("closed_unresolved", 10),
    ("closed_no_response", 7),
]
CLOSED = {"closed_satisfied", "closed_unresolved", "closed_no_response"}
PRIORITIES = [(1, 5), (2, 20), (3, 55), (4, 20)]
CHANNELS = [("web", 50), ("email", 25), ("phone", 15), ("social", 6), ("in_person", 4)]
CAUSES = [None, None, "expectations", "system", "resources", "other"]

FIRST = "Alex Sam Jo Chris Pat Robin Morgan Jamie Casey Taylor Jordan Riley Avery Quinn".split()
LAST = "Smith Jones Patel Khan Brown Wilson Taylor Evans Hughes Clarke Walker Wright".split()
THINGS = """parcel order invoice refund account password delivery courier kettle toaster
blender lamp chair desk printer cable charger voucher subscription basket payment card
website app login email receipt label box warranty battery screen keyboard""".split()
PROBLEMS = """missing late damaged broken wrong duplicated cancelled declined locked
overcharged unreadable lost delayed faulty incomplete rejected expired stuck""".split()
WORDS = """the a my our your it was is not has been still again after before when since
please could would help need want arrived came ordered paid tried called emailed
waited twice three days week weeks yesterday today morning evening box inside outside
colour size number reference tracking courier driver depot address postcode neighbour
door left signed photo screenshot error message page button screen total charge bank
statement refund credit note replacement repair engineer visit store branch manager
promised told said expected instead different same another second first last time
works working stopped started broken cracked scratched dented leaking noisy slow
quickly urgently properly""".split()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="how many (100,000)")
    parser.add_argument("--db", type=Path, help="database file (bench/data/helpdesk-<N>.db)")
    parser.add_argument("--seed", type=int, default=20_240_601)
    return parser.parse_args(argv)


def default_db_path(tickets: int) -> Path:
    return DATA_DIR / f"helpdesk-{tickets}.db"


def sidecar_path(db_path: Path) -> Path:
    return db_path.with_suffix(".json")


def weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def salad(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS if rng.random() < 0.8 else THINGS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def subject(rng: random.Random) -> str:
    return f"{rng.choice(THINGS).capitalize()} {rng.choice(PROBLEMS)} {salad(rng, 3)[:-1].lower()}"


def description(rng: random.Random, planted: bool) -> str:
    sentences = [salad(rng, rng.randint(6, 14)) for _ in range(rng.randint(2, 5))]
    if planted:
        at = rng.randrange(len(sentences))
        sentences[at] = sentences[at][:-1] + f" near the {SEARCH_WORD}."
    return " ".join(sentences)


def batched(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Generator:
    """Builds ticket and event rows; ids are assigned here so the two stay in step."""

    def __init__(
        self, tickets: int, seed: int, agents: list[int], customers: list[int], columns: set[str]
    ) -> None:
        self.n = tickets
        self.columns = columns
        self.rng = random.Random(seed)
        self.agents = agents
        self.customers = customers
        self.bench_agent, self.bench_customer = agents[0], customers[0]
        self.end = datetime.now(UTC).replace(microsecond=0)
        self.start = self.end - SPAN
        self.event_id = 0
        self.event_count = 0
        self.planted = 0
        self.common = 0
        # A recent, open ticket of the bench customer with a long timeline.
        self.workspace_ticket = max(1, tickets - tickets // 20)
        # Creation times in id order, as a live system would have them.
        span = SPAN.total_seconds()
        self.offsets = sorted(self.rng.random() * span for _ in range(tickets))

    def tickets(self) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        for tid in range(1, self.n + 1):
            yield self._ticket(tid)

    def _ticket(self, tid: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng = self.rng
        rich = tid == self.workspace_ticket
        created = self.start + timedelta(seconds=self.offsets[tid - 1])
        status = "in_progress" if rich else weighted(rng, STATUSES)
        internal = not rich and rng.random() < 0.05
        channel = "internal" if internal else weighted(rng, CHANNELS)
        customer = self._customer(rich, internal)
        creator = self._creator(channel, customer, internal)
        assignee = self._assignee(status)
        planted = tid % 100 == 37
        self.planted += planted
        text = description(rng, planted)

        line = _Timeline(self, tid, created)
        line.step(
            "created",
            creator,
            customer is not None,
            text,
            data={
                "channel": channel,
                "origin": "internal" if internal else "customer",
                "on_behalf": creator != customer,
            },
        )
        stamps: dict[str, datetime | None] = dict.fromkeys(STAMPS)
        if status != "new":
            stamps.update(self._work(line, status, assignee or self.bench_agent, customer, rich))
        clock, events = line.clock, line.events
        self.event_count += len(events)
        ticket: dict[str, Any] = {
            "id": tid,
            "subject": subject(rng),
            "description": text,
            "category_id": None if rng.random() < 0.02 else rng.randint(1, len(CATEGORIES)),
            "customer_id": customer,
            "created_by_id": creator,
            "assignee_id": assignee,
            "status": status,
            "priority": 2 if rich else weighted(rng, PRIORITIES),
            "channel": channel,
            "origin": "internal" if internal else "customer",
            "cause": rng.choice(CAUSES) if status in CLOSED else None,
            "order_ref": f"ORD-{rng.randint(100000, 999999)}" if rng.random() < 0.4 else None,
            "is_simulated": False,
            "idempotency_key": None,
            "created_at": created,
            "updated_at": clock,
            **stamps,
            "version": len(events),
        }
        self._clocks(ticket)
        self.common += COMMON_WORD in ticket["subject"].lower() or COMMON_WORD in text.lower()
        return {k: v for k, v in ticket.items() if k in self.columns}, events

    def _customer(self, rich: bool, internal: bool) -> int | None:
        """The bench customer owns the workspace ticket and a few others; staff reports none."""
        if rich:
            return self.bench_customer
        if internal:
            return None
        if self.rng.random() < 0.001:
            return self.bench_customer
        return self.rng.choice(self.customers)

    def _creator(self, channel: str, customer: int | None, internal: bool) -> int:
        """An agent raises reports and half the tickets that arrive by phone, in person or
        email; customers raise the rest themselves."""
        on_behalf = channel in ("phone", "in_person", "email") and self.rng.random() < 0.5
        if internal or on_behalf or customer is None:
            return self.rng.choice(self.agents)
        return customer

    def _assignee(self, status: str) -> int | None:
        rng = self.rng
        if status != "new" or rng.random() < 0.1:
            return self.bench_agent if rng.random() < 0.1 else rng.choice(self.agents)
        return None

    def _work(
        self, line: _Timeline, status: str, staff: int, customer: int | None, rich: bool
    ) -> dict[str, datetime | None]:
        """Staff pick the ticket up, talk it through and move it to ``status``."""
        if rich or self.rng.random() < 0.2:
            line.step("assigned", staff, False, data={"from": None, "to": f"Agent {staff}"})
        line.step("acknowledged", staff, True, salad(self.rng, 12))
        stamps = dict.fromkeys(STAMPS)
        stamps["acknowledged_at"] = stamps["first_response_at"] = line.clock
        stamps["last_public_update_at"] = self._conversation(line, staff, customer, rich)
        stamps.update(self._outcome(line, status, staff, customer))
        return stamps

    def _conversation(
        self, line: _Timeline, staff: int, customer: int | None, rich: bool
    ) -> datetime:
        """Replies, messages and notes; returns when the customer last heard from staff."""
        rng = self.rng
        last_public = line.clock
        if rich or rng.random() < 0.4:
            line.step("reply", staff, True, salad(rng, rng.randint(10, 30)))
            last_public = line.clock
        if customer is not None and (rich or rng.random() < 0.3):
            line.step("customer_message", customer, True, salad(rng, rng.randint(8, 20)))
        if rich or rng.random() < 0.2:
            line.step("note", staff, False, salad(rng, rng.randint(5, 15)))
        if rich:
            line.step("classified", staff, False, data={"priority": [3, 2]})
            line.step("reply", staff, True, salad(rng, 20))
            line.step("customer_message", customer, True, salad(rng, 12))
        return last_public

    def _outcome(
        self, line: _Timeline, status: str, staff: int, customer: int | None
    ) -> dict[str, datetime | None]:
        """The move to the ticket's status, and the times that status implies."""
        stamps: dict[str, datetime | None] = {}
        if status != "acknowledged":
            line.step("status_changed", staff, False, data={"from": "new", "to": status})
        if status in ("resolved", "closed_satisfied", "closed_no_response"):
            stamps["resolved_at"] = line.clock
        if status in CLOSED:
            stamps["closed_at"] = line.clock
        if status == "acknowledged" and customer is not None and self.rng.random() < 0.05:
            # Resolved, then the customer said "not solved": it jumps the agent's queue.
            reopen = {"from": "acknowledged", "to": "resolved"}
            line.step("status_changed", staff, False, data=reopen)
            line.step("customer_reopened", customer, True, salad(self.rng, 10), {"solved": False})
            line.step("status_changed", customer, False, data={"from": "resolved", "to": status})
            stamps["reopened_at"] = line.clock
        return stamps

    def _clocks(self, ticket: dict[str, Any]) -> None:
        """Service-target deadlines, worked out by the app's own rule when it has one."""
        if sla is None:
            return
        holder = _ClockHolder(ticket)
        sla.refresh(cast(Any, holder), sla.DEFAULT_MINUTES[ticket["priority"]])
        for name in DEADLINES:
            ticket[name] = getattr(holder, name, None)


# The times a ticket's work sets, each None until that moment comes.
STAMPS = (
    "acknowledged_at",
    "first_response_at",
    "last_public_update_at",
    "closed_at",
    "resolved_at",
    "reopened_at",
)


class _Timeline:
    """One ticket's events, each a little after the last and never after "now"."""

    def __init__(self, generator: Generator, ticket_id: int, created: datetime) -> None:
        self.generator = generator
        self.ticket_id = ticket_id
        self.clock = created
        self.events: list[dict[str, Any]] = []

    def step(
        self, kind: str, actor: int | None, public: bool, body: str = "", data: Any = None
    ) -> None:
        gen = self.generator
        if self.events:
            minutes = gen.rng.randint(5, 60 * 48)
            self.clock = min(gen.end, self.clock + timedelta(minutes=minutes))
        gen.event_id += 1
        self.events.append(
            {
                "id": gen.event_id,
                "ticket_id": self.ticket_id,
                "actor_id": actor,
                "kind": kind,
                "is_public": public,
                "body": body,
                "data": data or {},
                "idempotency_key": None,
                "created_at": self.clock,
            }
        )


try:  # the SLA clocks arrived with migration 0002; older checkouts have none
    from helpdesk.tickets import sla
except ImportError:  # pragma: no cover
    sla = None  # type: ignore[assignment]

DEADLINES = ("first_response_due_at", "next_update_due_at", "resolution_due_at", "sla_due_at")


class _ClockHolder:
    """The fields helpdesk.tickets.sla.refresh reads and writes, over a plain row."""

    customer = None
    status: str

    def __init__(self, row: dict[str, Any]) -> None:
        self.__dict__.update(row)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED


def migrate(db_path: Path) -> Any:
    """A fresh file with the real migrations applied; returns the app for further work."""
    from flask_migrate import upgrade

    from helpdesk import create_app
    from helpdesk.config import Config

    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    # The sidecar is written last: without it, a half-built database is rebuilt next run.
    sidecar_path(db_path).unlink(missing_ok=True)
    app = create_app(
        Config,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}",
        UPLOAD_FOLDER=str(DATA_DIR / "uploads"),
    )
    with app.app_context():
        upgrade()
    return app


def generate(tickets: int, db_path: Path, seed: int) -> dict[str, Any]:
    from sqlalchemy import insert, text

    from helpdesk.auth.services import create_user
    from helpdesk.extensions import db
    from helpdesk.models import Category, Route, Ticket, TicketEvent, User, UserRole
    from helpdesk.unit_of_work import unit_of_work

    db_path.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    app = migrate(db_path)
    with app.app_context():
        with unit_of_work():  # services only flush: the two logins must be committed
            agent = create_user(
                email=AGENT_EMAIL,
                name="Bench Agent",
                roles={"agent"},
                password=PASSWORD,
                authority_limit_minor=5_000,
            )
            customer = create_user(
                email=CUSTOMER_EMAIL, name="Bench Customer", roles={"customer"}, password=PASSWORD
            )
        agent_id, customer_id = agent.id, customer.id
        db.session.remove()
        rng = random.Random(seed)
        created = datetime.now(UTC) - SPAN - timedelta(days=30)
        next_id = max(agent_id, customer_id) + 1
        agents = [agent_id, *range(next_id, next_id + OTHER_AGENTS)]
        first_customer = next_id + OTHER_AGENTS
        customers = [customer_id, *range(first_customer, first_customer + OTHER_CUSTOMERS)]
        users = [
            {
                "id": uid,
                "email": f"{'agent' if uid in agents else 'customer'}{uid}@bench.example",
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "password_hash": None,
                "active": True,
                "is_internal_customer": False,
                "department": None,
                "phone": None,
                "authority_limit_minor": 0,
                "can_approve_exceptions": False,
                "session_generation": 0,
                "created_at": created,
            }
            for uid in [*agents[1:], *customers[1:]]
        ]
        roles = [
            {"user_id": u["id"], "role": "agent" if u["id"] in agents else "customer"}
            for u in users
        ]
        gen = Generator(tickets, seed, agents, customers, set(Ticket.__table__.c.keys()))
        with db.engine.begin() as conn:
            conn.execute(insert(User), users)
            conn.execute(insert(UserRole), roles)
            conn.execute(
                insert(Category),
                [
                    {"id": i, "name": n, "description": d, "active": True}
                    for i, (n, d) in enumerate(CATEGORIES, 1)
                ],
            )
            conn.execute(
                insert(Route),
                [
                    {
                        "kind": "article",
                        "title": f"What to do when your {thing} is {problem}",
                        "summary": salad(rng, 15),
                        "body": salad(rng, 60),
                        "contact": "",
                        "keywords": f"{thing} {problem}",
                        "active": True,
                        "created_at": created,
                    }
                    for thing, problem in zip(THINGS[:40], PROBLEMS * 3, strict=False)
                ],
            )
        ticket_rows: list[dict[str, Any]] = []
        event_rows: list[dict[str, Any]] = []

        def flush() -> None:
            with db.engine.begin() as conn:
                conn.execute(insert(Ticket), ticket_rows)
                conn.execute(insert(TicketEvent), event_rows)
            ticket_rows.clear()
            event_rows.clear()

        for ticket, events in gen.tickets():
            ticket_rows.append(ticket)
            event_rows.extend(events)
            if len(ticket_rows) >= BATCH:
                flush()
                print(f"\r  {ticket['id']:,} / {tickets:,} tickets", end="", file=sys.stderr)
        if ticket_rows:
            flush()
        print(file=sys.stderr)
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
            # A checkpoint cannot run inside a transaction, and the app's engine begins
            # one explicitly (helpdesk.sqlite): run it on the driver's connection itself.
            conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    info = {
        "tickets": tickets,
        "events": gen.event_count,
        "customers": len(customers),
        "agents": len(agents),
        "agent_email": AGENT_EMAIL,
        "customer_email": CUSTOMER_EMAIL,
        "password": PASSWORD,
        "search_word": SEARCH_WORD,
        "search_matches": gen.planted,
        "common_word": COMMON_WORD,
        "common_matches": gen.common,
        "workspace_ticket_id": gen.workspace_ticket,
        "seed": seed,
        "generated_at": gen.end.isoformat(),
        "seconds": round(time.perf_counter() - began, 1),
    }
    sidecar_path(db_path).write_text(json.dumps(info, indent=2) + "\n")
    return info


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.tickets < 100:
        raise SystemExit("--tickets must be at least 100")
    db_path = (args.db or default_db_path(args.tickets)).resolve()
    print(f"Generating {args.tickets:,} tickets into {db_path}", file=sys.stderr)
    info = generate(args.tickets, db_path, args.seed)
    print(
        f"Done in {info['seconds']} s: {info['tickets']:,} tickets, {info['events']:,} events, "
        f"{info['customers']:,} customers; '{SEARCH_WORD}' in {info['search_matches']:,} "
        "descriptions.",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
