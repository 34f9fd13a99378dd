"""framework rule versions; training tickets, training accounts and device sessions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

import helpdesk.models.types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


# Nullable columns (or ones with a server default) are added in place on SQLite and
# PostgreSQL, with no batch copy of tables that others reference.
def upgrade():
    op.create_table(
        'framework_rule_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('framework', sa.String(length=8), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('must_observe', sa.JSON(), nullable=False),
        sa.Column('methods', sa.JSON(), nullable=False),
        sa.Column('tickets_per_pc', sa.Integer(), nullable=False),
        sa.Column('min_days', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('changed_at', helpdesk.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['changed_by_id'], ['users.id'],
            name=op.f('fk_framework_rule_versions_changed_by_id_users'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_rule_versions')),
        sa.UniqueConstraint(
            'framework', 'number', name=op.f('uq_framework_rule_versions_framework')
        ),
    )
    op.add_column('framework_rules', sa.Column('methods', sa.JSON(), nullable=True))
    op.add_column(
        'framework_rules',
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    )
    op.add_column('learner_profiles', sa.Column('rule_version', sa.Integer(), nullable=True))
    op.add_column('sign_offs', sa.Column('rule_version', sa.Integer(), nullable=True))
    op.add_column('tickets', sa.Column('training_kind', sa.String(length=16), nullable=True))
    op.add_column(
        'users',
        sa.Column('is_training_account', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column('user_sessions', sa.Column('device', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_user_sessions_device'), 'user_sessions', ['device'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_user_sessions_device'), table_name='user_sessions')
    for table, column in (
        ('user_sessions', 'device'),
        ('users', 'is_training_account'),
        ('tickets', 'training_kind'),
        ('sign_offs', 'rule_version'),
        ('learner_profiles', 'rule_version'),
        ('framework_rules', 'version'),
        ('framework_rules', 'methods'),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
    op.drop_table('framework_rule_versions')
