"""The organizer setup area: editions, prizes, rounds, rubric criteria, questions, copying a setup."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from flask import session as flask_session
from flask import url_for
from flask_babel import gettext, refresh
from markupsafe import escape
from sqlalchemy import event, func, select

from judging.applications.models import Application
from judging.core import clock
from judging.core.audit_event import AuditEvent
from judging.editions import operations as setup
from judging.editions.models import Criterion, Edition, Prize, Question, Round
from judging.jury.models import JuryMembership
from tests.conftest import login
from tests.factories import aware

EDITION_FORM = {
    "code": "mtl-2026",
    "name_fr": "MTL Tech Awards 2026",
    "name_en": "MTL Tech Awards 2026 (EN)",
    "applications_open": "2026-05-01T09:00",
    "applications_close": "2026-08-15T23:59",
    "ceremony_at": "2026-10-12T18:00",
}

PRIZE_FORM = {
    "code": "innovation",
    "name_fr": "Prix de l'innovation",
    "name_en": "Innovation Award",
    "description_fr": "Pour un projet qui change la donne.",
    "description_en": "For a game-changing project.",
    "eligibility_fr": "Entreprises du Québec.",
    "eligibility_en": "Québec companies.",
    "sponsor": "Banque Fictive",
    "presenter_name": "Alex Martin",
    "presenter_title": "Directrice",
    "presenter_organization": "Banque Fictive",
    "finalists": "3",
    "position": "2",
    "max_deck_mb": "15",
    "max_logo_mb": "3",
}


def tie_break_steps(text: str) -> dict[str, str]:
    """The round form's tie-break steps (``tie_break-0`` …) for ``"median, count"``, the rest empty."""
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    return {f"tie_break-{n}": entries[n] if n < len(entries) else "" for n in range(5)}


ROUND_FORM = {
    "code": "preselection",
    "name_fr": "Présélection",
    "name_en": "Preselection",
    "method": "median",
    "jurors_per_application": "3",
    **tie_break_steps("median, count"),
    "blind": "y",
    "judging_closes_at": "2026-09-01T17:00",
}


def text(response) -> str:
    return response.get_data(as_text=True)


# The ``db`` fixture keeps one app context open for the whole test, so requests share ``g``
# and Flask-Babel's locale cached there: ``refresh()`` forgets it when the language changes.


def translated(app, lang: str, message: str, **values) -> str:
    """``message`` as a visitor reading ``lang`` sees it in the page (HTML-escaped)."""
    with app.test_request_context():
        refresh()
        flask_session["lang"] = lang
        message = gettext(message, **values)
        refresh()
        return str(escape(message))


def switch_to_english(client) -> None:
    response = client.post("/language", data={"language": "en", "next": "/organizer/"})
    assert response.status_code == 302
    refresh()


def audit(db, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def edition_url(edition, suffix: str = "") -> str:
    return f"/organizer/editions/{edition.id}{suffix}"


def prize_url(prize, suffix: str = "") -> str:
    return f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}{suffix}"


def round_url(rnd, suffix: str = "") -> str:
    return prize_url(rnd.prize, f"/rounds/{rnd.id}{suffix}")


# --- time conversion ----------------------------------------------------------------------------------


def test_montreal_time_converts_both_ways_across_daylight_saving():
    from datetime import datetime

    assert clock.local_to_utc(datetime(2026, 5, 1, 9, 0)) == aware(2026, 5, 1, 13, 0)  # EDT, UTC-4
    assert clock.local_to_utc(datetime(2026, 1, 15, 9, 0)) == aware(2026, 1, 15, 14, 0)  # EST, UTC-5
    assert clock.utc_to_local(aware(2026, 5, 1, 13, 0)) == datetime(2026, 5, 1, 9, 0)
    assert clock.utc_to_local(aware(2026, 1, 15, 14, 0)) == datetime(2026, 1, 15, 9, 0)
    assert clock.local_time_exists(datetime(2026, 3, 8, 2, 30)) is False  # clocks jump 02:00 → 03:00
    assert clock.local_time_exists(datetime(2026, 3, 8, 3, 30)) is True


# --- dashboard and editions ---------------------------------------------------------------------------


def test_dashboard_lists_editions_in_the_visitors_language_and_montreal_time(organizer_client, make, db):
    make.edition(
        code="mtl-2025",
        name={"fr": "Édition deux mille vingt-cinq", "en": "Twenty twenty-five edition"},
        applications_open=aware(2025, 5, 1, 13, 0),
        applications_close=aware(2025, 8, 16, 3, 59),
    )
    db.commit()

    page = text(organizer_client.get("/organizer/"))
    assert "Édition deux mille vingt-cinq" in page
    assert "Twenty twenty-five edition" not in page
    # 13:00 UTC is 9 h 00 in Montréal (EDT), written the Québec way, on one line
    assert "à 9\u00a0h\u00a000 (HAE)" in page
    # the dates as the cockpit writes them (« 1er mai 2025 », not « 2025-05-01 »), no edition code
    assert "du 1er\u00a0mai\u00a02025 à 9\u00a0h\u00a000 (HAE)" in page
    assert "au 15\u00a0août\u00a02025 à 23\u00a0h\u00a059 (HAE)" in page
    assert "2025-05-01" not in page and "(mtl-2025)" not in page
    assert 'href="/organizer/editions/new"' in page
    assert 'href="/organizer/editions/copy"' in page

    switch_to_english(organizer_client)
    page = text(organizer_client.get("/organizer/"))
    assert 'lang="en"' in page
    assert "Twenty twenty-five edition" in page
    assert "9:00" in page


def test_english_name_left_empty_falls_back_to_french(organizer_client, make, db):
    make.edition(code="fallback", name={"fr": "Seulement en français", "en": ""})
    db.commit()
    switch_to_english(organizer_client)
    assert "Seulement en français" in text(organizer_client.get("/organizer/"))


