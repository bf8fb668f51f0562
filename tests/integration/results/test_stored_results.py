"""Stored round results (issue 14): the results page reads what was stored, never a stale ranking.

Every write path that can change a ranking marks the round's stored results stale in its own
transaction (``judging.results.models.mark_stale``); the round's settings are compared on read.
Each test here first shows the page (results computed and stored), then writes through the
application's own service, and checks that the stored results were marked stale by that write and
that the page then shows exactly a fresh computation. The stored results document is the fresh
``judging results --json`` document, byte for byte.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from judging.accounts import operations as accounts
from judging.applications import operations as applications
from judging.applications import screening
from judging.core.models import utcnow
from judging.db import session as db_session
from judging.devdata.generate import generate_edition
from judging.editions import operations as editions
from judging.editions.models import Criterion, Edition, Round
from judging.jury import operations as jury
from judging.jury import scoring
from judging.jury.models import Assignment, Conflict
from judging.results import computation as results_service
from judging.results import phases, stored
from judging.results.models import RoundResult, RoundResultRow
from tests.scenarios import five_by_four, page_rows, results_url


def card_of(db, rnd, juror, application) -> Assignment:
    return db.scalars(
        select(Assignment).where(
            Assignment.round_id == rnd.id,
            Assignment.juror_id == juror.id,
            Assignment.application_id == application.id,
        )
    ).one()


def fresh_ranking(db, rnd) -> list[dict]:
    """The round's ranking computed afresh from the database, as the results document has it."""
    db.expire_all()
    rnd = db.get(Round, rnd.id)
    return results_service.round_document(results_service.round_computation(db, rnd))["ranking"]


def is_stale(db, rnd) -> bool:
    db.expire_all()
    row = db.get(RoundResult, rnd.id)
    return row is None or row.stale


# --- each write path, through the service the application calls ------------------------------------------


def save_submitted(db, rnd, apps, jurors, organizer):
    card = card_of(db, rnd, jurors["H"], apps["C"])
    scoring.save(db, card, actor=jurors["H"], scores={"overall": "100"}, submit=True)


def save_without_submitting(db, rnd, apps, jurors, organizer):
    card = card_of(db, rnd, jurors["L"], apps["A"])
    scoring.save(db, card, actor=jurors["L"], scores={"overall": "10"}, submit=False)


def abstain(db, rnd, apps, jurors, organizer):
    card = card_of(db, rnd, jurors["L"], apps["A"])
    scoring.abstain(db, card, actor=jurors["L"], reason="I know this team too well")


def recuse(db, rnd, apps, jurors, organizer):
    card = card_of(db, rnd, jurors["L"], apps["A"])
    scoring.recuse(db, card, actor=jurors["L"], reason="My sister founded it")


def record_conflict(db, rnd, apps, jurors, organizer):
    jury.record_conflict(db, user=jurors["L"], application=apps["A"], reason="Board member", actor=organizer)


def lift_conflict(db, rnd, apps, jurors, organizer):
    conflict = db.scalars(select(Conflict).where(Conflict.user_id == jurors["L"].id)).one()
    jury.lift_conflict(db, conflict, reason="Left the board in 2019", actor=organizer)


def detect_conflicts(db, rnd, apps, jurors, organizer):
    jury.detect(db, rnd, actor=organizer)


def remove_assignment(db, rnd, apps, jurors, organizer):
    jury.remove_assignment(db, card_of(db, rnd, jurors["L"], apps["A"]), actor=organizer, confirmed=True)


def withdraw(db, rnd, apps, jurors, organizer):
    applications.withdraw(db, apps["A"], actor=apps["A"].applicant)


def mark_ineligible(db, rnd, apps, jurors, organizer):
    screening.mark_ineligible(db, apps["A"], actor=organizer, reason="Founded outside Québec in 2024")


def mark_eligible_again(db, rnd, apps, jurors, organizer):
    screening.mark_eligible(db, apps["A"], actor=organizer, note="Checked again: eligible")


