"""learned_phrase: phrasings an organisation taught the bot (confirmed or corrected readings, issue 14)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 07:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('learned_phrase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('shape', sa.String(length=200), nullable=False),
    sa.Column('example', sa.String(length=500), nullable=False),
    sa.Column('intent', sa.String(length=20), nullable=False),
    sa.Column('activities', sa.JSON(), nullable=False),
    sa.Column('taught_by', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('uses', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['taught_by'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'shape', name='uq_learned_phrase')
    )


def downgrade() -> None:
    op.drop_table('learned_phrase')