def test_create_edition_stores_utc_and_shows_montreal_time_back(organizer_client, db, organizer):
    response = organizer_client.post("/organizer/editions/new", data=EDITION_FORM)
    assert response.status_code == 302

    edition = db.scalars(select(Edition).where(Edition.code == "mtl-2026")).one()
    assert edition.name == {"fr": "MTL Tech Awards 2026", "en": "MTL Tech Awards 2026 (EN)"}
    assert edition.applications_open == aware(2026, 5, 1, 13, 0)
    assert edition.applications_close == aware(2026, 8, 16, 3, 59)
    assert edition.ceremony_at == aware(2026, 10, 12, 22, 0)
    assert edition.timezone == "America/Montreal"
    assert response.headers["Location"].endswith(f"/organizer/editions/{edition.id}")

    form_page = text(organizer_client.get(edition_url(edition, "/edit")))
    assert 'value="2026-05-01T09:00"' in form_page
    assert 'value="2026-08-15T23:59"' in form_page
    assert 'type="datetime-local"' in form_page

    [created] = audit(db, "edition.created")
    assert created.actor_id == organizer.id
    assert created.edition_id == edition.id
    assert created.before is None
    assert created.after["code"] == "mtl-2026"
    assert created.after["applications_open"] == "2026-05-01T13:00:00+00:00"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_edition_closing_before_opening_is_refused_and_keeps_what_was_typed(app, organizer_client, db, lang):
    if lang == "en":
        switch_to_english(organizer_client)
    data = EDITION_FORM | {"applications_close": "2026-04-30T09:00", "name_fr": "Gardé tel quel"}
    response = organizer_client.post("/organizer/editions/new", data=data)

    page = text(response)
    assert response.status_code == 200
    assert f'lang="{lang}"' in page
    assert translated(app, lang, "Applications must close after they open.") in page
    assert 'value="Gardé tel quel"' in page
    assert 'value="2026-04-30T09:00"' in page
    assert 'value="mtl-2026"' in page
    assert db.scalar(select(func.count()).select_from(Edition)) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("applications_open", "2026-13-45T99:00", "Enter a date and time such as 2026-05-01 09:00."),
        ("applications_open", "demain matin", "Enter a date and time such as 2026-05-01 09:00."),
        (
            "applications_open",
            "2026-03-08T02:30",
            "This time does not exist in Montréal (the clocks move forward). Choose another time.",
        ),
        ("applications_close", "", "Enter a date and time."),
        (
            "code",
            "MTL 2026!",
            "Use lowercase letters, digits and dashes only, for example “innovation-2026”.",
        ),
        ("name_fr", "", "Enter the French text."),
    ],
)
def test_edition_bad_input_is_a_form_error(app, organizer_client, db, field, value, message):
    response = organizer_client.post("/organizer/editions/new", data=EDITION_FORM | {field: value})
    page = text(response)
    assert response.status_code == 200
    assert translated(app, "fr", message) in page
    if value:
        assert f'value="{escape(value)}"' in page
    assert 'aria-invalid="true"' in page
    assert db.scalar(select(func.count()).select_from(Edition)) == 0


def test_duplicate_edition_code_is_a_form_error(app, organizer_client, make, db):
    make.edition(code="mtl-2026")
    db.commit()
    response = organizer_client.post("/organizer/editions/new", data=EDITION_FORM | {"name_fr": "Doublon"})
    page = text(response)
    assert response.status_code == 200
    assert translated(app, "fr", "An edition with this code already exists.") in page
    assert 'value="Doublon"' in page
    assert db.scalar(select(func.count()).select_from(Edition)) == 1


def test_edit_edition_records_before_and_after(organizer_client, make, db):
    edition = make.edition(code="mtl-2026", name={"fr": "Avant", "en": "Before"})
    db.commit()
    response = organizer_client.post(edition_url(edition, "/edit"), data=EDITION_FORM | {"name_fr": "Après"})
    assert response.status_code == 302

    db.refresh(edition)
    assert edition.name == {"fr": "Après", "en": "MTL Tech Awards 2026 (EN)"}
    [updated] = audit(db, "edition.updated")
    assert updated.before["name"] == {"fr": "Avant", "en": "Before"}
    assert updated.after["name"] == {"fr": "Après", "en": "MTL Tech Awards 2026 (EN)"}


def test_edition_page_lists_prizes_in_display_order_with_rounds_and_questions(organizer_client, make, db):
    edition = make.edition()
    second = make.prize(edition, code="second", name={"fr": "Deuxième prix", "en": "Second"}, position=2)
    first = make.prize(edition, code="first", name={"fr": "Premier prix", "en": "First"}, position=1)
    make.round(first, code="preselection", phase="setup", criteria=2)
    make.question(second, code="website", label={"fr": "Site web", "en": "Website"}, type="url")
    db.commit()

    page = text(organizer_client.get(edition_url(edition)))
    assert page.index("Premier prix") < page.index("Deuxième prix")
    assert "Tour 1" in page and "preselection" not in page  # an unnamed round: its position, not its code
    assert "2 criteria" in page or "2 critères" in page
    assert "Site web" in page
    assert f'href="{prize_url(first, "/edit")}"' in page


# --- prizes -------------------------------------------------------------------------------------------


def test_create_prize_with_all_fields(organizer_client, make, db, organizer):
    edition = make.edition()
    db.commit()
    response = organizer_client.post(edition_url(edition, "/prizes/new"), data=PRIZE_FORM)
    assert response.status_code == 302

    prize = db.scalars(select(Prize).where(Prize.edition_id == edition.id)).one()
    assert response.headers["Location"].endswith(prize_url(prize))
    assert (prize.code, prize.name) == (
        "innovation",
        {"fr": "Prix de l'innovation", "en": "Innovation Award"},
    )
    assert prize.description == {
        "fr": "Pour un projet qui change la donne.",
        "en": "For a game-changing project.",
    }
    assert prize.eligibility == {"fr": "Entreprises du Québec.", "en": "Québec companies."}
    assert prize.sponsor == "Banque Fictive"
    assert (prize.presenter_name, prize.presenter_title, prize.presenter_organization) == (
        "Alex Martin",
        "Directrice",
        "Banque Fictive",
    )
    assert (prize.finalists, prize.position, prize.max_deck_mb, prize.max_logo_mb) == (3, 2, 15, 3)

    page = text(organizer_client.get(prize_url(prize)))
    assert "Prix de l&#39;innovation" in page
    assert "Alex Martin, Directrice, Banque Fictive" in page

    [created] = audit(db, "prize.created")
    assert (created.actor_id, created.edition_id, created.object_id) == (organizer.id, edition.id, prize.id)
    assert created.after["sponsor"] == "Banque Fictive"


