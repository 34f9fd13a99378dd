"""The database's own full-text indexes, which the ORM models do not describe.

SQLite: an FTS5 table over tickets' subject and description, kept in step by triggers.
PostgreSQL: a GIN index on the same text's tsvector. Both are made by a migration; the
test suite (which builds tables with create_all) calls ``create_search_indexes`` too.

A migration that alters ``tickets`` in batch mode rebuilds the table on SQLite, which
drops its triggers: call ``create_search_indexes`` again after it (it is idempotent).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

# Objects that Alembic's autogenerate must leave alone (it cannot see them in models).
SEARCH_OBJECTS = ("ticket_fts", "ix_tickets_fulltext")

# Must match the expression the PostgreSQL queries use, or the index is not used.
PG_TICKET_DOCUMENT = (
    "to_tsvector('english', coalesce(subject, '') || ' ' || coalesce(description, ''))"
)
# The same expression with the table named, for queries that join other tables; the
# planner compares expressions after resolving names, so the index still serves it.
PG_TICKET_DOCUMENT_QUALIFIED = (
    "to_tsvector('english', coalesce(tickets.subject, '') || ' ' || "
    "coalesce(tickets.description, ''))"
)

SQLITE_DDL = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS ticket_fts USING fts5(
        subject, description, content='tickets', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    "CREATE VIRTUAL TABLE IF NOT EXISTS ticket_fts_vocab USING fts5vocab(ticket_fts, 'row')",
    """CREATE TRIGGER IF NOT EXISTS ticket_fts_ai AFTER INSERT ON tickets BEGIN
        INSERT INTO ticket_fts(rowid, subject, description)
        VALUES (new.id, new.subject, new.description);
    END""",
    """CREATE TRIGGER IF NOT EXISTS ticket_fts_ad AFTER DELETE ON tickets BEGIN
        INSERT INTO ticket_fts(ticket_fts, rowid, subject, description)
        VALUES ('delete', old.id, old.subject, old.description);
    END""",
    """CREATE TRIGGER IF NOT EXISTS ticket_fts_au AFTER UPDATE OF subject, description ON tickets
    BEGIN
        INSERT INTO ticket_fts(ticket_fts, rowid, subject, description)
        VALUES ('delete', old.id, old.subject, old.description);
        INSERT INTO ticket_fts(rowid, subject, description)
        VALUES (new.id, new.subject, new.description);
    END""",
    "INSERT INTO ticket_fts(ticket_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ticket_fts_au",
    "DROP TRIGGER IF EXISTS ticket_fts_ad",
    "DROP TRIGGER IF EXISTS ticket_fts_ai",
    "DROP TABLE IF EXISTS ticket_fts_vocab",
    "DROP TABLE IF EXISTS ticket_fts",
]
PG_DDL = [
    f"CREATE INDEX IF NOT EXISTS ix_tickets_fulltext ON tickets USING gin ({PG_TICKET_DOCUMENT})",
]
PG_DROP = ["DROP INDEX IF EXISTS ix_tickets_fulltext"]


def create_search_indexes(connection: Connection) -> None:
    statements = SQLITE_DDL if connection.dialect.name == "sqlite" else PG_DDL
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop_search_indexes(connection: Connection) -> None:
    statements = SQLITE_DROP if connection.dialect.name == "sqlite" else PG_DROP
    for statement in statements:
        connection.exec_driver_sql(statement)


def is_search_object(name: str | None) -> bool:
    return bool(name) and str(name).startswith(SEARCH_OBJECTS)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic hook: keep the search indexes out of autogenerate's comparison."""
    return not is_search_object(name)
