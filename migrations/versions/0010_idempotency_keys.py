"""idempotency keys on every remaining create form's table

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


# A nullable column and a unique index: both in place on SQLite and PostgreSQL, with no
# batch copy of tables that others reference (users, categories, routes).
def _add(table):
    op.add_column(table, sa.Column('idempotency_key', sa.String(length=64), nullable=True))
    op.create_index(f'ix_{table}_idempotency_key', table, ['idempotency_key'], unique=True)


def _drop(table):
    op.drop_index(f'ix_{table}_idempotency_key', table_name=table)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_column('idempotency_key')


def upgrade():
    _add('candidate_solutions')
    _add('categories')
    _add('deflections')
    _add('iqa_samples')
    _add('knowledge_records')
    _add('observation_pins')
    _add('observations')
    _add('problem_events')
    _add('problem_records')
    _add('reflective_accounts')
    _add('routes')
    _add('users')


def downgrade():
    _drop('users')
    _drop('routes')
    _drop('reflective_accounts')
    _drop('problem_records')
    _drop('problem_events')
    _drop('observations')
    _drop('observation_pins')
    _drop('knowledge_records')
    _drop('iqa_samples')
    _drop('deflections')
    _drop('categories')
    _drop('candidate_solutions')