def test_empty_optional_prize_texts_are_stored_as_none(organizer_client, make, db):
    edition = make.edition()
    db.commit()
    data = PRIZE_FORM | {"description_fr": "", "description_en": "", "sponsor": "  "}
    assert organizer_client.post(edition_url(edition, "/prizes/new"), data=data).status_code == 302
    prize = db.scalars(select(Prize)).one()
    assert (prize.description, prize.sponsor) == (None, None)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_duplicate_prize_code_is_refused_and_keeps_what_was_typed(app, organizer_client, make, db, lang):
    edition = make.edition()
    make.prize(edition, code="innovation")
    other_edition = make.edition()
    db.commit()
    if lang == "en":
        switch_to_english(organizer_client)

    response = organizer_client.post(
        edition_url(edition, "/prizes/new"), data=PRIZE_FORM | {"name_fr": "Un autre nom"}
    )
    page = text(response)
    assert response.status_code == 200
    assert f'lang="{lang}"' in page
    assert translated(app, lang, "Another prize of this edition already uses this code.") in page
    assert 'value="Un autre nom"' in page
    assert 'value="Banque Fictive"' in page
    assert db.scalar(select(func.count()).select_from(Prize).where(Prize.edition_id == edition.id)) == 1

    # The same code in another edition is fine.
    assert (
        organizer_client.post(edition_url(other_edition, "/prizes/new"), data=PRIZE_FORM).status_code == 302
    )


WHOLE_RANGE = "Enter a whole number between %(min)s and %(max)s."
CODE_MESSAGE = "Use lowercase letters, digits and dashes only, for example “innovation-2026”."


@pytest.mark.parametrize(
    ("field", "value", "message", "values"),
    [
        ("finalists", "-1", WHOLE_RANGE, {"min": 0, "max": 1000}),
        ("finalists", "trois", "Enter a whole number.", {}),
        ("finalists", "99999999999999999999999", WHOLE_RANGE, {"min": 0, "max": 1000}),
        ("max_deck_mb", "0", WHOLE_RANGE, {"min": 1, "max": 1000}),
        ("code", "Prix Innovation", CODE_MESSAGE, {}),
        ("sponsor", "x" * 301, "At most %(max)d characters.", {"max": 300}),
    ],
)  # fmt: skip
def test_prize_bad_input_is_a_form_error(app, organizer_client, make, db, field, value, message, values):
    edition = make.edition()
    db.commit()
    response = organizer_client.post(edition_url(edition, "/prizes/new"), data=PRIZE_FORM | {field: value})
    assert response.status_code == 200
    assert translated(app, "fr", message, **values) in text(response)
    assert db.scalar(select(func.count()).select_from(Prize)) == 0


def test_update_prize_records_before_and_after(organizer_client, make, db):
    prize = make.prize(code="innovation", finalists=3)
    db.commit()
    form = text(organizer_client.get(prize_url(prize, "/edit")))
    assert 'value="innovation"' in form

    response = organizer_client.post(prize_url(prize, "/edit"), data=PRIZE_FORM | {"finalists": "5"})
    assert response.status_code == 302
    db.refresh(prize)
    assert prize.finalists == 5
    [updated] = audit(db, "prize.updated")
    assert (updated.before["finalists"], updated.after["finalists"]) == (3, 5)
    assert updated.edition_id == prize.edition_id


def test_delete_prize_asks_first_then_deletes(organizer_client, make, db):
    prize = make.prize()
    make.round(prize, phase="setup")
    db.commit()
    prize_id, edition_id = prize.id, prize.edition_id

    confirm = organizer_client.get(prize_url(prize, "/delete"))
    assert confirm.status_code == 200
    assert 'id="confirm-delete"' in text(confirm)
    assert db.get(Prize, prize_id) is not None

    response = organizer_client.post(prize_url(prize, "/delete"))
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Prize, prize_id) is None
    assert db.scalar(select(func.count()).select_from(Round)) == 0
    [deleted] = audit(db, "prize.deleted")
    assert (deleted.object_id, deleted.edition_id, deleted.after) == (prize_id, edition_id, None)


def test_a_prize_with_applications_cannot_be_deleted(app, organizer_client, make, db):
    prize = make.prize()
    make.application(prize)
    db.commit()
    response = organizer_client.post(prize_url(prize, "/delete"))
    assert response.status_code == 200
    assert translated(app, "fr", "This prize has applications: it cannot be deleted.") in text(response)
    db.expire_all()
    assert db.get(Prize, prize.id) is not None


# --- rounds and rubric criteria -----------------------------------------------------------------------


