"""performance indexes: lower(email) of users, lower(contact_email) of applications

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 07:00:00

Found by tests/bench/bench_pages.py at 100,000 applications (docs/performance.md): a login
looked its account up by ``lower(email)`` with a scan of every user (44 ms), and every scorecard
request checked "the juror applies to this prize" by ``lower(contact_email)`` with a scan of
every application (55 ms).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_users_email_lower', 'users', [sa.text('lower(email)')], unique=False)
    op.create_index(
        'ix_applications_contact_email_lower', 'applications', [sa.text('lower(contact_email)')], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_applications_contact_email_lower', table_name='applications')
    op.drop_index('ix_users_email_lower', table_name='users')
