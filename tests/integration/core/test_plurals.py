"""Counts shown to people take the right plural, in both languages (issue 15, item 3).

French counts 0 and 1 as singular (``plural=(n > 1)``); English only 1.
"""

from __future__ import annotations

import pytest

from tests.conftest import deliver_outbox
from tests.scenarios import five_by_four, results_url


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def jury_url(rnd) -> str:
    return f"/organizer/editions/{rnd.prize.edition_id}/prizes/{rnd.prize_id}/rounds/{rnd.id}/jury"


def set_language(client, language: str) -> None:
    with client.session_transaction() as flask_session:
        flask_session["lang"] = language


@pytest.fixture
def reminders(make, db):
    """Two French and two English jurors: one of each language with 1 application left, one with 2."""
    prize = make.prize(name={"fr": "Prix de l'innovation", "en": "Innovation Award"})
    rnd = make.round(prize, jurors_per_application=4)
    apps = [make.application(prize, ref=f"INN-{i:03d}") for i in range(1, 3)]
    jurors = {}
    for language in ("fr", "en"):
        for left in (1, 2):
            juror = make.user(email=f"{language}{left}@example.org", roles=["juror"], language=language)
            make.jury(rnd, juror)
            for application in apps[:left]:
                make.scorecard(rnd, juror, application, status="assigned")
            jurors[(language, left)] = juror
    db.commit()
    return rnd


def test_the_reminder_subject_counts_right_in_both_languages(organizer_client, reminders, smtp_server):
    organizer_client.post(jury_url(reminders) + "/reminders")
    deliver_outbox(organizer_client.application)
    subjects = {m["To"]: m["Subject"] for m in smtp_server.messages}
    assert subjects == {
        "fr1@example.org": "Rappel\u00a0: 1 candidature à évaluer (Prix de l'innovation)",
        "fr2@example.org": "Rappel\u00a0: 2 candidatures à évaluer (Prix de l'innovation)",
        "en1@example.org": "Reminder: 1 application left to score (Innovation Award)",
        "en2@example.org": "Reminder: 2 applications left to score (Innovation Award)",
    }


def test_the_reminder_confirmation_counts_right(organizer_client, reminders):
    set_language(organizer_client, "en")
    page = organizer_client.post(jury_url(reminders) + "/reminders", follow_redirects=True)
    assert "Reminder sent to 4 jurors with unfinished work." in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "1 candidature sur 1 manque de juré·e·s (1 place à pourvoir)."),
        ("en", "1 of 1 applications is short of jurors (1 place to fill)."),
    ],
)
def test_one_place_to_fill_is_singular(organizer_client, make, db, language, expected):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=1)
    make.application(prize, ref="INN-001")
    db.commit()
    set_language(organizer_client, language)
    html = organizer_client.get(jury_url(rnd)).get_data(as_text=True)
    assert expected in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "2 candidatures sur 2 manquent de juré·e·s (4 places à pourvoir)."),
        ("en", "2 of 2 applications are short of jurors (4 places to fill)."),
    ],
)
def test_two_places_to_fill_are_plural(organizer_client, make, db, language, expected):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    make.application(prize, ref="INN-001")
    make.application(prize, ref="INN-002")
    db.commit()
    set_language(organizer_client, language)
    html = organizer_client.get(jury_url(rnd)).get_data(as_text=True)
    assert expected in html


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("fr", 1, "1 finaliste)"),
        ("fr", 2, "2 finalistes)"),
        ("en", 1, "1 finalist)"),
        ("en", 2, "2 finalists)"),
    ],
)
def test_the_results_index_counts_finalists(organizer_client, make, db, language, count, expected):
    prize = make.prize(finalists=count)
    make.round(prize)
    db.commit()
    set_language(organizer_client, language)
    html = organizer_client.get(f"/organizer/editions/{prize.edition_id}/results").get_data(as_text=True)
    heading = html.split(f'id="prize-{prize.id}"', 1)[1].split("</h2>", 1)[0]
    assert expected in heading


TIE_AT_CUT = {"J1": {"A": 90, "B": 70, "C": 70, "D": 10}, "J2": {"A": 80, "B": 60, "C": 60, "D": 20}}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            "à égalité au rang 2 de part et d’autre de la ligne\u00a0: 1 place pour 2 candidatures.",
        ),
        ("en", "B, C are tied at rank 2 across the cut: 1 place for 2 applications."),
    ],
)
def test_one_place_left_at_the_cut_is_singular(organizer_client, make, db, language, expected):
    edition, prize, rnd, apps, _ = five_by_four(make, db, matrix=TIE_AT_CUT, code="tie-2026")
    set_language(organizer_client, language)
    page = organizer_client.get(results_url(edition, prize, rnd)).get_data(as_text=True)
    assert expected in page
    refused = organizer_client.post(
        results_url(edition, prize, rnd, "results/finalists"),
        data={"finalist": [str(apps["A"].id), str(apps["B"].id)], "tie_reason": ""},
    )
    assert ("(1 place restante)" if language == "fr" else "(1 place left)") in refused.get_data(as_text=True)