def test_round_with_criteria_and_tie_break_chain(organizer_client, make, db):
    prize = make.prize()
    db.commit()
    new_round = text(organizer_client.get(prize_url(prize, "/rounds/new")))
    assert 'value="preselection"' in new_round  # suggested
    assert 'list="round-code-suggestions"' in new_round

    response = organizer_client.post(prize_url(prize, "/rounds/new"), data=ROUND_FORM)
    assert response.status_code == 302
    rnd = db.scalars(select(Round).where(Round.prize_id == prize.id)).one()
    assert (rnd.code, rnd.name, rnd.method, rnd.phase) == (
        "preselection",
        {"fr": "Présélection", "en": "Preselection"},
        "median",
        "setup",
    )
    assert (rnd.jurors_per_application, rnd.tie_break, rnd.blind) == (3, ["median", "count"], True)
    assert rnd.judging_closes_at == aware(2026, 9, 1, 21, 0)

    for data in (
        {"code": "impact", "name_fr": "Impact", "name_en": "Impact", "weight": "35", "min_value": "0",
         "max_value": "10", "required": "y", "guidance_fr": "Ampleur", "guidance_en": "Reach"},
        {"code": "feasibility", "name_fr": "Faisabilité", "name_en": "", "weight": "2,5", "min_value": "1",
         "max_value": "5"},
    ):  # fmt: skip
        response = organizer_client.post(round_url(rnd, "/criteria/new"), data=data)
        assert response.status_code == 302, text(response)

    response = organizer_client.post(
        round_url(rnd, "/edit"), data=ROUND_FORM | tie_break_steps("criterion:impact, median,first-places")
    )
    assert response.status_code == 302
    db.expire_all()
    assert rnd.tie_break == ["criterion:impact", "median", "first-places"]
    impact, feasibility = rnd.criteria
    assert (impact.code, impact.weight, impact.min_value, impact.max_value, impact.required) == (
        "impact",
        Decimal(35),
        Decimal(0),
        Decimal(10),
        True,
    )
    assert impact.guidance == {"fr": "Ampleur", "en": "Reach"}
    assert (feasibility.weight, feasibility.min_value, feasibility.max_value, feasibility.required) == (
        Decimal("2.5"),
        Decimal(1),
        Decimal(5),
        False,
    )
    assert feasibility.name == {"fr": "Faisabilité", "en": ""}

    page = text(organizer_client.get(prize_url(prize)))
    # the chain in words, the criterion by its name (not "criterion:impact, median, first-places")
    words = "la meilleure note en «\u00a0Impact\u00a0», la médiane la plus haute, le plus de premières places"
    assert words in page
    assert "criterion:impact" not in page
    assert "Faisabilité" in page
    assert "2,5" in page  # French decimal comma (the default language)
    assert "1E+1" not in page

    criterion_page = text(organizer_client.get(round_url(rnd, f"/criteria/{impact.id}/edit")))
    assert 'value="35"' in criterion_page
    assert 'value="10"' in criterion_page
    edit_page = text(organizer_client.get(round_url(rnd, "/edit")))
    steps = re.findall(r'<select[^>]*name="tie_break-\d"[^>]*>(.*?)</select>', edit_page, re.S)
    chosen = [
        re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', s) for s in steps
    ]
    assert [next(v for v in m.groups() if v is not None) if m else "" for m in chosen] == [
        "criterion:impact",
        "median",
        "first-places",
        "",
        "",
    ]
    # each criterion offered by its name, never its code
    assert ">La meilleure note en «\u00a0Impact\u00a0»</option>" in steps[0]
    assert ">criterion:impact<" not in edit_page
    assert 'value="2026-09-01T17:00"' in edit_page

    assert [e.after["code"] for e in audit(db, "criterion.created")] == ["impact", "feasibility"]
    assert [e.after["tie_break"] for e in audit(db, "round.updated")] == [
        ["criterion:impact", "median", "first-places"]
    ]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_tie_break_naming_an_unknown_criterion_is_refused(app, organizer_client, make, db, lang):
    rnd = make.round(phase="setup", criteria=0, tie_break=["median"])
    make.criterion(rnd, code="impact")
    db.commit()
    if lang == "en":
        switch_to_english(organizer_client)

    # the steps offer only the round's criteria: a forged one is refused, the other steps kept
    response = organizer_client.post(
        round_url(rnd, "/edit"), data=ROUND_FORM | tie_break_steps("criterion:impakt, median")
    )
    page = text(response)
    assert response.status_code == 200
    assert translated(app, lang, "Choose a tie-break from the list.") in page
    assert re.search(r'<option (selected value="median"|value="median" selected)', page)
    db.expire_all()
    assert rnd.tie_break == ["median"]


@pytest.mark.parametrize(
    ("typed", "message", "values"),
    [
        ("random", "Choose a tie-break from the list.", {}),
        ("median, median", "“%(entry)s” is listed twice.", {"entry": "la médiane la plus haute"}),
    ],
)
def test_tie_break_unknown_or_repeated_entries_are_refused(
    app, organizer_client, make, db, typed, message, values
):
    prize = make.prize()
    db.commit()
    response = organizer_client.post(
        prize_url(prize, "/rounds/new"), data=ROUND_FORM | tie_break_steps(typed)
    )
    assert response.status_code == 200
    assert translated(app, "fr", message, **values) in text(response)
    assert db.scalar(select(func.count()).select_from(Round)) == 0


def test_round_code_suggestion_and_duplicates(app, organizer_client, make, db):
    prize = make.prize()
    make.round(prize, code="preselection", phase="setup", criteria=0)
    db.commit()
    assert 'value="final"' in text(organizer_client.get(prize_url(prize, "/rounds/new")))

    response = organizer_client.post(prize_url(prize, "/rounds/new"), data=ROUND_FORM | {"name_fr": "Encore"})
    assert response.status_code == 200
    page = text(response)
    assert translated(app, "fr", "Another round of this prize already uses this code.") in page
    assert 'value="Encore"' in page


@pytest.mark.parametrize("phase", ["judging", "deliberation", "decided", "announced"])
def test_method_change_is_refused_once_judging_started(app, organizer_client, make, db, phase):
    rnd = make.round(phase=phase, method="mean", tie_break=[], criteria=0)
    db.commit()
    response = organizer_client.post(round_url(rnd, "/edit"), data=ROUND_FORM | {"method": "zscore"})
    assert response.status_code == 200
    assert translated(
        app, "fr", "Judging has started in this round: its method can no longer be changed."
    ) in text(response)
    db.expire_all()
    assert rnd.method == "mean"
    assert audit(db, "round.updated") == []

    # The tie-break chain is locked too.
    response = organizer_client.post(round_url(rnd, "/edit"), data=ROUND_FORM | {"method": "mean"})
    assert response.status_code == 200
    assert translated(app, "fr", "Judging has started in this round: its tie-break chain is locked.") in text(
        response
    )

    # Other settings may still change while the method and the chain stay.
    response = organizer_client.post(
        round_url(rnd, "/edit"), data=ROUND_FORM | {"method": "mean"} | tie_break_steps("")
    )
    assert response.status_code == 302
    db.expire_all()
    assert (rnd.method, rnd.jurors_per_application) == ("mean", 3)


