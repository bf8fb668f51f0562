"""Files through the application form: checked by content, limited in size, stored and served safely."""

from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import func, select

from judging.applications.models import Attachment
from tests.conftest import login
from tests.scenarios import (
    ELF,
    EXE,
    JPEG,
    PDF,
    PNG,
    contest,
    form_for,
    post_form,
    start,
    text_of,
    uploaded_files,
)


def save_with(client, c, application, **files):
    data = form_for(c, action="save", **{f"q_{getattr(c, name).id}": value for name, value in files.items()})
    if "deck" not in files:
        data.pop(f"q_{c.deck.id}")
    return post_form(client, application, data)


def field_error(html: str, question) -> str:
    match = re.search(rf'id="q_{question.id}-errors"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""


def test_an_executable_named_pdf_is_refused(app, alice_client, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    for payload in (EXE, ELF, b"<html><script>alert(1)</script></html>", PNG):
        response = save_with(alice_client, c, application, deck=(io.BytesIO(payload), "deck.pdf"))
        html = text_of(response)
        assert response.status_code == 422
        assert field_error(html, c.deck) == "This file is not a valid PDF file."
        assert "Your draft is saved, but a file was refused" in html
    db.expire_all()
    assert application.title == "Serre urbaine connectée"  # the text was saved all the same
    assert db.scalar(select(func.count()).select_from(Attachment)) == 0
    assert uploaded_files(app) == []


def test_a_logo_must_be_png_or_jpeg(app, alice_client, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    response = save_with(alice_client, c, application, logo=(io.BytesIO(PDF), "logo.png"))
    assert field_error(text_of(response), c.logo) == "This file is not a valid PNG, JPEG file."
    assert save_with(alice_client, c, application, logo=(io.BytesIO(JPEG), "logo.jpeg")).status_code == 302
    db.expire_all()
    [attachment] = application.attachments
    assert (attachment.filename, attachment.content_type) == ("logo.jpg", "image/jpeg")
    # A PNG sent as "logo.jpg" is stored as what it is.
    assert save_with(alice_client, c, application, logo=(io.BytesIO(PNG), "logo.jpg")).status_code == 302
    db.expire_all()
    [attachment] = application.attachments
    assert (attachment.filename, attachment.content_type) == ("logo.png", "image/png")
    assert len(uploaded_files(app)) == 1  # the replaced file is gone from disk


def test_too_large_and_empty_files_are_refused(app, alice_client, make, db):
    c = contest(make, db)
    c.prize.max_deck_mb = 1
    db.commit()
    application = start(alice_client, c)
    too_big = PDF + b"0" * (1024 * 1024 - len(PDF) + 1)
    response = save_with(alice_client, c, application, deck=(io.BytesIO(too_big), "deck.pdf"))
    assert field_error(text_of(response), c.deck) == "This file is larger than 1 MB."
    response = save_with(alice_client, c, application, deck=(io.BytesIO(b""), "deck.pdf"))
    assert field_error(text_of(response), c.deck) == "This file is empty."
    exactly = PDF + b"0" * (1024 * 1024 - len(PDF))
    assert save_with(alice_client, c, application, deck=(io.BytesIO(exactly), "deck.pdf")).status_code == 302
    db.expire_all()
    assert [a.size_bytes for a in application.attachments] == [1024 * 1024]
    page = text_of(alice_client.get(f"/candidate/applications/{application.id}/edit"))
    assert "Accepted: PDF, up to 1 MB." in page
    assert 'data-max-bytes="1048576"' in page


def test_a_hostile_name_is_stored_safely_and_served_with_a_safe_name(app, alice_client, make, db, tmp_path):
    c = contest(make, db)
    application = start(alice_client, c)
    response = save_with(alice_client, c, application, deck=(io.BytesIO(PDF), "../../x.pdf"))
    assert response.status_code == 302
    db.expire_all()
    [attachment] = application.attachments
    assert attachment.filename == "x.pdf"
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.storage_key)
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert uploaded_files(app) == [folder / attachment.storage_key]
    assert not (folder.parent.parent / "x.pdf").exists() and not (tmp_path / "x.pdf").exists()
    assert "static" not in folder.parts

    response = alice_client.get(f"/candidate/files/{attachment.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Disposition"] == "attachment; filename=x.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"

    for name, expected in [
        ("../../../etc/deck.pdf", "deck.pdf"),
        ("<script>.pdf", "script.pdf"),
        ("présentation finale.PDF", "presentation_finale.pdf"),
        ("....", "file.pdf"),
        ("/etc/passwd", "passwd.pdf"),
    ]:
        save_with(alice_client, c, application, deck=(io.BytesIO(PDF + name.encode()), name))
        db.expire_all()
        assert [a.filename for a in application.attachments] == [expected]
        response = alice_client.get(f"/candidate/files/{application.attachments[0].id}")
        assert response.headers["Content-Disposition"] == f"attachment; filename={expected}"


def test_removing_a_file(app, alice_client, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    save_with(alice_client, c, application, logo=(io.BytesIO(PNG), "logo.png"))
    assert len(uploaded_files(app)) == 1
    data = form_for(c, action="save", **{f"q_{c.logo.id}_remove": "y"})
    data.pop(f"q_{c.deck.id}")
    assert post_form(alice_client, application, data).status_code == 302
    db.expire_all()
    assert application.attachments == []
    assert uploaded_files(app) == []


def test_files_are_served_only_to_people_allowed(app, client, make, db):
    c = contest(make, db)
    owner = make.user(email="owner@example.org")
    db.commit()
    login(client, owner)
    application = start(client, c)
    save_with(client, c, application, deck=(io.BytesIO(PDF), "deck.pdf"))
    db.expire_all()
    attachment_id = application.attachments[0].id
    assert client.get(f"/candidate/files/{attachment_id}").status_code == 200
    client.post("/auth/logout")

    # Logged out: to the login page.
    response = client.get(f"/candidate/files/{attachment_id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]

    juror = make.user(email="j@example.org", roles=["juror"])
    organizer = make.user(email="o@example.org", roles=["organizer"])
    db.commit()
    login(client, juror)
    assert client.get(f"/candidate/files/{attachment_id}").status_code == 404  # not assigned
    rnd = make.round(c.prize, phase="judging")
    make.scorecard(rnd, juror, application, status="assigned")
    db.commit()
    # assigned or not, a juror fetches files through the scorecard (whose round decides the name)
    assert client.get(f"/candidate/files/{attachment_id}").status_code == 404
    login(client, organizer)
    assert client.get(f"/candidate/files/{attachment_id}").status_code == 200
    assert client.get("/candidate/files/999999").status_code == 404
