"""The home page presents the contest: the application window with a countdown, the prizes with their
sponsors and presenters, the season's timeline, links to apply; in both languages, without codes."""

from __future__ import annotations

import re
from datetime import timedelta

from judging.core.models import utcnow


def _text(response) -> str:
    return response.get_data(as_text=True)


def _contest(make, db, **edition_fields):
    edition = make.edition(
        code="code-edition-x", name={"fr": "Prix MTL 2026", "en": "MTL Awards 2026"}, **edition_fields
    )
    prize = make.prize(
        edition,
        code="code-prix-x",
        name={"fr": "Prix de l’audace", "en": "Boldness Award"},
        sponsor="Banque Boréalis",
        presenter_name="Hélène Vachon",
        presenter_title="Vice-présidente",
        presenter_organization="Banque Boréalis",
    )
    make.round(prize, code="code-tour-x", name={"fr": "Présélection", "en": "Preselection"}, phase="open")
    make.round(prize, code="code-finale-x", name={"fr": "Finale", "en": "Final"}, phase="setup", position=1)
    db.commit()
    return edition, prize


def test_the_home_page_presents_an_open_call_with_its_countdown_prizes_and_season(app, db, make, client):
    close = utcnow() + timedelta(days=3, hours=5)
    edition, prize = _contest(make, db, applications_close=close)

    html = _text(client.get("/"))

    countdown = re.search(r'<strong class="countdown" id="countdown"([^>]*)>([^<]+)</strong>', html)
    assert countdown is not None
    assert f'data-deadline="{close.isoformat()}"' in countdown.group(1)
    assert countdown.group(2) == "3\u00a0jours"  # server-rendered, the script refines it
    assert 'id="apply-now"' in html
    assert f'href="/candidate/prizes#prize-{prize.id}"' in html
    assert "Présenté par Banque Boréalis" in html
    assert "Remis par Hélène Vachon, vice-présidente, Banque Boréalis" in html  # lower case after a comma
    timeline = html.split('id="season-timeline"', 1)[1].split("</ol>", 1)[0]
    stages = re.findall(r'<span class="stage-name">([^<]+)</span>', timeline)
    assert stages[0] == "Appel de candidatures" and stages[-1] == "Cérémonie de remise des prix"
    assert re.findall(r'aria-current="step">\s*<span class="stage-name">([^<]+)<', timeline) == [
        "Appel de candidatures"
    ]
    assert "(HNE)" in timeline or "(HAE)" in timeline  # dates in Montréal time, with words for the zone
    assert html.count("btn-primary") == 1
    for code in ("code-edition-x", "code-prix-x", "code-tour-x", "code-finale-x"):
        assert code not in html


def test_the_home_page_in_english(app, db, make, client):
    _contest(make, db, applications_close=utcnow() + timedelta(days=3, hours=5))
    client.post("/language", data={"language": "en", "next": "/"})

    html = _text(client.get("/"))

    assert "Applications are open until" in html
    assert "Presented by Banque Boréalis" in html
    assert "Handed over by Hélène Vachon" in html
    assert '<span class="stage-name">Call for applications</span>' in html
    assert '<span class="stage-name">Awards ceremony</span>' in html
    assert re.search(r'id="countdown"[^>]*>3 days</strong>', html)


def test_before_the_call_opens_the_home_page_gives_the_opening_date_and_no_apply_button(
    app, db, make, client
):
    _contest(
        make,
        db,
        applications_open=utcnow() + timedelta(days=5),
        applications_close=utcnow() + timedelta(days=50),
    )
    # The current edition is the one whose window opened last: this one has not opened yet.
    html = _text(client.get("/"))

    assert "Les candidatures ouvrent le" in html
    assert 'id="apply-now"' not in html and 'id="countdown"' not in html
    assert 'aria-current="step"' not in html  # the season has not begun