@pytest.mark.parametrize("phase", ["setup", "open", "screening"])
def test_method_may_change_before_judging(organizer_client, make, db, phase):
    rnd = make.round(phase=phase, method="mean", tie_break=[], criteria=0)
    db.commit()
    response = organizer_client.post(round_url(rnd, "/edit"), data=ROUND_FORM | {"method": "schulze"})
    assert response.status_code == 302
    db.expire_all()
    assert (rnd.method, rnd.phase) == ("schulze", phase)


def test_unknown_method_is_a_form_error(app, organizer_client, make, db):
    prize = make.prize()
    db.commit()
    response = organizer_client.post(prize_url(prize, "/rounds/new"), data=ROUND_FORM | {"method": "vibes"})
    assert response.status_code == 200
    assert translated(app, "fr", "Choose a method from the list.") in text(response)


CRITERION_FORM = {"code": "impact", "name_fr": "Impact", "weight": "1", "min_value": "0", "max_value": "10"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_value": "10", "max_value": "10"}, "The maximum must be greater than the minimum."),
        ({"min_value": "7", "max_value": "3"}, "The maximum must be greater than the minimum."),
        ({"weight": "0"}, "The weight must be greater than zero."),
        ({"weight": "-2"}, "The weight must be greater than zero."),
        ({"weight": "NaN"}, "Enter a number, such as 10 or 2.5."),
        ({"max_value": "Infinity"}, "Enter a number, such as 10 or 2.5."),
        ({"max_value": "dix"}, "Enter a number, such as 10 or 2.5."),
        ({"max_value": "1e30"}, "Enter a number between %(min)s and %(max)s."),
        ({"weight": "0.00001"}, "Use at most %(places)d decimal places."),
        ({"name_fr": ""}, "Enter the French text."),
    ],
)
def test_criterion_bad_input_is_a_form_error(app, organizer_client, make, db, changes, message):
    rnd = make.round(phase="setup", criteria=0)
    db.commit()
    data = CRITERION_FORM | {"name_en": "Kept as typed"} | changes
    response = organizer_client.post(round_url(rnd, "/criteria/new"), data=data)
    page = text(response)
    assert response.status_code == 200
    assert translated(app, "fr", message, places=4, min=-99999999, max=99999999) in page
    assert 'value="Kept as typed"' in page
    assert db.scalar(select(func.count()).select_from(Criterion)) == 0


def test_duplicate_criterion_code_in_the_same_round_only(app, organizer_client, make, db):
    rnd = make.round(phase="setup", criteria=0)
    other = make.round(rnd.prize, code="final", phase="setup", criteria=0)
    make.criterion(rnd, code="impact")
    db.commit()
    response = organizer_client.post(round_url(rnd, "/criteria/new"), data=CRITERION_FORM)
    assert response.status_code == 200
    assert translated(app, "fr", "Another criterion of this round already uses this code.") in text(response)
    assert organizer_client.post(round_url(other, "/criteria/new"), data=CRITERION_FORM).status_code == 302


def test_criteria_move_up_and_down(organizer_client, make, db):
    rnd = make.round(phase="setup", criteria=3)  # c1, c2, c3
    db.commit()
    c3 = rnd.criteria[2]
    assert (
        organizer_client.post(round_url(rnd, f"/criteria/{c3.id}/move"), data={"direction": "up"}).status_code
        == 302
    )
    db.expire_all()
    assert [c.code for c in sorted(rnd.criteria, key=lambda c: c.position)] == ["c1", "c3", "c2"]

    c1 = next(c for c in rnd.criteria if c.code == "c1")
    organizer_client.post(
        round_url(rnd, f"/criteria/{c1.id}/move"), data={"direction": "up"}
    )  # already first
    organizer_client.post(round_url(rnd, f"/criteria/{c1.id}/move"), data={"direction": "down"})
    db.expire_all()
    assert [c.code for c in sorted(rnd.criteria, key=lambda c: c.position)] == ["c3", "c1", "c2"]
    moves = audit(db, "criterion.moved")
    assert [(m.before["order"], m.after["order"]) for m in moves] == [
        (["c1", "c2", "c3"], ["c1", "c3", "c2"]),
        (["c1", "c3", "c2"], ["c3", "c1", "c2"]),
    ]
    assert organizer_client.get(round_url(rnd, f"/criteria/{c1.id}/move")).status_code == 405


def test_criterion_rename_follows_into_the_tie_break_and_deletion_is_guarded(app, organizer_client, make, db):
    rnd = make.round(phase="setup", criteria=0, tie_break=["criterion:impact", "median"])
    impact = make.criterion(rnd, code="impact")
    db.commit()

    response = organizer_client.post(round_url(rnd, f"/criteria/{impact.id}/delete"))
    assert response.status_code == 200
    assert translated(
        app,
        "fr",
        "The round's tie-break chain uses this criterion: remove “criterion:%(code)s” from the chain first.",
        code="impact",
    ) in text(response)

    data = CRITERION_FORM | {"code": "reach", "name_fr": "Portée"}
    assert organizer_client.post(round_url(rnd, f"/criteria/{impact.id}/edit"), data=data).status_code == 302
    db.expire_all()
    assert (impact.code, rnd.tie_break) == ("reach", ["criterion:reach", "median"])


def test_rubric_scale_is_locked_once_judging_started(app, organizer_client, make, db):
    rnd = make.round(phase="judging", criteria=1, tie_break=[])
    c1 = rnd.criteria[0]
    db.commit()
    data = {"code": "c1", "name_fr": "Nouveau nom", "weight": "1", "min_value": "0", "max_value": "10"}
    assert organizer_client.post(round_url(rnd, f"/criteria/{c1.id}/edit"), data=data).status_code == 302

    response = organizer_client.post(
        round_url(rnd, f"/criteria/{c1.id}/edit"), data=data | {"max_value": "20"}
    )
    assert response.status_code == 200
    assert translated(
        app, "fr", "Judging has started in this round: weights and scales can no longer be changed."
    ) in text(response)
    response = organizer_client.post(round_url(rnd, "/criteria/new"), data=CRITERION_FORM)
    assert translated(
        app, "fr", "Judging has started in this round: criteria can no longer be added."
    ) in text(response)
    db.expire_all()
    assert (c1.name["fr"], c1.max_value, len(rnd.criteria)) == ("Nouveau nom", Decimal(10), 1)


