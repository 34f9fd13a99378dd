"""Benchmark the staff queue and friends against a generated database, served by gunicorn.

Usage::

    .venv/bin/python bench/run.py --tickets 100000          # generate if missing, then measure
    .venv/bin/python bench/run.py --compare 10000,100000    # both sizes and the p95 ratio

For each scenario it signs in through the real /login form, warms up, then times a
bounded number of sequential requests over loopback (connect, request and the whole
body) and prints the median and 95th percentile against the target. Every response
must be a 200 with the page's own marker in it, or the run stops with an error.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import math
import os
import platform
import re
import shlex
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA_DIR = BENCH / "data"
HOST = "127.0.0.1"  # loopback only
SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105
RATIO_TARGET = 1.5
MAX_REQUESTS = 10_000  # a hard bound on any one loop
MISSING_WORD = "quokkaparade"  # in no ticket: worst case for a scan, instant for an index

CSRF_RE = re.compile(
    r'name="csrf_token"[^>]*?value="([^"]+)"|value="([^"]+)"[^>]*?name="csrf_token"'
)
NEXT_RE = re.compile(r'<a href="([^"]*)"[^>]*>Next page</a>')


class BenchError(RuntimeError):
    """The benchmark cannot go on: a wrong status, a missing page element, a dead server."""


@dataclass
class Scenario:
    key: str
    label: str
    path: str
    target_ms: float
    marker: str  # text every good response contains
    who: str = "agent"
    headers: dict[str, str] = field(default_factory=dict)  # e.g. htmx's HX-Request
    absent: str = ""  # text no good response contains (a fragment has no "<html")


@dataclass
class Result:
    key: str
    label: str
    path: str
    target_ms: float
    requests: int
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float
    bytes: int
    samples_ms: list[float] = field(default_factory=list, repr=False)
    ok: bool = field(init=False)

    def __post_init__(self) -> None:
        self.ok = self.p95_ms <= self.target_ms


# ---------------------------------------------------------------- HTTP client (stdlib only)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    elapsed_ms: float


class Client:
    """One signed-in person: a cookie jar and a fresh loopback connection per request.

    gunicorn's sync workers close the connection after each response, so a new
    connection per request is what any client gets; connecting over loopback is part
    of the time measured and costs a few tens of microseconds.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        extra: dict[str, str] | None = None,
    ) -> Response:
        headers = {"Host": f"{HOST}:{self.port}", "Connection": "close", **(extra or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        began = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        elapsed = (time.perf_counter() - began) * 1000
        for header in resp.msg.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return Response(
            resp.status, {k.lower(): v for k, v in resp.getheaders()}, raw.decode(), elapsed
        )

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, extra=headers)

    def login(self, email: str, password: str) -> None:
        page = self.get("/login")
        if page.status != 200:
            raise BenchError(f"GET /login answered {page.status}")
        found = CSRF_RE.search(page.body)
        if not found:
            raise BenchError("no csrf_token field on the login page")
        token = html.unescape(found.group(1) or found.group(2))
        resp = self.request(
            "POST",
            "/login",
            {"csrf_token": token, "email": email, "password": password, "next": ""},
        )
        location = resp.headers.get("location", "")
        if resp.status != 302 or urlsplit(location).path.startswith("/login"):
            raise BenchError(f"sign-in as {email} failed: {resp.status} {location!r}")


# ---------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def gunicorn_path() -> str:
    beside = Path(sys.executable).parent / "gunicorn"
    if beside.exists():
        return str(beside)
    venv = ROOT / ".venv" / "bin" / "gunicorn"
    if venv.exists():
        return str(venv)
    raise BenchError("gunicorn not found next to this Python or in .venv/bin")


@contextmanager
def serve(db_path: Path, workers: int, log_path: Path) -> Iterator[int]:
    """Run gunicorn on a free loopback port for the duration; always stop it after."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_DEBUG", "FLASK_ENV")}
    env.update(
        DATABASE_URL=f"sqlite:///{db_path}",
        SECRET_KEY=SECRET_KEY,
        UPLOAD_FOLDER=str(DATA_DIR / "uploads"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    cmd = [gunicorn_path(), "-w", str(workers), "-b", f"{HOST}:{port}", "wsgi:app"]
    log = log_path.open("w")
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_until_up(proc, port, log_path)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def wait_until_up(proc: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(
                f"gunicorn exited with {proc.returncode}; see {log_path}\n{tail(log_path)}"
            )
        try:
            Client(port).get("/login")  # any answer will do; sign-in checks for a 200
            return
        except OSError:
            pass
        time.sleep(0.1)
    raise BenchError(f"gunicorn did not answer within 30 s; see {log_path}\n{tail(log_path)}")


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ---------------------------------------------------------------- measuring


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with pct% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def fetch(client: Client, scenario: Scenario) -> Response:
    resp = client.get(scenario.path, scenario.headers)
    if resp.status != 200:
        raise BenchError(f"{scenario.label}: GET {scenario.path} answered {resp.status}")
    if scenario.marker not in resp.body:
        raise BenchError(f"{scenario.label}: GET {scenario.path} lacks {scenario.marker!r}")
    if scenario.absent and scenario.absent in resp.body:
        raise BenchError(f"{scenario.label}: GET {scenario.path} has {scenario.absent!r}")
    return resp


def summarise(scenario: Scenario, times: list[float], size: int) -> Result:
    return Result(
        key=scenario.key,
        label=scenario.label,
        path=scenario.path,
        target_ms=scenario.target_ms,
        requests=len(times),
        median_ms=statistics.median(times),
        p95_ms=percentile(times, 95),
        min_ms=min(times),
        max_ms=max(times),
        bytes=size,
        samples_ms=[round(t, 3) for t in times],
    )


@dataclass
class Site:
    """One database served by its own gunicorn, with its signed-in clients and scenarios."""

    db_path: Path
    tickets: int
    plan: list[Scenario]
    clients: dict[str, Client]
    times: dict[str, list[float]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)


def measure(sites: list[Site], requests: int, warmup: int) -> None:
    """Warm up, then time ``requests`` rounds of every scenario on every site.

    Scenarios (and, when comparing, the two databases) take turns request by request
    rather than running one after another, so a burst of load from elsewhere on the
    machine is shared out instead of landing on whichever one happened to be running;
    the ratio between sizes then compares like with like.
    """
    for site in sites:
        for scenario in site.plan:
            for _ in range(min(warmup, MAX_REQUESTS)):
                fetch(site.clients[scenario.who], scenario)
            site.times[scenario.key] = []
    for turn in range(min(requests, MAX_REQUESTS)):
        order = sites if turn % 2 == 0 else sites[::-1]
        for index in range(len(sites[0].plan)):
            for site in order:
                scenario = site.plan[index]
                resp = fetch(site.clients[scenario.who], scenario)
                site.times[scenario.key].append(resp.elapsed_ms)
                site.sizes[scenario.key] = len(resp.body)


def deep_path(client: Client, start: str, pages: int) -> tuple[str, int]:
    """Follow the queue's 'Next page' links ``pages`` times; return the URL and depth reached."""
    path, depth = start, 0
    for _ in range(min(pages, MAX_REQUESTS)):
        resp = client.get(path)
        if resp.status != 200:
            raise BenchError(f"deep paging: GET {path} answered {resp.status}")
        found = NEXT_RE.search(resp.body)
        if not found:
            break
        path, depth = html.unescape(found.group(1)), depth + 1
    if depth == 0:
        raise BenchError("deep paging: the first queue page has no 'Next page' link")
    return path, depth


def read_info(db_path: Path) -> dict[str, Any]:
    sidecar = db_path.with_suffix(".json")
    if sidecar.exists():
        return dict(json.loads(sidecar.read_text()))
    raise BenchError(f"{sidecar} is missing: regenerate with bench/generate.py --db {db_path}")


def count_tickets(db_path: Path) -> int:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM tickets").fetchone()[0])


def scenarios(info: dict[str, Any], deep: str, depth: int) -> list[Scenario]:
    word = info["search_word"]
    common = info.get("common_word", "courier")
    tid = int(info["workspace_ticket_id"])
    return [
        Scenario("queue_first", "Queue: first page", "/staff/tickets", 30, "Next page"),
        Scenario(
            "queue_filtered",
            "Queue: filtered (new, urgent)",
            "/staff/tickets?" + urlencode({"status": "new", "priority": 1}),
            30,
            "<tbody>",
        ),
        Scenario("queue_deep", f"Queue: deep page ({depth + 1})", deep, 30, "<tbody>"),
        Scenario("workspace", "Ticket workspace", f"/staff/tickets/{tid}", 30, f"T-{tid:06d}"),
        Scenario(
            "similar",
            "Similar tickets panel (htmx)",
            f"/staff/tickets/{tid}/similar",
            30,
            'id="similar-panel"',
            headers={"HX-Request": "true"},
            absent="<html",
        ),
        Scenario(
            "search",
            f"Text search: 1% match ({word})",
            "/staff/tickets?" + urlencode({"q": word}),
            30,
            "<tbody>",
        ),
        Scenario(
            "search_common",
            f"Text search: common word ({common})",
            "/staff/tickets?" + urlencode({"q": common}),
            30,
            "<tbody>",
        ),
        Scenario(
            "search_miss",
            "Text search: no match",
            "/staff/tickets?" + urlencode({"q": MISSING_WORD}),
            30,
            "No tickets match",
        ),
        Scenario(
            "staff_search",
            f"Staff search: 1% match ({word})",
            "/staff/search?" + urlencode({"q": word}),
            30,
            'id="group-tickets"',
        ),
        Scenario(
            "raise", "Customer: raise a problem", "/my/raise", 10, "Raise my problem", "customer"
        ),
    ]


def schema_heads() -> set[str]:
    """The head revision(s) of the project's Alembic migrations."""
    from alembic.script import ScriptDirectory

    if str(ROOT) not in sys.path:  # the migration scripts import helpdesk
        sys.path.insert(0, str(ROOT))
    return set(ScriptDirectory(str(ROOT / "migrations")).get_heads())


def db_revision(db_path: Path) -> set[str]:
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
            return {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.Error:
        return set()


def ensure_db(tickets: int | None, db_arg: Path | None, regenerate: bool) -> Path:
    """The database to measure, generated when missing or behind the migrations."""
    if db_arg is None and tickets is None:
        tickets = 100_000
    db_path = (db_arg or DATA_DIR / f"helpdesk-{tickets}.db").resolve()
    sidecar = db_path.with_suffix(".json")
    stale = False
    if db_path.exists() and sidecar.exists() and db_revision(db_path) != schema_heads():
        stale = True
        tickets = tickets or int(json.loads(sidecar.read_text())["tickets"])
        print(f"{db_path.name} is behind the migrations; generating it again", file=sys.stderr)
    if regenerate or stale or not db_path.exists() or not sidecar.exists():
        if tickets is None:
            raise BenchError(f"{db_path} does not exist; give --tickets to generate it")
        cmd = [
            sys.executable,
            str(BENCH / "generate.py"),
            "--tickets",
            str(tickets),
            "--db",
            str(db_path),
        ]
        subprocess.run(cmd, cwd=ROOT, check=True)  # noqa: S603 - fixed argv, no shell
    return db_path


def run(db_paths: list[Path], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Serve each database with its own gunicorn, measure them together, stop them all."""
    loadavg = [round(x, 2) for x in os.getloadavg()]
    if loadavg[0] > 0.5 * (os.cpu_count() or 1):
        print(
            f"warning: load average {loadavg[0]:.2f} on {os.cpu_count()} CPUs; "
            "the machine is busy and the tail (p95) will be noisy",
            file=sys.stderr,
        )
    sites: list[Site] = []
    with ExitStack() as stack:
        for db_path in db_paths:
            info = read_info(db_path)
            tickets = count_tickets(db_path)
            log_path = DATA_DIR / f"gunicorn-{db_path.stem}.log"
            port = stack.enter_context(serve(db_path, args.workers, log_path))
            agent, customer = Client(port), Client(port)
            agent.login(info["agent_email"], info["password"])
            customer.login(info["customer_email"], info["password"])
            deep, depth = deep_path(agent, "/staff/tickets", args.deep_pages)
            plan = scenarios(info, deep, depth)
            sites.append(Site(db_path, tickets, plan, {"agent": agent, "customer": customer}))
            shown = db_path.relative_to(ROOT) if db_path.is_relative_to(ROOT) else db_path
            print(
                f"Serving {tickets:,} tickets from {shown} on {HOST}:{port} "
                f"(gunicorn -w {args.workers}; deep page = {depth} 'Next page' links in)",
                flush=True,
            )
        print(
            f"Measuring {len(sites[0].plan)} scenarios: {args.warmup} warm-up requests each, "
            f"then {args.requests} timed rounds...",
            flush=True,
        )
        measure(sites, args.requests, args.warmup)
    load_after = round(os.getloadavg()[0], 2)
    return [
        {
            "tickets": site.tickets,
            "db": str(site.db_path),
            "loadavg": [loadavg[0], load_after],
            "results": [
                asdict(summarise(s, site.times[s.key], site.sizes[s.key])) for s in site.plan
            ],
        }
        for site in sites
    ]


# ---------------------------------------------------------------- reporting


W = 38  # width of the scenario column


def print_table(run: dict[str, Any], requests: int, workers: int) -> None:
    before, after = run["loadavg"]
    print(
        f"\nResults at {run['tickets']:,} tickets on SQLite: {requests} sequential requests "
        f"per scenario, gunicorn -w {workers}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"load average {before:.2f} before and {after:.2f} after"
    )
    header = f"{'Scenario':<{W}} {'median ms':>10} {'p95 ms':>8} {'target':>8}  status"
    print(header)
    print("-" * len(header))
    for r in run["results"]:
        status = "OK" if r["ok"] else "over"
        print(
            f"{r['label']:<{W}} {r['median_ms']:>10.2f} {r['p95_ms']:>8.2f} "
            f"{'≤ ' + format(r['target_ms'], 'g'):>8}  {status}"
        )


def print_ratio(small: dict[str, Any], large: dict[str, Any]) -> list[dict[str, Any]]:
    n_small, n_large = small["tickets"], large["tickets"]
    print(f"\nScaling: p95 at {n_large:,} / p95 at {n_small:,} (target ≤ {RATIO_TARGET}×)")
    header = (
        f"{'Scenario':<{W}} {'p95 ' + format(n_small, ','):>12} "
        f"{'p95 ' + format(n_large, ','):>12} {'ratio':>7}  status"
    )
    print(header)
    print("-" * len(header))
    rows = []
    by_key = {r["key"]: r for r in small["results"]}
    for r in large["results"]:
        s = by_key[r["key"]]
        ratio = r["p95_ms"] / s["p95_ms"] if s["p95_ms"] else float("inf")
        ok = ratio <= RATIO_TARGET
        rows.append({"key": r["key"], "ratio": round(ratio, 3), "ok": ok})
        label = r["label"].split(" (")[0] if r["key"] == "queue_deep" else r["label"]
        print(
            f"{label:<{W}} {s['p95_ms']:>12.2f} {r['p95_ms']:>12.2f} {ratio:>6.2f}×  "
            f"{'OK' if ok else 'over'}"
        )
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, help="database size to use (default 100,000)")
    parser.add_argument("--db", type=Path, help="an existing database (default bench/data/...)")
    parser.add_argument("--compare", help="two sizes, e.g. 10000,100000: ratio of the p95s")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per scenario")
    parser.add_argument("--deep-pages", type=int, default=50, help="Next-page links to follow")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the database first")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any target is missed")
    args = parser.parse_args(argv)
    for name in ("requests", "warmup", "deep_pages", "workers"):
        value = getattr(args, name)
        if not 0 <= value <= MAX_REQUESTS or (name in ("requests", "workers") and value < 1):
            parser.error(f"--{name.replace('_', '-')} must be between 1 and {MAX_REQUESTS}")
    if args.compare and (args.tickets or args.db):
        parser.error("--compare takes the sizes itself; leave out --tickets and --db")
    return args


def reproduce_command() -> str:
    python = Path(sys.executable)
    shown = os.path.relpath(python, ROOT) if python.is_relative_to(ROOT) else str(python)
    return shlex.join([shown, "bench/run.py", *sys.argv[1:]])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"cpus": os.cpu_count(), "sqlite": sqlite3.sqlite_version}
    failed = False
    try:
        if args.compare:
            sizes = sorted(int(n.replace("_", "")) for n in args.compare.split(",") if n.strip())
            if len(sizes) != 2:
                raise BenchError("--compare takes two sizes, e.g. 10000,100000")
            runs = run([ensure_db(n, None, args.regenerate) for n in sizes], args)
        else:
            runs = run([ensure_db(args.tickets, args.db, args.regenerate)], args)
        report["runs"] = runs
        for one in runs:
            print_table(one, args.requests, args.workers)
            failed |= not all(r["ok"] for r in one["results"])
        if len(runs) == 2:
            report["ratios"] = print_ratio(*runs)
            failed |= not all(r["ok"] for r in report["ratios"])
    except (BenchError, subprocess.CalledProcessError) as exc:
        print(f"\nbench: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nReproduce with:\n  {reproduce_command()}")
    # Timings vary by machine: a missed target fails the run only when asked to.
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
