"""forms of address and the presenter's English title

``applications.form_of_address``: how the ceremony outputs and the public winners page address the
person if they win (« Lauréate », « Lauréat »); NULL is the inclusive form (« Lauréat·e »), so
every existing application gets the inclusive default without a data move.

``prizes.presenter_title_en``: the presenter's title in English; ``presenter_title`` stays the
French one, and the English outputs fall back on it while the English one is empty (the existing
titles keep showing where they did).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:38:56
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_of_address', sa.String(length=12), nullable=True))

    with op.batch_alter_table('prizes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('presenter_title_en', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('prizes', schema=None) as batch_op:
        batch_op.drop_column('presenter_title_en')

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('form_of_address')