def test_delete_criterion_and_round(organizer_client, make, db):
    rnd = make.round(phase="setup", criteria=2, tie_break=["median"])
    c1 = rnd.criteria[0]
    make.jury(rnd, make.user(roles=["juror"]))
    db.commit()
    round_id, c1_id = rnd.id, c1.id
    assert organizer_client.post(round_url(rnd, f"/criteria/{c1.id}/delete")).status_code == 302
    assert organizer_client.post(round_url(rnd, "/delete")).status_code == 302
    db.expire_all()
    assert db.get(Criterion, c1_id) is None
    assert db.get(Round, round_id) is None
    assert db.scalar(select(func.count()).select_from(JuryMembership)) == 0
    assert [e.object_id for e in audit(db, "criterion.deleted")] == [c1_id]
    assert [e.object_id for e in audit(db, "round.deleted")] == [round_id]


def test_a_round_with_scorecards_cannot_be_deleted(app, organizer_client, make, db):
    rnd = make.round(phase="judging", criteria=1)
    make.scorecard(rnd, make.user(roles=["juror"]), make.application(rnd.prize), scores={"c1": 5})
    db.commit()
    response = organizer_client.post(round_url(rnd, "/delete"))
    assert response.status_code == 200
    assert translated(app, "fr", "This round has scorecards: it cannot be deleted.") in text(response)
    db.expire_all()
    assert db.get(Round, rnd.id) is not None


# --- questions ----------------------------------------------------------------------------------------

QUESTION_FORM = {"code": "q", "label_fr": "Question", "label_en": "Question", "type": "text"}


def test_questions_of_each_type(organizer_client, make, db):
    prize = make.prize()
    db.commit()
    forms = [
        {"code": "name", "label_fr": "Nom du projet", "label_en": "Project name", "type": "text",
         "required": "y"},
        {"code": "pitch", "label_fr": "Votre projet", "label_en": "Your project", "type": "long-text",
         "max_words": "300", "help_fr": "En 300 mots", "help_en": "In 300 words", "required": "y"},
        {"code": "stage", "label_fr": "Stade", "label_en": "Stage", "type": "choice",
         "options": "idea | Idée | Idea\nmarket | Sur le marché | On the market\n\nscale | Croissance"},
        {"code": "women-led", "label_fr": "Dirigé par une femme ?", "label_en": "Led by a woman?",
         "type": "yes-no"},
        {"code": "website", "label_fr": "Site web", "label_en": "Website", "type": "url",
         "identifying": "y", "max_words": "50", "options": "ignored | Ignoré"},
        {"code": "deck", "label_fr": "Présentation", "label_en": "Pitch deck", "type": "file"},
    ]  # fmt: skip
    for data in forms:
        response = organizer_client.post(prize_url(prize, "/questions/new"), data=data)
        assert response.status_code == 302, text(response)

    db.expire_all()
    questions = db.scalars(
        select(Question).where(Question.prize_id == prize.id).order_by(Question.position)
    ).all()
    assert [(q.code, q.type, q.required, q.identifying) for q in questions] == [
        ("name", "text", True, False),
        ("pitch", "long-text", True, False),
        ("stage", "choice", False, False),
        ("women-led", "yes-no", False, False),
        ("website", "url", False, True),
        ("deck", "file", False, False),
    ]
    name, pitch, stage, _women, website, _deck = questions
    assert (pitch.max_words, pitch.help) == (300, {"fr": "En 300 mots", "en": "In 300 words"})
    assert name.help is None
    assert stage.options == [
        {"code": "idea", "label": {"fr": "Idée", "en": "Idea"}},
        {"code": "market", "label": {"fr": "Sur le marché", "en": "On the market"}},
        {"code": "scale", "label": {"fr": "Croissance", "en": ""}},
    ]
    assert (website.max_words, website.options) == (None, None)  # only for long text / choice

    page = text(organizer_client.get(prize_url(prize)))
    assert "Idée / Sur le marché / Croissance" in page
    edit_page = text(organizer_client.get(prize_url(prize, f"/questions/{stage.id}/edit")))
    assert "idea | Idée | Idea\nmarket | Sur le marché | On the market\nscale | Croissance" in edit_page
    assert len(audit(db, "question.created")) == 6


@pytest.mark.parametrize(
    ("changes", "message", "values"),
    [
        ({"type": "choice", "options": "only | Seule"},
         "A choice question needs at least two options, one per line.", {}),
        ({"type": "choice", "options": "a | A\na | B"}, "Two options have the same code.", {}),
        ({"type": "choice", "options": "a | A\njust text"},
         "Line %(line)d: write “code | libellé FR | English label”.", {"line": 2}),
        ({"type": "choice", "options": "Bad Code | A\nb | B"},
         "Line %(line)d: the code “%(code)s” may only use lowercase letters, digits and dashes.",
         {"line": 1, "code": "Bad Code"}),
        ({"type": "long-text", "max_words": "0"}, WHOLE_RANGE, {"min": 1, "max": 100000}),
        ({"type": "essay"}, "Choose a type from the list.", {}),
        ({"label_fr": ""}, "Enter the French text.", {}),
    ],
)  # fmt: skip
def test_question_bad_input_is_a_form_error(app, organizer_client, make, db, changes, message, values):
    prize = make.prize()
    db.commit()
    response = organizer_client.post(prize_url(prize, "/questions/new"), data=QUESTION_FORM | changes)
    assert response.status_code == 200
    assert translated(app, "fr", message, **values) in text(response)
    assert db.scalar(select(func.count()).select_from(Question)) == 0


def test_duplicate_question_code(app, organizer_client, make, db):
    prize = make.prize()
    make.question(prize, code="q")
    db.commit()
    response = organizer_client.post(prize_url(prize, "/questions/new"), data=QUESTION_FORM)
    assert response.status_code == 200
    assert translated(app, "fr", "Another question of this prize already uses this code.") in text(response)


