"""The benchmark's generator still builds a database the app can read (it calls services)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_generator_builds_a_small_database(tmp_path: Path) -> None:
    db = tmp_path / "bench.db"
    cmd = [sys.executable, "bench/generate.py", "--tickets", "300", "--db", str(db)]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
        logins = conn.execute("SELECT count(*) FROM users WHERE email LIKE '%bench%'").fetchone()[0]
    assert tickets == 300
    assert logins >= 2
