"""Withdrawn and ineligible applications leave the juror's world (issue 11, item 7).

The juror stays assigned to them (the assignment rows are kept for the record) and the titles are in
the test data: they must appear on no juror page, and every juror route answers 404 for them and
stores nothing. The application still in the running is shown and scorable beside them.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from judging.applications.models import Attachment
from judging.core.models import utcnow
from judging.jury.models import Assignment, CriterionScore
from judging.mail.models import OutgoingMail
from judging.results.models import PitchSlot
from tests.conftest import login

KEPT = "Projet gardé Alpha"
GONE = {"withdrawn": "Projet retiré Zêta", "ineligible": "Projet inéligible Oméga"}


@pytest.fixture
def scene(app, make, db, juror):
    prize = make.prize()
    rnd = make.round(prize, phase="judging", judging_closes_at=utcnow() + timedelta(days=3))
    make.jury(rnd, juror)
    deck = make.question(prize, code="deck", type="file", label={"fr": "Présentation", "en": "Deck"})
    folder = app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    cards, files = {}, {}
    for position, (key, status, title) in enumerate(
        [("kept", "submitted", KEPT)] + [(status, status, title) for status, title in GONE.items()]
    ):
        application = make.application(prize, title=title, status=status)
        cards[key] = make.scorecard(rnd, juror, application, status="assigned")
        storage_key = f"{position + 1:x}" * 32
        with open(os.path.join(folder, storage_key), "wb") as handle:
            handle.write(b"%PDF-1.4 " + title.encode())
        files[key] = Attachment(
            application=application,
            question_id=deck.id,
            filename=f"{key}.pdf",
            content_type="application/pdf",
            size_bytes=9 + len(title.encode()),
            sha256="0" * 64,
            storage_key=storage_key,
        )
        db.add(files[key])
        db.add(PitchSlot(round_id=rnd.id, application_id=application.id, position=position))
    db.commit()
    return {"round": rnd, "cards": cards, "files": files}


def english(client) -> None:
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"


def url(card: Assignment) -> str:
    return f"/jury/rounds/{card.round_id}/applications/{card.application_id}"


def test_withdrawn_and_ineligible_applications_are_not_on_the_jurors_pages(juror_client, db, scene):
    english(juror_client)
    rnd = scene["round"]
    pages = {
        "dashboard": juror_client.get("/jury/").get_data(as_text=True),
        "scorecard": juror_client.get(url(scene["cards"]["kept"])).get_data(as_text=True),
        "live": juror_client.get(f"/jury/rounds/{rnd.id}/live").get_data(as_text=True),
    }
    for name, html in pages.items():
        assert [title for title in GONE.values() if title in html] == [], name
    assert KEPT in pages["dashboard"] and KEPT in pages["live"]
    assert "0 of 1 submitted" in pages["dashboard"]
    assert "0 of 1 submitted" in pages["live"]
    for card in (scene["cards"]["withdrawn"], scene["cards"]["ineligible"]):
        assert url(card) not in pages["dashboard"] + pages["scorecard"]

    card = scene["cards"]["kept"]  # the one still in the running is scored as before
    response = juror_client.post(url(card) + "/autosave", data={"score-c1": "7"})
    assert response.status_code == 200
    assert json.loads(response.get_data(as_text=True))["ok"] is True
    assert juror_client.get(f"{url(card)}/files/{scene['files']['kept'].id}").status_code == 200
    db.expire_all()
    assert db.scalar(select(func.count()).where(CriterionScore.assignment_id == card.id)) == 1


@pytest.mark.parametrize("status", sorted(GONE))
def test_every_juror_route_is_a_404_for_an_application_out_of_the_running(juror_client, db, scene, status):
    card = scene["cards"][status]
    base = url(card)
    attachment = scene["files"][status]
    answers = {
        "page": juror_client.get(base),
        "save": juror_client.post(base, data={"score-c1": "7", "score-c2": "8", "action": "submit"}),
        "autosave": juror_client.post(base + "/autosave", data={"score-c1": "7"}),
        "abstain": juror_client.post(base + "/abstain", data={"abstain-reason": "I know them"}),
        "resume": juror_client.post(base + "/resume"),
        "recuse": juror_client.post(base + "/recuse", data={"recuse-reason": "I know them"}),
        "file": juror_client.get(f"{base}/files/{attachment.id}"),
        "live": juror_client.post(
            f"/jury/rounds/{card.round_id}/live/{card.application_id}",
            data={"score-c1": "7", "score-c2": "8"},
        ),
        "candidate file route": juror_client.get(f"/candidate/files/{attachment.id}"),
    }
    assert {name: response.status_code for name, response in answers.items()} == dict.fromkeys(answers, 404)
    for name, response in answers.items():
        body = response.get_data(as_text=True)
        assert GONE[status] not in body, name
        assert '"ok":true' not in body.replace(" ", ""), name
    db.expire_all()
    stored = db.get(Assignment, card.id)
    assert (stored.status, stored.abstain_reason) == ("assigned", None)
    assert db.scalar(select(func.count()).where(CriterionScore.assignment_id == card.id)) == 0


def test_an_application_withdrawn_after_scoring_began_leaves_the_list_and_keeps_its_scores(
    juror_client, db, scene
):
    card = scene["cards"]["kept"]
    assert juror_client.post(url(card) + "/autosave", data={"score-c1": "7"}).status_code == 200
    card.application.status = "withdrawn"
    db.commit()
    english(juror_client)
    assert KEPT not in juror_client.get("/jury/").get_data(as_text=True)
    assert juror_client.post(url(card) + "/autosave", data={"score-c1": "9"}).status_code == 404
    db.expire_all()
    [score] = db.scalars(select(CriterionScore).where(CriterionScore.assignment_id == card.id)).all()
    assert score.value == 7


def test_the_reminder_mail_lists_only_the_applications_in_the_running(client, db, scene, juror, organizer):
    login(client, organizer)
    rnd = scene["round"]
    prize = rnd.prize
    response = client.post(
        f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/{rnd.id}/jury/reminders"
    )
    assert response.status_code == 302
    [mail] = db.scalars(select(OutgoingMail).where(OutgoingMail.to_address == juror.email)).all()
    assert KEPT in mail.body_text
    assert [title for title in GONE.values() if title in mail.subject + mail.body_text] == []