def reopen_application(db, rnd, apps, jurors, organizer):
    screening.reopen(
        db, apps["A"], actor=organizer, reason="Missing attachment", extend_to=utcnow() + timedelta(days=900)
    )


def rename_juror(db, rnd, apps, jurors, organizer):
    accounts.update_profile(db, jurors["L"], name="Laurence Nouveau-Nom", language="fr")


WRITE_PATHS = [
    save_submitted,
    save_without_submitting,
    abstain,
    recuse,
    record_conflict,
    remove_assignment,
    withdraw,
    mark_ineligible,
    reopen_application,
    rename_juror,
]


@pytest.mark.parametrize("write", WRITE_PATHS, ids=lambda f: f.__name__)
def test_every_write_path_marks_the_stored_results_stale_and_the_page_shows_a_fresh_ranking(
    app, db, make, organizer, organizer_client, write
):
    edition, prize, rnd, apps, jurors = five_by_four(make, db, phase="judging")
    url = results_url(edition, prize, rnd)
    before = page_rows(organizer_client.get(url).get_data(as_text=True))
    assert before == fresh_ranking(db, rnd)
    assert not is_stale(db, rnd)

    with app.test_request_context():  # mails are rendered as the route would
        write(db, db.get(Round, rnd.id), apps, jurors, organizer)
        db.commit()
    assert is_stale(db, rnd)  # marked in the write's own transaction

    html = organizer_client.get(url).get_data(as_text=True)
    assert page_rows(html) == fresh_ranking(db, rnd)
    if write is rename_juror:
        assert "Laurence Nouveau-Nom" in html  # the totals name the juror as they are now called
    else:
        assert page_rows(html) != before  # each of these writes changes this round's ranking
    assert not is_stale(db, rnd)


def test_a_conflict_lifted_or_detected_and_an_application_found_eligible_again_mark_it_stale(
    app, db, make, organizer, organizer_client
):
    edition, prize, rnd, apps, jurors = five_by_four(make, db, phase="judging")
    url = results_url(edition, prize, rnd)
    steps = [
        (record_conflict, None),
        (lift_conflict, None),
        (mark_ineligible, None),
        (mark_eligible_again, None),
    ]
    apps["B"].contact_email = "founder@jury.example"  # the jurors' own domain: detected as a conflict
    db.commit()
    steps.append((detect_conflicts, None))
    for write, _ in steps:
        organizer_client.get(url)
        assert not is_stale(db, rnd)
        before = page_rows(organizer_client.get(url).get_data(as_text=True))
        with app.test_request_context():
            write(db, db.get(Round, rnd.id), apps, jurors, organizer)
            db.commit()
        assert is_stale(db, rnd), write.__name__
        after = page_rows(organizer_client.get(url).get_data(as_text=True))
        assert after == fresh_ranking(db, rnd), write.__name__
        assert after != before, write.__name__


def test_changed_settings_are_seen_on_read_without_being_marked(app, db, make, organizer, organizer_client):
    """Method, tie-break, criteria and the cut are stored with the results and compared on read."""
    edition, prize, rnd, apps, jurors = five_by_four(make, db, phase="setup", finalists=2)
    url = results_url(edition, prize, rnd)
    first = organizer_client.get(url).get_data(as_text=True)
    phases.change_method(db, db.get(Round, rnd.id), method="median", tie_break=[], actor=organizer)
    db.commit()
    median = organizer_client.get(url).get_data(as_text=True)
    assert page_rows(median) == fresh_ranking(db, rnd) != page_rows(first)

    criterion = db.scalars(select(Criterion).where(Criterion.round_id == rnd.id)).one()
    editions.update_criterion(db, criterion, actor=organizer, max_value=Decimal(200))
    db.commit()
    rescaled = organizer_client.get(url).get_data(as_text=True)
    assert page_rows(rescaled) == fresh_ranking(db, rnd) != page_rows(median)

    editions.update_prize(db, prize, actor=organizer, finalists=3)
    db.commit()
    wider = organizer_client.get(url).get_data(as_text=True)
    assert "Les 3 finalistes sont au-dessus de la ligne" in wider


