"""Show the SQL a page issues, with SQLite's query plan and the time each statement takes.

Usage::

    .venv/bin/python bench/explain.py --tickets 100000 /staff/tickets "/staff/tickets?sort=priority"
    .venv/bin/python bench/explain.py --hx /staff/tickets/95000/similar   # as htmx asks for it

Runs the app in-process (Flask's test client, no gunicorn) against a generated
database, signs in as the benchmark's agent (or ``--as customer``), requests each
path once to warm up and once more while recording every statement, then prints each
statement with its ``EXPLAIN QUERY PLAN`` and its mean time over ``--repeat`` runs on
the raw connection. Use it when a scenario of bench/run.py misses its target.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "bench" / "data"
CONTROL_RE = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)
CSRF_RE = re.compile(
    r'name="csrf_token"[^>]*?value="([^"]+)"|value="([^"]+)"[^>]*?name="csrf_token"'
)
if str(ROOT) not in sys.path:  # run as a script from anywhere: find the helpdesk package
    sys.path.insert(0, str(ROOT))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="paths to request, e.g. /staff/tickets")
    parser.add_argument("--tickets", type=int, default=100_000, help="which generated database")
    parser.add_argument("--db", type=Path, help="a database made by bench/generate.py")
    parser.add_argument("--as", dest="who", choices=["agent", "customer"], default="agent")
    parser.add_argument("--hx", action="store_true", help="send HX-Request: true (a fragment)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per statement")
    parser.add_argument("--width", type=int, default=400, help="characters of SQL to show")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    db_path = (args.db or DATA_DIR / f"helpdesk-{args.tickets}.db").resolve()
    sidecar = db_path.with_suffix(".json")
    if not db_path.exists() or not sidecar.exists():
        raise SystemExit(f"{db_path} (or its .json) is missing: run bench/generate.py first")
    info = json.loads(sidecar.read_text())

    from sqlalchemy import event

    from helpdesk import create_app
    from helpdesk.config import Config
    from helpdesk.extensions import db

    app = create_app(
        Config,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}",
        UPLOAD_FOLDER=str(DATA_DIR / "uploads"),
    )
    seen: list[tuple[str, Any]] = []
    with app.app_context():

        @event.listens_for(db.engine, "before_cursor_execute")
        def record(_conn: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
            seen.append((statement, params))

    client = app.test_client()
    email = info["agent_email"] if args.who == "agent" else info["customer_email"]
    # CSRF stays on (templates draw form.csrf_token): sign in with the form's token.
    found = CSRF_RE.search(client.get("/login").get_data(as_text=True))
    if not found:
        raise SystemExit("no csrf_token field on the login page")
    token = html.unescape(found.group(1) or found.group(2))
    form = {"csrf_token": token, "email": email, "password": info["password"]}
    resp = client.post("/login", data=form)
    if resp.status_code != 302:
        raise SystemExit(f"sign-in as {email} failed: {resp.status_code}")
    repeat = max(1, min(args.repeat, 1_000))
    headers = {"HX-Request": "true"} if args.hx else {}
    for path in args.paths:
        client.get(path, headers=headers)  # warm up: templates compiled, pages cached
        seen.clear()
        began = time.perf_counter()
        resp = client.get(path, headers=headers)
        elapsed = (time.perf_counter() - began) * 1000
        # Transaction control (the app's engine issues BEGIN itself) has no plan to show.
        statements = [(sql, p) for sql, p in seen if not CONTROL_RE.match(sql)]
        print(f"\n##### GET {path} -> {resp.status_code} in {elapsed:.2f} ms, ", end="")
        print(f"{len(statements)} statements")
        with app.app_context(), db.engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            for sql, params in statements:
                plan = raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
                began = time.perf_counter()
                for _ in range(repeat):
                    raw.execute(sql, params).fetchall()
                took = (time.perf_counter() - began) / repeat * 1000
                print(f"--- {took:7.3f} ms  {' '.join(sql.split())[: args.width]}")
                print(f"             params {str(params)[:160]}")
                for row in plan:
                    print(f"             {row[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
