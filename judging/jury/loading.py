"""A juror's scorecard from the URL: not theirs, not open to them, or absent → 404.

The one loader of every juror route (the scoring page, autosave, files, the live final's phone),
so that the rule of :func:`judging.jury.rules.juror_may_open` is asked in one place.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from judging.accounts.models import User
from judging.applications.models import Application
from judging.db import session as db
from judging.editions.models import Prize, Round
from judging.jury import rules
from judging.jury.models import Assignment


def _scorecard_query(round_id: int, application_id: int):
    return (
        select(Assignment)
        .where(
            Assignment.round_id == round_id,
            Assignment.application_id == application_id,
            Assignment.juror_id == current_user.id,
        )
        .options(
            # many-to-one in the same SELECT (joins), collections one SELECT each: 6 queries in all
            joinedload(Assignment.round).joinedload(Round.prize).selectinload(Prize.questions),
            joinedload(Assignment.round).selectinload(Round.criteria),
            joinedload(Assignment.application).selectinload(Application.answers),
            joinedload(Assignment.application).selectinload(Application.attachments),
            joinedload(Assignment.application).joinedload(Application.applicant).lazyload(User.role_rows),
            joinedload(Assignment.application).joinedload(Application.organization),
            selectinload(Assignment.scores),
        )
    )


def scorecard_or_404(round_id: int, application_id: int) -> Assignment:
    """The current juror's scorecard; not theirs, not open yet, recused, in conflict, withdrawn or
    ineligible → 404 (:func:`judging.jury.rules.juror_may_open`, the rule of every juror route)."""
    card = db.scalar(_scorecard_query(round_id, application_id))
    if card is None or not rules.juror_may_open(db, current_user, card):
        abort(404)
    return card
