"""faults: outbound claims tied to their holder, a shared version counter, robot calls counted across processes

outbound_message.claimed_by / claimed_until (a pending row is in flight only while its holder renews it),
shared_version (the directory's version, the robots' rate-limit lock rows), rate_hit (calls per robot).

Revision ID: 0003
Revises: 0004 (after the security and nlp migrations already in the tree: one line of history)
Create Date: 2026-12-02 07:10:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql


revision = '0003'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))
    op.create_table('shared_version',
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('rate_hit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql', 'mariadb'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_rate_hit_key_at', 'rate_hit', ['key', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rate_hit_key_at', table_name='rate_hit')
    op.drop_table('rate_hit')
    op.drop_table('shared_version')
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
