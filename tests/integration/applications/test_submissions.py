"""The submission record (issue 12, item 6): each submission is kept as it was sent.

A resubmission after an organizer reopened the application adds a row; the receipt of the first one,
reprinted later, still shows the first content, its receipt number and the consent given then.
``Application.extra`` is gone: migration 0007 moves what it carried (tested from a 0006 database).
``led_by_woman`` is stored once (``led_by_woman_answer``).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta

from sqlalchemy import MetaData, select, update

from judging.accounts.models import User
from judging.applications.models import Application, Submission
from judging.applications.operations import delete_account
from judging.core.migrate import upgrade
from judging.core.models import utcnow
from judging.db import make_engine
from judging.exchange.export import export_edition
from judging.exchange.import_ import ImportFailed, import_edition
from judging.exchange.validate import validate
from tests.conftest import login
from tests.integration.deploy.scratch_db import scratch_postgres
from tests.scenarios import contest, database_at_0001, form_for, pdf_text, post_form, start

FIRST_TITLE = "Serre urbaine connectée"
SECOND_TITLE = "Serre urbaine avec budget"


def submitted_then_resubmitted(client, make, db, organizer):
    """Submit, the organizers reopen it with a reason, the candidate edits and submits again."""
    c = contest(make, db)
    owner = make.user(email="lea@serre.example", name="Léa Tremblay", language="en")
    db.commit()
    login(client, owner)
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    application = start(client, c)
    assert post_form(client, application, form_for(c, led_by_woman="yes")).status_code == 302
    db.expire_all()
    application = db.get(Application, application.id)
    application.deadline_extended_to = utcnow() + timedelta(days=30)
    db.commit()
    login(client, organizer)
    reopen = f"/organizer/editions/{application.edition_id}/applications/{application.id}/reopen"
    assert client.post(reopen, data={"reason": "Ajoutez votre budget."}).status_code == 302
    login(client, owner)
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    second = form_for(c, title=SECOND_TITLE, led_by_woman="unsaid", publication_consent="no")
    assert post_form(client, application, second).status_code == 302
    db.expire_all()
    return c, db.get(Application, application.id)


def test_a_resubmission_adds_a_record_and_the_first_receipt_still_shows_the_first_content(
    client, make, db, organizer
):
    c, application = submitted_then_resubmitted(client, make, db, organizer)

    first, second = db.scalars(
        select(Submission).where(Submission.application_id == application.id).order_by(Submission.id)
    ).all()
    assert (first.content["title"], second.content["title"]) == (FIRST_TITLE, SECOND_TITLE)
    assert (first.content["led_by_woman"], second.content["led_by_woman"]) == ("yes", "unsaid")
    assert [s.content["consent"]["publication"] for s in (first, second)] == [True, False]
    assert first.receipt_number != second.receipt_number == application.receipt_number
    assert first.submitted_at <= second.submitted_at and first.fingerprint != second.fingerprint
    assert first.context["prize"]["code"] == c.prize.code and first.context["ref"] == application.ref
    assert application.first_submitted_at == first.submitted_at

    base = f"/candidate/applications/{application.id}/receipt.pdf"
    old = pdf_text(client.get(f"{base}?number={first.receipt_number}").data)
    assert FIRST_TITLE in old and first.receipt_number in old and first.fingerprint in old
    assert SECOND_TITLE not in old and second.receipt_number not in old
    latest = pdf_text(client.get(base).data)
    assert SECOND_TITLE in latest and second.receipt_number in latest and "I prefer not to say" in latest
    assert client.get(f"{base}?number=NOT-A-RECEIPT").status_code == 404

    page = client.get(f"/candidate/applications/{application.id}").get_data(as_text=True)
    assert f"{base}?number={first.receipt_number}" in page and second.receipt_number in page

    archive = zipfile.ZipFile(io.BytesIO(client.post("/candidate/my-data/export").data))
    [exported] = json.loads(archive.read("my-data.json"))["applications"]
    assert [(s["receipt_number"], s["content"]["title"]) for s in exported["submissions"]] == [
        (first.receipt_number, FIRST_TITLE),
        (second.receipt_number, SECOND_TITLE),
    ]


def test_a_reprinted_receipt_shows_what_was_submitted_not_the_live_row(client, make, db, organizer):
    _, application = submitted_then_resubmitted(client, make, db, organizer)
    first = application.submissions[0]
    db.execute(
        update(Application)
        .where(Application.id == application.id)
        .values(title="Changed later", consent_at=datetime(2031, 1, 2, tzinfo=UTC))
    )
    db.commit()
    text = pdf_text(
        client.get(f"/candidate/applications/{application.id}/receipt.pdf?number={first.receipt_number}").data
    )
    assert FIRST_TITLE in text and "Changed later" not in text and "2031" not in text


def test_led_by_woman_is_stored_once_and_read_back_by_the_form(client, make, db, organizer):
    _, application = submitted_then_resubmitted(client, make, db, organizer)
    assert application.led_by_woman_answer == "unsaid" and application.led_by_woman is None
    assert db.scalar(select(Application.id).where(Application.led_by_woman.is_(None))) == application.id
    edit = client.get(f"/candidate/applications/{application.id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*\bchecked\b[^>]*name="led_by_woman"[^>]*value="unsaid"', edit)
    application.led_by_woman = True
    db.commit()
    assert application.led_by_woman_answer == "yes"
    assert db.scalar(select(Application.id).where(Application.led_by_woman.is_(True))) == application.id


def test_export_and_import_carry_the_submission_history(client, make, db, organizer):
    c, application = submitted_then_resubmitted(client, make, db, organizer)
    doc = export_edition(db, c.edition)
    [item] = doc["applications"]
    assert [s["content"]["title"] for s in item["submissions"]] == [FIRST_TITLE, SECOND_TITLE]
    kept = [(s.receipt_number, s.fingerprint, s.content) for s in application.submissions]

    try:  # the same receipts cannot name two submissions in one database
        import_edition(db, {**doc, "edition": {**doc["edition"], "code": "copy-2026"}})
    except ImportFailed as refused:
        assert {(e.path, e.code) for e in refused.errors} == {
            ("applications[0].submissions[0].receipt_number", "exists"),
            ("applications[0].submissions[1].receipt_number", "exists"),
        }
        assert "is already used in this database" in str(refused.errors[0])
    else:
        raise AssertionError("the copy was imported with the same receipt numbers")
    db.rollback()

    edition = import_edition(db, doc, replace=True)
    db.commit()
    again = db.scalar(select(Application).where(Application.edition_id == edition.id))
    assert [(s.receipt_number, s.fingerprint, s.content) for s in again.submissions] == kept
    assert again.receipt_number == kept[-1][0]
    assert export_edition(db, edition) == doc


# Migration 0007 ---------------------------------------------------------------------------------

EARLY = datetime(2025, 11, 20, 15, 0, tzinfo=UTC)
LATER = datetime(2025, 11, 22, 16, 30, tzinfo=UTC)
OUT = datetime(2025, 11, 25, 9, 15, tzinfo=UTC)
KEPT_SUBMISSION = {
    "content": {"title": "Robot de serre", "language": "fr", "led_by_woman": "unsaid", "answers": []},
    "fingerprint": "ab" * 32,
    "prize": {"code": "innovation", "name": {"fr": "Innovation", "en": "Innovation"}},
    "edition": {"code": "mtl-2025", "name": {"fr": "MTL 2025", "en": "MTL 2025"}},
    "ref": "INN-001",
    "receipt_number": "MTL-2025-INN-001-0A1B",
    "submitted_at": LATER.isoformat(),
    "first_submitted_at": EARLY.isoformat(),
}


def _upgrade_moves_extra(url: str) -> None:
    database_at_0001(url)  # one row in every table: edition 1, prize 1, application 1
    upgrade(url, "0006")
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine, only=["applications"])
    applications = metadata.tables["applications"]
    extra = {
        "led_by_woman": "unsaid",
        "first_submitted_at": EARLY.isoformat(),
        "submission": KEPT_SUBMISSION,
        "withdrawn_at": OUT.isoformat(),
    }
    with engine.begin() as connection:
        row = dict(connection.execute(select(applications)).mappings().one())
        connection.execute(update(applications).values(extra=extra, led_by_woman=None))
        plain = {**row, "id": 2, "ref": "INN-002", "receipt_number": None, "extra": None}
        plain["led_by_woman"] = False
        connection.execute(applications.insert().values(plain))
    engine.dispose()

    upgrade(url, "head")

    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine, only=["applications", "submissions"])
    applications, submissions = metadata.tables["applications"], metadata.tables["submissions"]
    with engine.connect() as connection:
        moved = connection.execute(select(applications).order_by(applications.c.id)).mappings().all()
        history = connection.execute(select(submissions).order_by(submissions.c.id)).mappings().all()
    engine.dispose()
    assert "extra" not in moved[0] and "led_by_woman" not in moved[0]
    assert [a["led_by_woman_answer"] for a in moved] == ["unsaid", "no"]
    assert _utc(moved[0]["withdrawn_at"]) == OUT and moved[1]["withdrawn_at"] is None
    assert [(h["application_id"], _utc(h["submitted_at"]), h["receipt_number"]) for h in history] == [
        (1, EARLY, None),  # overwritten by the resubmission before 0007: only its time was kept
        (1, LATER, "MTL-2025-INN-001-0A1B"),
    ]
    assert history[0]["content"] is None
    assert history[1]["content"] == KEPT_SUBMISSION["content"]
    assert history[1]["fingerprint"] == "ab" * 32 and history[1]["language"] == "fr"
    assert history[1]["context"] == {
        "ref": "INN-001",
        "prize": KEPT_SUBMISSION["prize"],
        "edition": KEPT_SUBMISSION["edition"],
    }


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def test_0007_moves_extra_into_the_submission_record_and_columns_on_sqlite(tmp_path):
    _upgrade_moves_extra(f"sqlite:///{tmp_path / 'at-0006.sqlite'}")


def test_0007_moves_extra_into_the_submission_record_and_columns_on_postgresql(database_url):
    with scratch_postgres(database_url, "extra") as url:
        _upgrade_moves_extra(url)


def test_the_import_refuses_bad_submission_entries_with_their_place(client, make, db, organizer):
    c, _ = submitted_then_resubmitted(client, make, db, organizer)
    doc = export_edition(db, c.edition)
    first, second = doc["applications"][0]["submissions"]
    first["receipt_number"] = 'MTL"\r\nX'
    second.pop("submitted_at")
    doc["applications"][0]["submissions"].append({**second, "submitted_at": "2026-01-01T00:00:00-05:00"})
    errors = {(e.path, e.code) for e in validate(doc)}
    assert errors == {
        ("applications[0].submissions[0].receipt_number", "code"),
        ("applications[0].submissions[1].submitted_at", "required"),
        ("applications[0].submissions[2].receipt_number", "duplicate"),
    }


def test_a_deleted_account_leaves_no_contact_or_file_name_in_the_kept_submissions(
    client, make, db, organizer
):
    c, application = submitted_then_resubmitted(client, make, db, organizer)
    history = [s.content for s in application.submissions]
    assert {h["contact"]["email"] for h in history} == {"lea@example.com"}
    assert any(
        item.get("file", {}) and item["file"]["filename"] == "deck.pdf" for item in history[0]["answers"]
    )
    c.edition.winners_public_at = c.edition.applications_close + timedelta(days=1)
    db.commit()
    owner = db.scalar(select(User).where(User.email == "lea@serre.example"))
    delete_account(db, owner, now=c.edition.applications_close + timedelta(days=400))
    db.commit()
    db.expire_all()
    kept = db.scalars(select(Submission).where(Submission.application_id == application.id)).all()
    stored = json.dumps([s.content for s in kept], ensure_ascii=False)
    assert len(kept) == 2 and FIRST_TITLE in stored
    assert "lea@example.com" not in stored and "Léa Tremblay" not in stored and "deck.pdf" not in stored


def test_the_demo_candidates_receipt_prints_the_application_as_it_stands(client, db):
    """The demo's submission is imported without its content (issue 15 item 14): its receipt prints the
    application as it stands (docs/demo.md) instead of failing with a server error."""
    from judging.devdata import demo

    demo.load_demo(db)
    db.commit()
    candidate = db.scalar(select(User).where(User.email == demo.CANDIDATE_EMAIL))
    application = db.scalars(
        select(Application).where(Application.applicant_id == candidate.id, Application.status == "submitted")
    ).one()
    assert application.submissions[0].content is None  # what the demo's import leaves
    login(client, candidate)

    response = client.get(f"/candidate/applications/{application.id}/receipt.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert application.receipt_number in text and application.title.split()[0] in text


def test_the_receipt_names_the_contest_once(client, db):
    """« MTL Tech Awards 2026 (démo) », not « MTL Tech Awards · MTL Tech Awards 2026 (démo) »."""
    from judging.devdata import demo

    demo.load_demo(db)
    db.commit()
    candidate = db.scalar(select(User).where(User.email == demo.CANDIDATE_EMAIL))
    application = db.scalars(
        select(Application).where(Application.applicant_id == candidate.id, Application.status == "submitted")
    ).one()
    login(client, candidate)

    text = pdf_text(client.get(f"/candidate/applications/{application.id}/receipt.pdf").data)

    assert "MTL Tech Awards 2026 (démo)" in text and "MTL Tech Awards · MTL Tech Awards" not in text