def test_the_stored_document_is_the_fresh_results_document_byte_for_byte(app, db, make):
    generate_edition(db, code="gen-stored", applications=300, jurors=24, seed=11, prizes=2)
    db.commit()
    five_by_four(make, db)
    for edition in db.scalars(select(Edition)):
        fresh = json.dumps(results_service.results_document(db, edition), ensure_ascii=False)
        from_store = json.dumps(stored.results_document(db, edition), ensure_ascii=False)
        assert from_store == fresh
        # read again: nothing recomputed, the same bytes
        assert json.dumps(stored.results_document(db, edition), ensure_ascii=False) == fresh
    assert db.scalar(select(RoundResultRow.round_id).limit(1)) is not None


@pytest.mark.committing  # two threads, two connections: the lock is the database's
def test_two_readers_at_once_compute_the_round_once(app, db, make, monkeypatch):
    edition, prize, rnd, *_ = five_by_four(make, db)
    computed = []
    real = results_service.round_outcome

    def counting(*args, **kwargs):
        computed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(results_service, "round_outcome", counting)
    start = threading.Barrier(2)
    pages = []

    def read():
        with app.app_context():
            start.wait()
            rnd_here = db_session.get(Round, rnd.id)
            report = stored.page_report(db_session, rnd_here, rnd_here.prize, [rnd_here])
            pages.append([line.ref for line in report.load_page(0, 100)])

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(computed) == 1
    assert pages[0] == pages[1] == [row["application"] for row in fresh_ranking(db, rnd)]


def test_a_draft_saved_again_leaves_the_stored_results_fresh(app, db, make, organizer, organizer_client):
    """Jurors save drafts all day: only a change to or from a submitted scorecard is a new ranking."""
    edition, prize, rnd, apps, jurors = five_by_four(make, db, phase="judging")
    late = make.application(prize, ref="F", title="Projet F")
    draft = make.scorecard(rnd, jurors["L"], late, scores={"overall": 50}, status="draft")
    db.commit()
    url = results_url(edition, prize, rnd)
    organizer_client.get(url)
    assert not is_stale(db, rnd)
    with app.test_request_context():
        scoring.save(db, draft, actor=jurors["L"], scores={"overall": "60"}, submit=False)
        db.commit()
    assert not is_stale(db, rnd)
    with app.test_request_context():
        scoring.save(db, draft, actor=jurors["L"], scores={"overall": "60"}, submit=True)
        db.commit()
    assert is_stale(db, rnd)
    html = organizer_client.get(url).get_data(as_text=True)
    assert page_rows(html) == fresh_ranking(db, rnd)
    assert "F" in [row["application"] for row in page_rows(html)]


def test_an_application_reopened_then_submitted_again_counts_again(
    app, db, make, organizer, organizer_client
):
    edition, prize, rnd, apps, jurors = five_by_four(make, db, phase="judging")
    url = results_url(edition, prize, rnd)
    with app.test_request_context():
        reopen_application(db, rnd, apps, jurors, organizer)
        db.commit()
    without = page_rows(organizer_client.get(url).get_data(as_text=True))
    assert "A" not in [row["application"] for row in without]
    with app.test_request_context():
        apps["A"].summary, apps["A"].contact_name = "A better summary", "Alex Fondatrice"
        apps["A"].consent_at, apps["A"].publication_consent = utcnow(), True  # what the form asks
        applications.submit(db, apps["A"], None, actor=apps["A"].applicant)
        db.commit()
    assert is_stale(db, rnd)
    again = page_rows(organizer_client.get(url).get_data(as_text=True))
    assert again == fresh_ranking(db, rnd)
    assert "A" in [row["application"] for row in again]
