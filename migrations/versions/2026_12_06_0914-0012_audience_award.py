"""audience award: the award, its finalists, its voters and their votes

Four new tables (``judging/audience/models.py``): ``audience_awards`` (one per edition: window,
state, who last looked at the tally), ``audience_candidates`` (the finalists in it),
``audience_voters`` (an email address with its hashed personal-link token, hashed one-time code,
expiry, attempts, and the network it came from) and ``audience_votes`` (one row per voter, changed
in place until closing; voided with who, when and why).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:14:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import judging.core.models

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

UTC = judging.core.models.UTCDateTime


def _stamps() -> list[sa.Column]:
    return [
        sa.Column('created_at', UTC(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('updated_at', UTC(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('audience_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('opens_at', UTC(timezone=True), nullable=True),
    sa.Column('closes_at', UTC(timezone=True), nullable=True),
    sa.Column('tally_viewed_at', UTC(timezone=True), nullable=True),
    sa.Column('tally_viewed_by_id', sa.Integer(), nullable=True),
    *_stamps(),
    sa.CheckConstraint("state IN ('setup', 'open', 'closed')", name=op.f('ck_audience_awards_state')),
    sa.ForeignKeyConstraint(['edition_id'], ['editions.id'], name=op.f('fk_audience_awards_edition_id_editions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tally_viewed_by_id'], ['users.id'], name=op.f('fk_audience_awards_tally_viewed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_awards')),
    sa.UniqueConstraint('edition_id', name=op.f('uq_audience_awards_edition_id'))
    )
    op.create_table('audience_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_audience_candidates_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['award_id'], ['audience_awards.id'], name=op.f('fk_audience_candidates_award_id_audience_awards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_candidates')),
    sa.UniqueConstraint('award_id', 'application_id', name=op.f('uq_audience_candidates_award_id_application_id'))
    )
    op.create_index(op.f('ix_audience_candidates_award_id'), 'audience_candidates', ['award_id'], unique=False)
    op.create_table('audience_voters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('link_sent_at', UTC(timezone=True), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_expires_at', UTC(timezone=True), nullable=True),
    sa.Column('code_attempts', sa.Integer(), nullable=False),
    sa.Column('codes_requested', sa.Integer(), nullable=False),
    sa.Column('code_requested_at', UTC(timezone=True), nullable=True),
    sa.Column('code_used_at', UTC(timezone=True), nullable=True),
    sa.Column('device_hash', sa.String(length=64), nullable=True),
    sa.Column('network', sa.String(length=64), nullable=True),
    *_stamps(),
    sa.CheckConstraint("language IN ('fr', 'en')", name=op.f('ck_audience_voters_language')),
    sa.CheckConstraint("source IN ('code', 'attendee')", name=op.f('ck_audience_voters_source')),
    sa.ForeignKeyConstraint(['award_id'], ['audience_awards.id'], name=op.f('fk_audience_voters_award_id_audience_awards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_voters')),
    sa.UniqueConstraint('award_id', 'email', name=op.f('uq_audience_voters_award_id_email')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_audience_voters_token_hash'))
    )
    op.create_table('audience_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('cast_at', UTC(timezone=True), nullable=False),
    sa.Column('changed_at', UTC(timezone=True), nullable=True),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.Column('network', sa.String(length=64), nullable=True),
    sa.Column('voided_at', UTC(timezone=True), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    *_stamps(),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_audience_votes_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['award_id'], ['audience_awards.id'], name=op.f('fk_audience_votes_award_id_audience_awards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voided_by_id'], ['users.id'], name=op.f('fk_audience_votes_voided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['voter_id'], ['audience_voters.id'], name=op.f('fk_audience_votes_voter_id_audience_voters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audience_votes')),
    sa.UniqueConstraint('voter_id', name=op.f('uq_audience_votes_voter_id'))
    )
    op.create_index(op.f('ix_audience_votes_award_id'), 'audience_votes', ['award_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_audience_votes_award_id'), table_name='audience_votes')
    op.drop_table('audience_votes')
    op.drop_table('audience_voters')
    op.drop_index(op.f('ix_audience_candidates_award_id'), table_name='audience_candidates')
    op.drop_table('audience_candidates')
    op.drop_table('audience_awards')
