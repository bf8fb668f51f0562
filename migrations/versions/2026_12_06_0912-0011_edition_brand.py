"""edition brand: two colours and a logo

``editions.brand_primary`` / ``brand_accent``: ``#rrggbb`` colours the organizer chose (their contrast
with white text is checked by the form, not by the database); ``brand_logo`` holds the image itself
(PNG, JPEG or a checked SVG, at most 512 KB) with its type and SHA-256 (the cache-busting part of its
URL). All NULL: the platform's own look, so existing editions keep today's pages.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 09:12:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('brand_primary', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('brand_accent', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('brand_logo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('brand_logo_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('brand_logo_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('editions', schema=None) as batch_op:
        batch_op.drop_column('brand_logo_sha256')
        batch_op.drop_column('brand_logo_type')
        batch_op.drop_column('brand_logo')
        batch_op.drop_column('brand_accent')
        batch_op.drop_column('brand_primary')
