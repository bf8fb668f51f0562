"""live final: the live session of a final round and the score submissions received from phones

``live_sessions`` (one per final round: state, current pitch position, timer, pitch and questions
lengths) and ``received_submissions`` (a score saved from a phone under the id the phone chose,
unique per juror, so that a retried submission is counted once).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 09:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import judging.core.models

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

UTC = judging.core.models.UTCDateTime


def upgrade() -> None:
    op.create_table('live_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('timer_started_at', UTC(timezone=True), nullable=True),
    sa.Column('elapsed_seconds', sa.Integer(), nullable=False),
    sa.Column('pitch_seconds', sa.Integer(), nullable=False),
    sa.Column('questions_seconds', sa.Integer(), nullable=False),
    sa.Column('created_at', UTC(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', UTC(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("state IN ('waiting', 'running', 'paused', 'ended')", name=op.f('ck_live_sessions_state')),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_live_sessions_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_sessions')),
    sa.UniqueConstraint('round_id', name=op.f('uq_live_sessions_round_id'))
    )
    op.create_table('received_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('juror_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.String(length=36), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('received_at', UTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_received_submissions_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['juror_id'], ['users.id'], name=op.f('fk_received_submissions_juror_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_received_submissions')),
    sa.UniqueConstraint('juror_id', 'submission_id', name=op.f('uq_received_submissions_juror_id_submission_id'))
    )
    op.create_index(op.f('ix_received_submissions_assignment_id'), 'received_submissions', ['assignment_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_received_submissions_assignment_id'), table_name='received_submissions')
    op.drop_table('received_submissions')
    op.drop_table('live_sessions')
