"""Under pytest-xdist every worker has a database and a temporary folder of its own, so
one worker's emptying of the tables never reaches another's test."""

from __future__ import annotations

import os

import pytest
from sqlalchemy.engine import make_url


def test_each_worker_has_a_database_of_its_own(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        pytest.skip("runs under pytest-xdist (make test-sqlite, make test-postgres)")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        assert worker in url.database and str(tmp_path_factory.getbasetemp()) in url.database
    else:
        assert url.database == f"helpdesk_test_{worker}"
