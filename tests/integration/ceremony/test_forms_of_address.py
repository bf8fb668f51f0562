"""Issue 15 item 7: titles that fit the person (« Lauréate », « Lauréat », « Lauréat·e », "Winner").

The organizer sets the form of address on a winner's application page; the certificates, the
envelopes and the public winners page use it, from the frozen snapshot of the final.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from judging.applications.models import Application
from judging.ceremony import documents
from judging.ceremony import plan as ceremony
from judging.results import snapshots
from judging.results.models import ResultSnapshot
from tests.conftest import login
from tests.scenarios import ceremony_edition, person_name

AFTER_WINNERS = ceremony_edition.__globals__["aware"](2025, 10, 17, 1, 0)  # winners_public_at


def _address_url(application) -> str:
    return f"/organizer/editions/{application.edition_id}/applications/{application.id}/address"


def _set(client, application, address: str, shown: str = ""):
    return client.post(_address_url(application), data={"address": address, "shown": shown})


def _freeze_with_decisions(db, built) -> None:
    """Freeze each prize's final as an announcement does: the payload keeps the decisions (format 2)."""
    for rnd in built.rounds:
        db.add(
            ResultSnapshot(
                round_id=rnd.id,
                method="mean",
                fingerprint=f"{rnd.id:064d}",  # 64 characters whatever the id (PostgreSQL checks)
                payload={
                    "code": "final",
                    "ranking": [],
                    "snapshot_format": snapshots.PAYLOAD_FORMAT,
                    "decisions": snapshots.round_decisions(db, rnd, []),
                },
            )
        )
    db.commit()


def _html(app, db, built, kind: str, language: str = "fr") -> str:
    with app.test_request_context():
        plan = ceremony.ceremony_plan(db, built.edition, language=language)
        return unescape(documents.ceremony_html(plan, kind))


@pytest.fixture
def built(make, db, organizer_client):
    """The ceremony edition, its finals not frozen yet; the first winner is a woman, the second a man."""
    built = ceremony_edition(make, db, secret=False, freeze=False)
    assert _set(organizer_client, built.winners[0], "feminine").status_code == 302
    assert _set(organizer_client, built.winners[1], "masculine").status_code == 302
    _freeze_with_decisions(db, built)
    return built


def test_certificates_title_each_winner_as_the_organizer_set(app, db, built):
    html = _html(app, db, built, "certificates")
    assert "Lauréate du Prix de l'innovation" in html
    assert "Lauréat du Prix Femmes en Tech" in html
    # not set: the inclusive default
    assert "Lauréat·e du Prix en littératie numérique jeunesse" in html
    assert "Lauréat du Prix de l'innovation" not in html
    english = _html(app, db, built, "certificates", language="en")
    assert "Winner of the Innovation Award" in english and "Lauréat" not in english


def test_envelopes_title_the_winner(app, db, built):
    html = _html(app, db, built, "envelopes", language="bilingual")
    first = html[html.index('id="envelope-1"') : html.index('id="envelope-2"')]
    assert '<span lang="fr">Lauréate</span> · <span lang="en">Winner</span>' in first
    third = html[html.index('id="envelope-3"') : html.index('id="envelope-4"')]
    assert '<span lang="fr">Lauréat·e</span>' in third


def test_the_public_winners_page_titles_each_winner(app, db, built, monkeypatch):
    monkeypatch.setattr("judging.core.clock.now", lambda: AFTER_WINNERS)
    page = app.test_client().get(f"/editions/{built.edition.code}/winners").get_data(as_text=True)
    cards = {code: page[page.index(f'id="card-{code}"') :][:3000] for code in ("innovation", "femmes-tech")}
    assert ">Lauréate</h3>" in cards["innovation"]
    assert ">Lauréat</h3>" in cards["femmes-tech"]
    assert person_name(0, 0) in cards["innovation"]


def test_the_press_sheet_titles_each_winner(app, db, built):
    html = _html(app, db, built, "press")
    winners = re.findall(r"<strong>(Lauréa[^<]*)</strong>", html)
    assert winners[:3] == ["Lauréate\u00a0:", "Lauréat\u00a0:", "Lauréat·e\u00a0:"], winners
    english = _html(app, db, built, "press", language="en")
    assert "<strong>Winner:</strong>" in english and "Lauréat" not in english


def test_the_edition_report_titles_each_winner(app, db, built):
    """The report (page and PDF) names each winner under their own title, not « Lauréat » for everyone."""
    from judging.ceremony.report_pdf import report_html

    with app.test_request_context():
        html = unescape(report_html(db, built.edition, locale="fr"))
    winners = re.findall(r"<strong>(Lauréa[^<]*)</strong>", html)
    assert winners[:3] == ["Lauréate\u00a0:", "Lauréat\u00a0:", "Lauréat·e\u00a0:"], winners
    assert "Remis par Amélie Hautecoeur, vice-présidente, Banque Fictive du Québec" in html


