"""award.pending / confirmed_by / confirmed_at: a branch's own declared award counts only once the office confirms it

Awards already declared through the chat by branch people (a message id, a recorder who is not the office) become
pending: they were never checked. Awards the office recorded (dashboard, CLI, demo) keep counting.

Revision ID: 0004
Revises: 0006
Create Date: 2026-12-02 07:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('confirmed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key('fk_award_confirmed_by_person', 'person', ['confirmed_by'], ['id'])
    award, person = sa.table('award', sa.column('pending', sa.Boolean()), sa.column('message_id'),
                             sa.column('recorded_by')), sa.table('person', sa.column('id'), sa.column('role'))
    op.execute(award.update().where(
        award.c.message_id.is_not(None),
        award.c.recorded_by.in_(sa.select(person.c.id).where(person.c.role != 'office'))).values(pending=True))


def downgrade() -> None:
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_constraint('fk_award_confirmed_by_person', type_='foreignkey')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirmed_by')
        batch_op.drop_column('pending')
