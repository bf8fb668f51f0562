"""A juror's click made before judging closes counts, even when a worker reaches the request after.

As for candidates (``test_candidate_arrival_time.py``), the clock moves past the closing time
*inside* the request (Flask's ``request_started`` fires after the arrival stamp).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import request_started
from sqlalchemy import select

from judging.jury.models import Assignment
from tests.integration.jury.test_jury_scoring_concurrency import FIVE, card, scores, tab, url, version_on

__all__ = ["card"]  # fixtures


@pytest.fixture
def worker_reaches_it_at(app, clock):
    moments = []

    def move_clock(_sender, **_extra):
        if moments:
            clock.set(moments[-1])

    request_started.connect(move_clock, app)
    yield moments.append
    request_started.disconnect(move_clock, app)


def _submit(app, juror, card):
    client = tab(app, juror)
    page = client.get(url(card)).get_data(as_text=True)
    return client, {**scores(**FIVE), "version": version_on(page), "action": "submit"}


def test_a_scorecard_submitted_in_time_counts_though_a_worker_reaches_it_after_judging_closed(
    app, db, juror, card, clock, worker_reaches_it_at
):
    closes = card.round.judging_closes_at
    clock.set(closes - timedelta(seconds=5))
    client, form = _submit(app, juror, card)
    clock.set(closes - timedelta(seconds=1))  # the click reaches the server
    worker_reaches_it_at(closes + timedelta(seconds=30))  # a worker gets to it 31 s later
    response = client.post(url(card), data=form)
    assert response.status_code == 302
    db.expire_all()
    assert db.scalar(select(Assignment.status).where(Assignment.id == card.id)) == "submitted"


def test_a_scorecard_sent_after_judging_closed_is_refused(app, db, juror, card, clock):
    closes = card.round.judging_closes_at
    clock.set(closes - timedelta(seconds=5))
    client, form = _submit(app, juror, card)
    clock.set(closes + timedelta(seconds=1))
    response = client.post(url(card), data=form)
    assert "Judging of this round is closed" in response.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(Assignment.status).where(Assignment.id == card.id)) == "assigned"
