"""The migrations build exactly the schema the models describe, on either database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from helpdesk import create_app
from helpdesk.config import TestConfig
from helpdesk.extensions import db
from helpdesk.search_schema import include_object


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A brand-new empty database beside the test one."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_produce_exactly_the_models(empty_database_url: str, tmp_path: Path) -> None:
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=empty_database_url, UPLOAD_FOLDER=str(tmp_path)
    )
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        with db.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                found = conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE name LIKE 'ticket_fts%'"
                ).scalars()
                assert {"ticket_fts", "ticket_fts_ai", "ticket_fts_ad", "ticket_fts_au"} <= set(
                    found
                )
            else:
                found = conn.exec_driver_sql(
                    "SELECT indexname FROM pg_indexes WHERE tablename = 'tickets'"
                ).scalars()
                assert "ix_tickets_fulltext" in set(found)

        flask_migrate.downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()
