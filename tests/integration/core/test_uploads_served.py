"""Every upload is served one way (issue 11, items 6 and 15): one rule decides who gets which file under
which name, and every route answers with a download (``attachment``), ``nosniff`` and a sandbox CSP.

The data that could leak is in the test: the candidate's file is named after the organization
(``Acme-Robotique-pitch.pdf``) and holds HTML and JavaScript behind a ``%PDF-`` header.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from judging.applications.models import Application
from judging.core.models import utcnow
from tests.conftest import login
from tests.scenarios import contest, form_for, post_form, start

HOSTILE_PDF = (
    b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"
    b"1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert('hi')) >> >> endobj\n"
    b"%%EOF\n"
)
ORIGINAL_NAME = "Acme-Robotique-pitch.pdf"


@pytest.fixture
def submitted(client, make, db):
    """A submitted application of Acme Robotique whose deck is the hostile PDF, sent through the form."""
    c = contest(make, db)
    owner = make.user(email="ceo@acme-robotique.example", name="Ada Acme", language="en")
    db.commit()
    login(client, owner)
    application = start(client, c)
    data = form_for(
        c,
        org_name="Acme Robotique inc.",
        contact_name="Ada Acme",
        contact_email="ceo@acme-robotique.example",
        **{f"q_{c.deck.id}": (io.BytesIO(HOSTILE_PDF), ORIGINAL_NAME)},
    )
    response = post_form(client, application, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.expire_all()
    application = db.get(Application, application.id)
    assert application.status == "submitted"
    [attachment] = application.attachments
    assert attachment.filename == ORIGINAL_NAME
    client.post("/auth/logout")
    return {"contest": c, "owner": owner, "application": application, "attachment": attachment}


def assign(make, db, submitted, juror, *, blind: bool):
    rnd = make.round(
        submitted["contest"].prize,
        code="blind" if blind else "open",
        blind=blind,
        phase="judging",
        judging_closes_at=utcnow() + timedelta(days=3),
    )
    make.jury(rnd, juror)
    make.scorecard(rnd, juror, submitted["application"], status="assigned")
    db.commit()
    return f"/jury/rounds/{rnd.id}/applications/{submitted['application'].id}"


def headers_text(response) -> str:
    return "\n".join(f"{name}: {value}" for name, value in response.headers.items())


def assert_served_safely(response, *, name: str) -> None:
    assert response.status_code == 200
    assert response.data == HOSTILE_PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_blind_round_juror_never_gets_the_original_file_name(client, make, db, submitted, juror):
    base = assign(make, db, submitted, juror, blind=True)
    attachment = submitted["attachment"]
    ref = submitted["application"].ref
    login(client, juror)
    page = client.get(base).get_data(as_text=True)
    assert f"{ref}-deck.pdf" in page
    assert "acme" not in page.lower()
    # linked as a download, never embedded in the page (an iframe of an attachment downloads it on load)
    assert f'href="{base}/files/{attachment.id}" download' in page
    assert "<iframe" not in page

    response = client.get(f"{base}/files/{attachment.id}")
    assert_served_safely(response, name=f"{ref}-deck.pdf")
    assert "acme" not in headers_text(response).lower()

    # the candidate's own route gives a juror nothing: a juror's files come through the scorecard
    refused = client.get(f"/candidate/files/{attachment.id}")
    assert refused.status_code == 404
    assert "acme" not in headers_text(refused).lower() + refused.get_data(as_text=True).lower()


def test_an_open_round_juror_gets_the_name_the_candidate_gave(client, make, db, submitted, juror):
    base = assign(make, db, submitted, juror, blind=False)
    login(client, juror)
    response = client.get(f"{base}/files/{submitted['attachment'].id}")
    assert_served_safely(response, name=ORIGINAL_NAME)
    assert client.get(f"/candidate/files/{submitted['attachment'].id}").status_code == 404


def test_a_question_made_identifying_after_the_upload_hides_its_file_from_a_blind_juror(
    client, make, db, submitted, juror
):
    blind = assign(make, db, submitted, juror, blind=True)
    attachment = submitted["attachment"]
    assert attachment.identifying is False  # the copy taken at upload time
    submitted["contest"].deck.identifying = True
    db.commit()
    login(client, juror)
    page = client.get(blind).get_data(as_text=True)
    assert f"/files/{attachment.id}" not in page
    assert client.get(f"{blind}/files/{attachment.id}").status_code == 404
    assert client.get(f"/candidate/files/{attachment.id}").status_code == 404


def test_the_hostile_pdf_is_a_sandboxed_download_from_every_route(
    client, make, db, submitted, organizer, juror
):
    attachment = submitted["attachment"]
    application = submitted["application"]
    login(client, submitted["owner"])
    assert_served_safely(client.get(f"/candidate/files/{attachment.id}"), name=ORIGINAL_NAME)

    login(client, organizer)
    organizer_url = (
        f"/organizer/editions/{application.edition_id}/applications/{application.id}/files/{attachment.id}"
    )
    assert_served_safely(client.get(organizer_url), name=ORIGINAL_NAME)
    assert_served_safely(client.get(f"/candidate/files/{attachment.id}"), name=ORIGINAL_NAME)

    base = assign(make, db, submitted, juror, blind=True)
    login(client, juror)
    assert_served_safely(client.get(f"{base}/files/{attachment.id}"), name=f"{application.ref}-deck.pdf")


def test_a_stored_type_outside_the_checked_formats_is_served_as_bytes(client, make, db, submitted, organizer):
    """An imported or legacy row may carry any type: it is never served as text/html."""
    attachment = submitted["attachment"]
    attachment.content_type = "text/html"
    db.commit()
    login(client, submitted["owner"])
    response = client.get(f"/candidate/files/{attachment.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
