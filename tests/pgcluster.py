"""Run a command against a throwaway PostgreSQL 15 cluster.

    python -m tests.pgcluster pytest ...

The cluster lives in a temporary folder, listens only on a Unix socket there (so runs
never fight over a port or a cluster name), and is removed afterwards. As root, the
server runs as the ``postgres`` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BIN_DIRS = [Path("/usr/lib/postgresql/15/bin")]
INSTALL_HINT = "apt-get install -y postgresql-15"


def _bin(name: str) -> str:
    for folder in BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found:
        return found
    raise SystemExit(f"PostgreSQL 15 server binaries not found ({name}). Run: {INSTALL_HINT}")


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a cluster and yield its SQLAlchemy URL; stop and delete it afterwards."""
    root = Path(tempfile.mkdtemp(prefix="hdpg-"))
    data = root / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    run = lambda cmd: subprocess.run(  # noqa: E731
        _as_server_user(cmd), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        run(
            [
                _bin("initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        )
        run(
            [
                _bin("pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "server.log"),
                "-w",
                "start",
                "-o",
                f"-c listen_addresses='' -k {root} -c fsync=off -c synchronous_commit=off "
                # Room for every xdist worker's pool, live server and concurrency threads.
                "-c full_page_writes=off -c max_connections=300",
            ]
        )
        yield f"postgresql+psycopg://postgres@/postgres?host={root}"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            run([_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    try:
        with throwaway_cluster() as url:
            print(f"PostgreSQL cluster ready at {url}", flush=True)
            env = {**os.environ, "TEST_DATABASE_URL": url}
            return subprocess.run(argv, env=env).returncode
    except subprocess.CalledProcessError as exc:
        print(exc.stderr.decode(errors="replace"), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
