"""My data: a ZIP export (JSON and files), account deletion refused while under review, allowed after."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import func, select

from judging.accounts.models import User
from judging.applications.models import Application, Attachment
from judging.core.audit_event import AuditEvent
from tests.factories import PASSWORD
from tests.scenarios import (
    PDF,
    PNG,
    contest,
    form_for,
    post_form,
    start,
    text_of,
    uploaded_files,
)


def test_export_zip_holds_json_and_files(app, alice_client, alice, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    data = form_for(c, **{f"q_{c.logo.id}": (io.BytesIO(PNG), "logo.png")})
    assert post_form(alice_client, application, data).status_code == 302
    response = alice_client.post("/candidate/my-data/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == [
        "files/INN-001/deck-deck.pdf",
        "files/INN-001/logo-logo.png",
        "my-data.json",
    ]
    assert archive.read("files/INN-001/deck-deck.pdf") == PDF
    assert archive.read("files/INN-001/logo-logo.png") == PNG
    document = json.loads(archive.read("my-data.json"))
    assert document["account"]["email"] == "alice@example.org"
    [exported] = document["applications"]
    db.expire_all()
    assert exported["ref"] == "INN-001"
    assert exported["status"] == "submitted"
    assert exported["receipt_number"] == application.receipt_number
    assert exported["title"] == "Serre urbaine connectée"
    assert exported["organization"]["name"] == "Serre Inc."
    assert exported["led_by_woman"] == "yes"
    assert (
        exported["answers"]["pitch"]["value"]
        == "Robots tend the greenhouse and share the harvest with neighbours."
    )
    assert exported["answers"]["public"]["value"] is False
    assert [f["path"] for f in exported["files"]] == [
        "files/INN-001/deck-deck.pdf",
        "files/INN-001/logo-logo.png",
    ]
    assert (
        db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.data_exported")
        )
        == 1
    )


def test_deletion_is_refused_while_under_review_and_explained(app, alice_client, alice, make, db, clock):
    c = contest(make, db)
    c.edition.winners_public_at = c.edition.applications_close + timedelta(days=30)
    db.commit()
    application = start(alice_client, c)
    post_form(alice_client, application, form_for(c))
    html = text_of(alice_client.get("/candidate/my-data"))
    assert "Your account cannot be deleted while an application is under review" in html
    assert "you can delete your account once the results are announced, on" in html
    assert 'id="delete-account"' not in html
    response = alice_client.post("/candidate/my-data/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 422
    assert "An application is still under review" in text_of(response)
    assert db.get(User, alice.id) is not None
    assert len(uploaded_files(app)) == 1


def test_deletion_after_the_results_removes_account_drafts_and_files(
    app, alice_client, alice, make, db, clock
):
    c = contest(make, db)
    other = make.prize(c.edition, code="jeunesse")
    make.question(other, code="deck", type="file")
    db.commit()
    judged = start(alice_client, c)
    post_form(alice_client, judged, form_for(c))
    response = alice_client.post(f"/candidate/prizes/{other.id}/apply")
    draft_id = int(response.headers["Location"].split("/")[-2])
    draft = db.get(Application, draft_id)
    post_form(
        alice_client,
        draft,
        {
            "title": "Brouillon",
            "action": "save",
            f"q_{other.questions[0].id}": (io.BytesIO(PDF + b"2"), "d.pdf"),
        },
    )
    assert len(uploaded_files(app)) == 2
    judged_id = judged.id

    clock.set(c.edition.ceremony_at + timedelta(days=1))
    html = text_of(alice_client.get("/candidate/my-data"))
    assert 'id="delete-account"' in html
    response = alice_client.post(
        "/candidate/my-data/delete", data={"password": "wrong-password-1", "confirm": "y"}
    )
    assert response.status_code == 422 and "Wrong password." in text_of(response)
    assert db.get(User, alice.id) is not None

    response = alice_client.post("/candidate/my-data/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(User).where(User.email == "alice@example.org")) == 0
    assert db.get(Application, draft_id) is None
    kept = db.get(Application, judged_id)
    assert kept.applicant_id is None and kept.contact_email is None and kept.contact_name is None
    assert kept.status == "submitted" and kept.title == "Serre urbaine connectée"
    assert db.scalar(select(func.count()).select_from(Attachment)) == 0
    assert uploaded_files(app) == []
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.deleted")).one()
    assert event.after["applications_deleted"] == 1 and event.after["applications_anonymised"] == 1
    assert event.after["files_deleted"] == 2
    # Logged out: the candidate area asks to log in again.
    response = alice_client.get("/candidate/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_withdrawing_first_allows_deletion_at_once(app, alice_client, alice, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    post_form(alice_client, application, form_for(c))
    alice_client.post(f"/candidate/applications/{application.id}/withdraw", data={"confirm": "y"})
    response = alice_client.post("/candidate/my-data/delete", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Application)) == 0
    assert uploaded_files(app) == []
