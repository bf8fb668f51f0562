"""mail knows its edition: outgoing_mail.edition_id

The edition a mail is about, so that its HTML part wears the edition's brand when it leaves (the
sender reads the brand at that moment). NULL for mail about no edition (password reset, account
mail) and for every row queued before this revision: those keep the platform's own look. Deleting
an edition keeps its mail (SET NULL); the index serves that deletion's lookup.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edition_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outgoing_mail_edition_id'), ['edition_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_outgoing_mail_edition_id_editions'), 'editions', ['edition_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outgoing_mail_edition_id_editions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outgoing_mail_edition_id'))
        batch_op.drop_column('edition_id')