def test_questions_move_edit_and_delete(organizer_client, make, db):
    prize = make.prize()
    first = make.question(prize, code="first", position=0)
    second = make.question(prize, code="second", position=1)
    db.commit()
    organizer_client.post(prize_url(prize, f"/questions/{second.id}/move"), data={"direction": "up"})
    db.expire_all()
    assert [q.code for q in sorted(prize.questions, key=lambda q: q.position)] == ["second", "first"]

    data = QUESTION_FORM | {"code": "first", "label_fr": "Première", "type": "yes-no"}
    assert (
        organizer_client.post(prize_url(prize, f"/questions/{first.id}/edit"), data=data).status_code == 302
    )
    db.expire_all()
    assert (first.label, first.type) == ({"fr": "Première", "en": "Question"}, "yes-no")
    [updated] = audit(db, "question.updated")
    assert (updated.before["type"], updated.after["type"]) == ("text", "yes-no")

    assert organizer_client.post(prize_url(prize, f"/questions/{second.id}/delete")).status_code == 302
    db.expire_all()
    assert [q.code for q in prize.questions] == ["first"]


# --- copying a setup ----------------------------------------------------------------------------------


def _source_edition(make):
    source = make.edition(code="mtl-2025", name={"fr": "Édition 2025", "en": "2025 edition"})
    innovation = make.prize(
        source,
        code="innovation",
        sponsor="Banque Fictive",
        presenter_name="Alex Martin",
        finalists=3,
        position=1,
        max_deck_mb=12,
    )
    women = make.prize(source, code="women-in-tech", position=2, eligibility={"fr": "Femmes", "en": "Women"})
    pre = make.round(
        innovation,
        code="preselection",
        phase="judging",
        method="zscore",
        blind=True,
        tie_break=["criterion:c1", "median"],
        judging_closes_at=aware(2025, 9, 1, 21),
        criteria=2,
    )
    make.round(innovation, code="final", phase="setup", method="schulze", criteria=1, position=1)
    make.round(women, code="preselection", phase="announced", criteria=3)
    make.question(
        innovation,
        code="stage",
        type="choice",
        options=[{"code": "idea", "label": {"fr": "Idée", "en": "Idea"}}],
        identifying=False,
    )
    make.question(innovation, code="pitch", type="long-text", max_words=300, required=True)
    application = make.application(innovation)
    juror = make.user(roles=["juror"])
    make.jury(pre, juror)
    make.scorecard(pre, juror, application, scores={"c1": 7, "c2": 4})
    return source


def test_copy_setup_copies_prizes_rounds_criteria_questions_but_not_applications(organizer_client, make, db):
    source = _source_edition(make)
    db.commit()
    form = text(organizer_client.get(f"/organizer/editions/copy?source={source.id}"))
    assert f'<option selected value="{source.id}">' in form or f'value="{source.id}" selected' in form

    data = EDITION_FORM | {"source": str(source.id)}
    response = organizer_client.post("/organizer/editions/copy", data=data)
    assert response.status_code == 302, text(response)

    db.expire_all()
    copy = db.scalars(select(Edition).where(Edition.code == "mtl-2026")).one()
    assert copy.applications_open == aware(2026, 5, 1, 13)

    def setup_of(edition):
        return [
            (
                p.code, p.name, p.description, p.eligibility, p.sponsor, p.presenter_name, p.finalists,
                p.position, p.max_deck_mb,
                [(r.code, r.method, r.blind, r.tie_break, r.jurors_per_application,
                  [(c.code, c.name, c.weight, c.min_value, c.max_value, c.required, c.position)
                   for c in r.criteria]) for r in p.rounds],
                [(q.code, q.label, q.type, q.required, q.max_words, q.options, q.identifying, q.position)
                 for q in p.questions],
            )
            for p in edition.prizes
        ]  # fmt: skip

    assert setup_of(copy) == setup_of(source)
    assert [p.code for p in copy.prizes] == ["innovation", "women-in-tech"]
    assert [(r.code, r.phase, r.judging_closes_at) for p in copy.prizes for r in p.rounds] == [
        ("preselection", "setup", None),
        ("final", "setup", None),
        ("preselection", "setup", None),
    ]
    assert {p.id for p in copy.prizes}.isdisjoint({p.id for p in source.prizes})
    assert (
        db.scalar(select(func.count()).select_from(Application).where(Application.edition_id == copy.id)) == 0
    )
    assert db.scalar(select(func.count()).select_from(Application)) == 1
    copied_round_ids = [r.id for p in copy.prizes for r in p.rounds]
    assert (
        db.scalar(
            select(func.count())
            .select_from(JuryMembership)
            .where(JuryMembership.round_id.in_(copied_round_ids))
        )
        == 0
    )
    # The source is untouched.
    assert [r.phase for r in source.prizes[0].rounds] == ["judging", "setup"]

    [copied] = audit(db, "edition.copied")
    assert (copied.edition_id, copied.object_id) == (copy.id, copy.id)
    assert (copied.after["source"], copied.after["prizes"], copied.after["rounds"]) == ("mtl-2025", 2, 3)
    assert (copied.after["criteria"], copied.after["questions"]) == (6, 2)


def test_copy_setup_service_validates_like_the_form(make, db, organizer):
    source = _source_edition(make)
    with pytest.raises(setup.SetupError) as refused:
        setup.copy_setup(
            db,
            source=source,
            code="mtl-2025",
            name={"fr": "Encore", "en": ""},
            applications_open=aware(2026, 5, 1),
            applications_close=aware(2026, 4, 1),
            ceremony_at=None,
            actor=organizer,
        )
    assert set(refused.value.errors) == {"code", "applications_close"}


