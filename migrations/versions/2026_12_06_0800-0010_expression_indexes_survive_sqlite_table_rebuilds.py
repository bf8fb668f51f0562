"""the lower(email) indexes again where a SQLite table rebuild dropped them

On SQLite, Alembic's batch mode rebuilds a table to alter it and cannot reflect expression-based
indexes, so 0007's rebuild of ``applications`` lost ``ix_applications_contact_email_lower`` (the
"applying is a conflict" check on every scorecard request then scans the applications). Creating
them when missing is harmless where they survived (PostgreSQL, or a database that never ran 0007).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 08:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

INDEXES = {
    "ix_applications_contact_email_lower": "applications (lower(contact_email))",
    "ix_users_email_lower": "users (lower(email))",
}


def upgrade() -> None:
    for name, target in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def downgrade() -> None:
    pass  # the indexes belong to 0004; 0010 only puts back what a rebuild lost