def test_a_change_after_the_freeze_changes_nothing_printed(app, db, built, organizer_client):
    assert _set(organizer_client, built.winners[0], "masculine", shown="feminine").status_code == 302
    db.expire_all()
    assert db.get(Application, built.winners[0].id).form_of_address == "masculine"
    assert "Lauréate du Prix de l'innovation" in _html(app, db, built, "certificates")


def test_a_snapshot_frozen_before_forms_of_address_reads_as_inclusive(app, db, built):
    for snapshot in db.scalars(select(ResultSnapshot)):
        payload = dict(snapshot.payload)
        payload["decisions"] = [
            {key: value for key, value in entry.items() if key != "address"} for entry in payload["decisions"]
        ]
        snapshot.payload = payload
    db.commit()
    html = _html(app, db, built, "certificates")
    assert "Lauréat·e du Prix de l'innovation" in html and "Lauréate" not in html


def test_a_form_of_address_set_meanwhile_is_not_replaced(db, make, organizer_client):
    application = make.application(make.prize())
    db.commit()
    # two organizers opened the page while none was set; the first one chooses « Lauréate »
    assert _set(organizer_client, application, "feminine").status_code == 302
    late = _set(organizer_client, application, "masculine")
    assert late.status_code == 409
    assert "c’est maintenant «\u00a0Féminine («\u00a0Lauréate\u00a0»)\u00a0»" in late.get_data(as_text=True)
    db.expire_all()
    assert db.get(Application, application.id).form_of_address == "feminine"


def test_only_known_forms_of_address_are_kept(db, make, organizer_client):
    application = make.application(make.prize())
    db.commit()
    response = _set(organizer_client, application, "<script>")
    assert response.status_code == 422
    db.expire_all()
    assert db.get(Application, application.id).form_of_address is None


def test_the_setting_needs_an_organizer(db, make, client, juror):
    application = make.application(make.prize())
    db.commit()
    login(client, juror)
    assert _set(client, application, "feminine").status_code == 403
    db.expire_all()
    assert db.get(Application, application.id).form_of_address is None


# Presenters' titles in French and in English


def test_a_presenters_title_is_written_in_each_language(app, db, make):
    from judging.editions.models import Prize

    built = ceremony_edition(make, db, secret=False)
    prize = db.get(Prize, built.prizes[0].id)
    prize.presenter_title, prize.presenter_title_en = "Vice-présidente", "Vice-President"
    db.commit()
    french = _html(app, db, built, "run-of-show", language="fr")
    english = _html(app, db, built, "run-of-show", language="en")
    # in French a title after the name is in lower case
    assert "Amélie Hautecoeur, vice-présidente, Banque Fictive du Québec" in french
    assert "Amélie Hautecoeur, Vice-President, Banque Fictive du Québec" in english
    assert "Vice-présidente" not in english
    # a prize without an English title keeps its only one in English
    assert "Béatrice Ouellon, Directrice, Réseau Elles Numériques" in english


def test_the_public_winners_page_writes_a_french_title_in_lower_case_after_the_name(
    app, db, built, monkeypatch
):
    """« Remis par Amélie Hautecoeur, Vice-présidente » (the home page already wrote « vice-présidente »)."""
    from judging.editions.models import Prize

    prize = db.get(Prize, built.prizes[0].id)
    prize.presenter_title, prize.presenter_title_en = "Vice-présidente", "Vice-President"
    db.commit()
    monkeypatch.setattr("judging.core.clock.now", lambda: AFTER_WINNERS)
    client = app.test_client()
    page = unescape(client.get(f"/editions/{built.edition.code}/winners").get_data(as_text=True))
    assert "Remis par Amélie Hautecoeur, vice-présidente, Banque Fictive du Québec" in page
    client.post("/language", data={"language": "en", "next": "/"})
    page = unescape(client.get(f"/editions/{built.edition.code}/winners").get_data(as_text=True))
    assert "Handed over by Amélie Hautecoeur, Vice-President, Banque Fictive du Québec" in page


def test_the_prize_form_saves_the_english_title(db, make, organizer_client):
    from judging.editions.models import Prize

    prize = make.prize(presenter_name="Amélie Hautecoeur", presenter_title="Vice-présidente")
    db.commit()
    url = f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/edit"
    page = organizer_client.get(url).get_data(as_text=True)
    assert 'name="presenter_title_en"' in page
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    fields |= {
        "presenter_title_en": "Vice-President",
        "name_fr": prize.name["fr"],
        "name_en": prize.name["en"],
    }
    response = organizer_client.post(url, data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.expire_all()
    stored = db.get(Prize, prize.id)
    assert (stored.presenter_title, stored.presenter_title_en) == ("Vice-présidente", "Vice-President")
