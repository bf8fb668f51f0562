"""submission records; led_by_woman stored once; extra moved to columns

``applications.extra`` carried four things; each moves to its own place and ``extra`` is dropped:
- ``extra["submission"]`` (the receipt's content) becomes a row of the new ``submissions`` table;
- ``extra["first_submitted_at"]``, when earlier than that submission (a resubmission overwrote the
  first one), becomes a ``submissions`` row with that time and no content (none was kept);
- ``extra["withdrawn_at"]`` becomes ``applications.withdrawn_at``;
- ``extra["led_by_woman"]`` ("yes", "no", "unsaid") and the boolean ``led_by_woman`` column become the
  one column ``led_by_woman_answer``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 06:49:19.904487
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import judging.core.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ANSWERS = ("yes", "no", "unsaid")


def upgrade() -> None:
    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', judging.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('receipt_number', sa.String(length=40), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('content', sa.JSON(), nullable=True),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_submissions_application_id_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions')),
    sa.UniqueConstraint('receipt_number', name=op.f('uq_submissions_receipt_number'))
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_application_id'), ['application_id'], unique=False)

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('led_by_woman_answer', sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', judging.core.models.UTCDateTime(timezone=True), nullable=True))

    _move_extra(op.get_bind())

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('extra')
        batch_op.drop_column('led_by_woman')
        batch_op.create_check_constraint(
            op.f('ck_applications_led_by_woman_answer'),
            "led_by_woman_answer IS NULL OR led_by_woman_answer IN ('yes', 'no', 'unsaid')",
        )


# The tables as they are in the middle of this migration (not the models: they move on).
APPLICATIONS = sa.table(
    'applications',
    sa.column('id', sa.Integer()),
    sa.column('ref', sa.String()),
    sa.column('extra', sa.JSON()),
    sa.column('led_by_woman', sa.Boolean()),
    sa.column('led_by_woman_answer', sa.String()),
    sa.column('withdrawn_at', judging.core.models.UTCDateTime(timezone=True)),
)
SUBMISSIONS = sa.table(
    'submissions',
    sa.column('application_id', sa.Integer()),
    sa.column('submitted_at', judging.core.models.UTCDateTime(timezone=True)),
    sa.column('receipt_number', sa.String()),
    sa.column('language', sa.String()),
    sa.column('fingerprint', sa.String()),
    sa.column('content', sa.JSON()),
    sa.column('context', sa.JSON()),
)


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def _answer(extra: dict[str, Any], flag: bool | None) -> str | None:
    if extra.get('led_by_woman') in ANSWERS:
        return extra['led_by_woman']
    return None if flag is None else ('yes' if flag else 'no')


def _submissions(application_id: int, ref: str, extra: dict[str, Any]) -> list[dict[str, Any]]:
    """The submission kept in ``extra`` and, before it, the first one it overwrote (time only)."""
    rows = []
    kept = extra.get('submission') if isinstance(extra.get('submission'), dict) else {}
    submitted_at = _moment(kept.get('submitted_at'))
    first = _moment(extra.get('first_submitted_at') or kept.get('first_submitted_at'))
    if first and (submitted_at is None or first < submitted_at):
        rows.append({'application_id': application_id, 'submitted_at': first, 'receipt_number': None,
                     'language': None, 'fingerprint': None, 'content': None, 'context': {'ref': ref}})
    if submitted_at and kept.get('receipt_number'):
        content = kept.get('content') if isinstance(kept.get('content'), dict) else {}
        context = {'ref': kept.get('ref') or ref, 'prize': kept.get('prize'), 'edition': kept.get('edition')}
        rows.append({'application_id': application_id, 'submitted_at': submitted_at,
                     'receipt_number': kept['receipt_number'], 'language': content.get('language'),
                     'fingerprint': kept.get('fingerprint'), 'content': content, 'context': context})
    return rows


def _move_extra(connection) -> None:
    found = connection.execute(
        sa.select(APPLICATIONS.c.id, APPLICATIONS.c.ref, APPLICATIONS.c.extra, APPLICATIONS.c.led_by_woman)
    ).all()
    for row in found:
        extra = row.extra if isinstance(row.extra, dict) else {}
        connection.execute(
            APPLICATIONS.update()
            .where(APPLICATIONS.c.id == row.id)
            .values(led_by_woman_answer=_answer(extra, row.led_by_woman),
                    withdrawn_at=_moment(extra.get('withdrawn_at')))
        )
        rows = _submissions(row.id, row.ref, extra)
        if rows:
            connection.execute(SUBMISSIONS.insert(), rows)


def downgrade() -> None:
    """Back to 0006: the latest submission returns to ``extra``; the answer to both old places."""
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_applications_led_by_woman_answer'), type_='check')
        batch_op.add_column(sa.Column('led_by_woman', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('extra', sa.JSON(), nullable=True))
    _restore_extra(op.get_bind())
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('led_by_woman_answer')

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_application_id'))

    op.drop_table('submissions')


def _restore_extra(connection) -> None:
    by_application: dict[int, list[Any]] = {}
    for row in connection.execute(sa.select(SUBMISSIONS).order_by(SUBMISSIONS.c.submitted_at)):
        by_application.setdefault(row.application_id, []).append(row)
    for row in connection.execute(sa.select(APPLICATIONS)).all():
        extra: dict[str, Any] = {}
        if row.led_by_woman_answer:
            extra['led_by_woman'] = row.led_by_woman_answer
        if row.withdrawn_at:
            extra['withdrawn_at'] = row.withdrawn_at.isoformat()
        history = by_application.get(row.id, [])
        if history:
            extra['first_submitted_at'] = history[0].submitted_at.isoformat()
            last = history[-1]
            if last.receipt_number:
                extra['submission'] = {
                    **(last.context or {}), 'content': last.content, 'fingerprint': last.fingerprint,
                    'receipt_number': last.receipt_number, 'submitted_at': last.submitted_at.isoformat(),
                    'first_submitted_at': extra['first_submitted_at'],
                }
        connection.execute(
            APPLICATIONS.update().where(APPLICATIONS.c.id == row.id).values(
                extra=extra or None, led_by_woman={'yes': True, 'no': False}.get(row.led_by_woman_answer or ''))
        )
