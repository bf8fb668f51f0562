"""indexes for the organizer's pages at 100,000 applications

``ix_assignments_round_status_juror``: the edition page counts, per round being judged, the jurors
who still have open work (``editions.cockpit.unfinished_jurors_per_round``); without it a
sequential scan of every assignment (287,000 at 100,000 applications), with it an index-only scan
of the open ones.

``ix_applications_edition_status_counts``: the counts of an edition's applications by status and
by prize, region, organization type and the led-by-a-woman answer (the edition page's counts per
prize, the edition report's statistics) read from the index alone (an index-only scan of a few MB)
instead of the whole applications table (summaries included).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 13:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

APPLICATION_COUNT_COLUMNS = ['edition_id', 'status', 'prize_id', 'region', 'org_type', 'led_by_woman_answer']


def upgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_round_status_juror', ['round_id', 'status', 'juror_id'], unique=False)

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_edition_status_counts', APPLICATION_COUNT_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_edition_status_counts')

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_round_status_juror')
