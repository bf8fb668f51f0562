"""Blind rounds leak no identity to jurors: the test data holds the real names, organization,
contact, website, an identifying answer and an identifying file, and every juror page, the
autosave answer, the file download name and the reminder mail are searched for them.
The same application in a round that is not blind shows them (so the search can fail).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from judging.applications.models import Answer, Attachment
from judging.core.models import utcnow
from judging.mail.models import OutgoingMail
from judging.results.models import PitchSlot
from tests.conftest import login

SECRETS = [
    "Gabrielle",
    "Tremblay-Okafor",
    "Okafor",
    "Serre Intelligente",
    "serre-intelligente",
    "gabrielle@",
    "Fondatrice",
    "logo-serre",
]


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [secret for secret in SECRETS if secret.lower() in lowered]


def english(client) -> None:
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"


@pytest.fixture
def identified(make, db, app):
    """An application full of identity, its questions (one identifying) and two files (one identifying)."""
    prize = make.prize(name={"fr": "Prix Agro", "en": "Agro Award"})
    founder = make.question(
        prize,
        code="founder",
        type="long-text",
        identifying=True,
        position=1,
        label={"fr": "Qui a fondé l'entreprise ?", "en": "Who founded the company?"},
    )
    pitch = make.question(
        prize, code="pitch", type="long-text", position=2, label={"fr": "Votre projet", "en": "Your project"}
    )
    video = make.question(prize, code="video", type="url", position=3, label={"fr": "Vidéo", "en": "Video"})
    deck = make.question(
        prize, code="deck", type="file", position=4, label={"fr": "Présentation", "en": "Deck"}
    )
    logo = make.question(
        prize, code="logo", type="file", position=5, identifying=True, label={"fr": "Logo", "en": "Logo"}
    )
    applicant = make.user(
        name="Gabrielle Tremblay-Okafor", email="gabrielle@serre-intelligente.example", roles=["candidate"]
    )
    application = make.application(
        prize,
        ref="INN-031",
        applicant=applicant,
        title="Robot de serre autonome",
        summary="Chez Serre Intelligente, nous cultivons des tomates avec un robot.",
        org_name="Serre Intelligente Inc.",
        contact_name="Gabrielle Tremblay-Okafor",
        contact_email="gabrielle@serre-intelligente.example",
        website="https://www.serre-intelligente.example",
    )
    db.add_all(
        [
            Answer(
                application=application,
                question_id=founder.id,
                value="Fondatrice : Gabrielle Tremblay-Okafor",
            ),
            Answer(
                application=application,
                question_id=pitch.id,
                value="Notre robot récolte la nuit. SERRE INTELLIGENTE vise 40 fermes.",
            ),
            Answer(application=application, question_id=video.id, value="https://vimeo.com/123456"),
        ]
    )
    folder = app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    files = {}
    for key, question, name, kind in (
        ("c" * 32, deck, "Serre Intelligente - deck.pdf", "application/pdf"),
        ("d" * 32, logo, "logo-serre-intelligente.png", "image/png"),
    ):
        content = b"%PDF-1.4 deck" if kind == "application/pdf" else b"\x89PNG\r\n\x1a\nlogo"
        with open(os.path.join(folder, key), "wb") as handle:
            handle.write(content)
        files[question.code] = Attachment(
            application=application,
            question_id=question.id,
            filename=name,
            content_type=kind,
            size_bytes=len(content),
            sha256="0" * 64,
            storage_key=key,
            identifying=question.identifying,
        )
        db.add(files[question.code])
    db.commit()
    return {"prize": prize, "application": application, "files": files}


def round_with(make, db, identified, juror, *, blind: bool):
    rnd = make.round(
        identified["prize"],
        code="blind" if blind else "open",
        blind=blind,
        judging_closes_at=utcnow() + timedelta(days=3),
    )
    make.jury(rnd, juror)
    card = make.scorecard(rnd, juror, identified["application"], status="assigned")
    db.add(PitchSlot(round_id=rnd.id, application_id=identified["application"].id, position=0))
    db.commit()
    return rnd, card


def test_a_blind_round_shows_no_identity_anywhere(
    juror_client, make, db, identified, juror, organizer, client
):
    rnd, card = round_with(make, db, identified, juror, blind=True)
    base = f"/jury/rounds/{rnd.id}/applications/{card.application_id}"
    pages = {}
    for language in ("fr", "en"):
        with juror_client.session_transaction() as flask_session:
            flask_session["lang"] = language
        pages[f"dashboard-{language}"] = juror_client.get("/jury/").get_data(as_text=True)
        pages[f"scorecard-{language}"] = juror_client.get(base).get_data(as_text=True)
        pages[f"live-{language}"] = juror_client.get(f"/jury/rounds/{rnd.id}/live").get_data(as_text=True)
    pages["errors"] = juror_client.post(base, data={"score-c1": "99", "action": "draft"}).get_data(
        as_text=True
    )
    pages["abstain-errors"] = juror_client.post(base + "/abstain", data={"abstain-reason": ""}).get_data(
        as_text=True
    )
    pages["autosave"] = juror_client.post(base + "/autosave", data={"score-c1": "4"}).get_data(as_text=True)
    pages["saved"] = juror_client.get(base).get_data(as_text=True)
    for name, html in pages.items():
        assert leaks(html) == [], name
    scorecard = pages["scorecard-en"]
    assert "INN-031 · Robot de serre autonome" in scorecard
    assert "Chez ▒▒▒, nous cultivons des tomates avec un robot." in scorecard
    assert "Notre robot récolte la nuit. ▒▒▒ vise 40 fermes." in scorecard
    assert "Watch the video" in scorecard and "https://vimeo.com/123456" in scorecard
    assert "2 identifying items are left out." in scorecard

    deck, logo = identified["files"]["deck"], identified["files"]["logo"]
    download = juror_client.get(f"{base}/files/{deck.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == "attachment; filename=INN-031-deck.pdf"
    assert download.data == b"%PDF-1.4 deck"
    assert f"/files/{deck.id}" in scorecard and "INN-031-deck.pdf" in scorecard
    assert juror_client.get(f"{base}/files/{logo.id}").status_code == 404
    assert f"/files/{logo.id}" not in scorecard

    # the reminder mail the juror receives
    login(client, organizer)
    prize = identified["prize"]
    client.post(f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/{rnd.id}/jury/reminders")
    [mail] = db.scalars(select(OutgoingMail).where(OutgoingMail.to_address == juror.email)).all()
    assert "INN-031" in mail.body_text
    assert leaks(mail.subject + mail.body_text) == []


def test_the_same_application_in_an_open_round_shows_who_applied(juror_client, make, db, identified, juror):
    rnd, card = round_with(make, db, identified, juror, blind=False)
    base = f"/jury/rounds/{rnd.id}/applications/{card.application_id}"
    english(juror_client)
    html = juror_client.get(base).get_data(as_text=True)
    assert "Serre Intelligente Inc." in html
    assert "Gabrielle Tremblay-Okafor" in html
    assert "Fondatrice : Gabrielle Tremblay-Okafor" in html
    assert "Serre Intelligente - deck.pdf" in html
    logo = identified["files"]["logo"]
    response = juror_client.get(f"{base}/files/{logo.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "logo-serre-intelligente.png" in response.headers["Content-Disposition"]


def test_masking_keeps_ordinary_words(make, db, identified, juror):
    from judging.applications.presenters import JUROR, application_view

    rnd, _ = round_with(make, db, identified, juror, blind=True)
    application = identified["application"]
    application.summary = (
        "Une serre intelligente? Non: Serre Intelligente Inc. et serre-intelligente.example."
    )
    view = application_view(application, viewer=JUROR, round=rnd)
    assert view["summary"] == "Une ▒▒▒? Non: ▒▒▒ et ▒▒▒."
    assert view["identity"] is None
    assert re.fullmatch(r"INN-031 · Robot de serre autonome", view["label"])
    db.rollback()
