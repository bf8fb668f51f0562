"""edited announcement texts become the outcome texts (one system for outcome mails)

The finalist announcement's own editable mails (keys ``finalist_selected`` and ``not_selected``)
were merged into the outcome mails (``outcome_finalist`` and ``outcome_not_selected``). An edition's
edited text under an old key is carried over, unless the edition already has its own text under
the new key (that one was edited later for the same purpose and wins).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 07:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

RENAMES = {"finalist_selected": "outcome_finalist", "not_selected": "outcome_not_selected"}


def upgrade() -> None:
    for old, new in RENAMES.items():
        op.execute(
            sa.text(
                "UPDATE mail_templates SET key = :new WHERE key = :old AND NOT EXISTS ("
                " SELECT 1 FROM mail_templates AS other WHERE other.key = :new"
                " AND other.language = mail_templates.language"
                " AND (other.edition_id = mail_templates.edition_id"
                "      OR (other.edition_id IS NULL AND mail_templates.edition_id IS NULL)))"
            ).bindparams(old=old, new=new)
        )
        # what is left under an old key lost to a newer text of the same purpose: nothing reads it
        op.execute(sa.text("DELETE FROM mail_templates WHERE key = :old").bindparams(old=old))


def downgrade() -> None:
    # The outcome texts stay where they are: the older code reads them as notification texts.
    pass
