"""outbox: permanent failures and senders' leases

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.models.types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


# Nullable columns are added in place on SQLite and PostgreSQL (no batch copy).
def upgrade():
    op.add_column('outbox', sa.Column('failed_at', helpdesk.models.types.UTCDateTime(), nullable=True))
    op.add_column('outbox', sa.Column('sent_via', sa.String(length=16), nullable=True))
    op.add_column('outbox', sa.Column('claimed_until', helpdesk.models.types.UTCDateTime(), nullable=True))
    op.add_column('outbox', sa.Column('claim_token', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_column('claim_token')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('sent_via')
        batch_op.drop_column('failed_at')
