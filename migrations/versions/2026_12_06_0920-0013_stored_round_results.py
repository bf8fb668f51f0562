"""stored round results: a round's results computed once per change, read by every view

``round_results`` (one row per round: stale mark, generation, the settings and fingerprint the
results were computed with, when, the round document without its ranking, and what the results
page shows besides the rows) and ``round_result_rows`` (one row per ranked application, in
ranking order, for paging in SQL). Nothing is computed here: every round starts without stored
results and the first read computes them (``judging/results/stored.py``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 09:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import judging.core.models

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

UTC = judging.core.models.UTCDateTime


def upgrade() -> None:
    op.create_table('round_results',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('computed_at', UTC(timezone=True), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_round_results_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_round_results'))
    )
    op.create_table('round_result_rows',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('entry', sa.JSON(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('others', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_round_result_rows_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round_results.round_id'], name=op.f('fk_round_result_rows_round_id_round_results'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'position', name=op.f('pk_round_result_rows'))
    )
    op.create_index(op.f('ix_round_result_rows_application_id'), 'round_result_rows', ['application_id'], unique=False)
    op.create_index('ix_round_result_rows_round_rank', 'round_result_rows', ['round_id', 'rank'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_round_result_rows_round_rank', table_name='round_result_rows')
    op.drop_index(op.f('ix_round_result_rows_application_id'), table_name='round_result_rows')
    op.drop_table('round_result_rows')
    op.drop_table('round_results')
