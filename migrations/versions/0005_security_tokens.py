"""security_token and login_attempt: one-time login links, revocable sessions, file ids, DingTalk replay, login limits

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-02 07:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('security_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'digest', name='uq_security_token')
    )
    with op.batch_alter_table('security_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_token_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_token_person_id'), ['person_id'], unique=False)
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_lookup', ['scope', 'digest', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_lookup')
    op.drop_table('login_attempt')
    with op.batch_alter_table('security_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_token_person_id'))
        batch_op.drop_index(batch_op.f('ix_security_token_expires_at'))
    op.drop_table('security_token')