def test_copy_form_errors_keep_what_was_typed(app, organizer_client, make, db):
    source = make.edition(code="mtl-2025")
    db.commit()
    data = EDITION_FORM | {"source": str(source.id), "code": "mtl-2025", "name_fr": "Nouvelle"}
    response = organizer_client.post("/organizer/editions/copy", data=data)
    page = text(response)
    assert response.status_code == 200
    assert translated(app, "fr", "An edition with this code already exists.") in page
    assert 'value="Nouvelle"' in page

    response = organizer_client.post(
        "/organizer/editions/copy", data=data | {"source": "999999", "code": "x"}
    )
    assert translated(app, "fr", "Choose an edition from the list.") in text(response)
    assert db.scalar(select(func.count()).select_from(Edition)) == 1


# --- access control and parents -----------------------------------------------------------------------


@pytest.fixture
def chain(make, db):
    """One of each object, linked: edition → prize → round → criterion, prize → question."""
    rnd = make.round(phase="setup", criteria=1, tie_break=[])
    question = make.question(rnd.prize, code="q1")
    db.commit()
    return {
        "edition_id": rnd.prize.edition_id,
        "prize_id": rnd.prize_id,
        "round_id": rnd.id,
        "criterion_id": rnd.criteria[0].id,
        "question_id": question.id,
    }


SETUP_ENDPOINTS = {
    f"organizer.{name}"
    for name in [
        "dashboard",
        "edition_new",
        "edition_copy",
        "edition_view",
        "edition_edit",
        "edition_delete",
        "prize_new",
        "prize_view",
        "prize_edit",
        "prize_delete",
        "round_new",
        "round_edit",
        "round_delete",
        "criterion_new",
        "criterion_edit",
        "criterion_delete",
        "criterion_move",
        "question_new",
        "question_edit",
        "question_delete",
        "question_move",
    ]
}


def organizer_routes(app, ids, *, only_setup: bool = False):
    """Organizer URLs with the methods they answer: (endpoint, arguments, url, method).

    Every ``organizer.*`` route whose URL needs only ids of the setup chain (other
    engineers' organizer pages included), or only the setup pages.
    """
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("organizer.") or not set(rule.arguments) <= set(ids):
                continue
            if only_setup and rule.endpoint not in SETUP_ENDPOINTS:
                continue
            url = url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments})
            for method in sorted(rule.methods & {"GET", "POST"}):
                yield rule.endpoint, rule.arguments, url, method


def test_every_route_is_covered(app, chain):
    endpoints = {endpoint for endpoint, *_rest in organizer_routes(app, chain, only_setup=True)}
    assert endpoints == SETUP_ENDPOINTS


@pytest.mark.parametrize("role", ["juror", "candidate"])
def test_jurors_and_candidates_get_403_everywhere(app, client, make, db, chain, role):
    user = make.user(roles=[role])
    db.commit()
    login(client, user)
    for endpoint, _arguments, url, method in organizer_routes(app, chain):
        response = client.open(url, method=method, data={"direction": "up"})
        assert response.status_code == 403, (endpoint, method)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_anonymous_visitors_are_sent_to_the_login(app, client, chain):
    for endpoint, _arguments, url, method in organizer_routes(app, chain):
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, method)
        assert "/auth/login" in response.headers["Location"], endpoint


def test_objects_under_the_wrong_parent_are_404(app, organizer_client, make, db, chain):
    edition = db.get(Edition, chain["edition_id"])
    other_edition = make.edition()
    other_prize = make.prize(edition, code="other-prize")
    other_prize_round = make.round(other_prize, phase="setup", criteria=1)
    other_question = make.question(other_prize, code="q1")
    sibling_round = make.round(db.get(Prize, chain["prize_id"]), code="final", phase="setup", criteria=1)
    db.commit()
    cases = [
        ({"edition_id": other_edition.id}, "prize_id"),  # the prize is not in that edition
        ({"round_id": other_prize_round.id}, "round_id"),  # the round is another prize's
        ({"criterion_id": sibling_round.criteria[0].id}, "criterion_id"),  # another round's criterion
        ({"question_id": other_question.id}, "question_id"),  # another prize's question
        (dict.fromkeys(chain, 999999), "edition_id"),  # nothing exists
    ]
    checked = 0
    for wrong, guarded in cases:
        for endpoint, arguments, url, method in organizer_routes(app, chain | wrong, only_setup=True):
            if guarded not in arguments:
                continue
            response = organizer_client.open(url, method=method, data={"direction": "up"})
            assert response.status_code == 404, (endpoint, method, wrong)
            checked += 1
    assert checked > 40
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert db.scalar(select(func.count()).select_from(Prize)) == 2


def test_writes_are_post_only(organizer_client, chain):
    base = f"/organizer/editions/{chain['edition_id']}/prizes/{chain['prize_id']}"
    assert organizer_client.get(f"{base}/questions/{chain['question_id']}/move").status_code == 405
    for url in (f"{base}/delete", f"{base}/rounds/{chain['round_id']}/delete"):
        assert organizer_client.get(url).status_code == 200  # a confirmation page, nothing deleted
    assert organizer_client.get(f"{base}").status_code == 200


# --- performance --------------------------------------------------------------------------------------


def count_queries(app, db, fn) -> int:
    from judging.db import get_engine

    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(statements)


def _grow(make, edition, n_prizes: int) -> Prize:
    prize = None
    for i in range(n_prizes):
        prize = make.prize(edition, code=f"p{i}")
        for code in ("preselection", "final"):
            rnd = make.round(prize, code=code, phase="setup", criteria=4 if i else 1, tie_break=[])
            rnd.position = 0 if code == "preselection" else 1
        for j in range(3 if i else 1):
            make.question(prize, code=f"q{j}")
    return prize


def test_pages_use_a_fixed_number_of_queries(app, organizer_client, make, db):
    small = make.edition()
    small_prize = _grow(make, small, 1)
    large = make.edition()
    large_prize = _grow(make, large, 5)
    db.commit()

    for small_url, large_url in (
        ("/organizer/", "/organizer/"),
        (edition_url(small), edition_url(large)),
        (prize_url(small_prize), prize_url(large_prize)),
    ):
        organizer_client.get(small_url)  # warm up
        few = count_queries(app, db, lambda url=small_url: organizer_client.get(url))
        many = count_queries(app, db, lambda url=large_url: organizer_client.get(url))
        assert few == many, (small_url, few, many)
        assert many <= 8
