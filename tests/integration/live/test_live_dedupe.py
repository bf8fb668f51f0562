"""A submission sent several times at the same instant (a phone retrying while its first request is
still on its way) is counted once: real threads, each with its own client and connection.

Runs on SQLite and, with ``JUDGING_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from judging.core.audit_event import AuditEvent
from judging.jury.models import Assignment
from judging.live.models import ReceivedSubmission
from tests.conftest import login

pytestmark = pytest.mark.committing


def race(app, juror, path: str, data: dict, copies: int) -> list:
    barrier = threading.Barrier(copies)
    results: list = [None] * copies
    clients = [login(app.test_client(), juror) for _ in range(copies)]

    def run(index: int) -> None:
        barrier.wait()
        try:
            response = clients[index].post(path, data=data)
            results[index] = (response.status_code, response.get_json(silent=True))
        except Exception as error:  # reported by the assertions
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_copies_of_one_submission_at_the_same_instant_count_once(
    app, db, organizer_client, final, juror, attempt
):
    organizer_client.post(f"/organizer/rounds/{final.round.id}/live/control", data={"action": "start"})
    application = final.apps[0]
    card = final.cards[(juror.id, application.id)]
    data = {"score-pitch": "6", "submission_id": str(uuid.uuid4()), "version": str(card.version)}
    results = race(app, juror, f"/jury/rounds/{final.round.id}/live/{application.id}/send", data, 4)
    assert all(isinstance(r, tuple) for r in results), results
    assert [status for status, _ in results] == [200] * 4
    assert len({body["version"] for _, body in results}) == 1
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(ReceivedSubmission)) == 1
    assert db.get(Assignment, card.id).status == "submitted"
    submitted = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "assignment", AuditEvent.object_id == card.id
        )
    ).all()
    assert submitted == ["scorecard.submitted"]
