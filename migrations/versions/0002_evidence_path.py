"""evidence.path: the local copy of a photo or file; evidence.url keeps only a real URL

Rows written before this revision keep their local path in `url`; `Evidence.local_file` still finds it there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path', sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('path')
