"""full-text search indexes: FTS5 on SQLite, GIN tsvector on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:30:00

"""
from alembic import op

from helpdesk.search_schema import create_search_indexes, drop_search_indexes

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    create_search_indexes(op.get_bind())


def downgrade():
    drop_search_indexes(op.get_bind())
