"""The demo reads right in both languages and its ceremony has a timetable: presenters' titles in
English on English pages (they showed the French title), « 2 000 personnes » with the no-break space
French pages use for thousands (« 2000 » before), and minutes on stage per prize so the run of show
times each prize (it said « Durée totale sur scène : 0 min », every prize at 18:00)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from judging.ceremony.plan import ceremony_plan
from judging.devdata import demo


def strings(value) -> list[str]:
    """Every text in a document."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


def test_every_presenter_has_an_english_title():
    titles = {p["code"]: p["presenter"] for p in demo.demo_document()["prizes"]}
    assert {code: (p["title"], p.get("title_en")) for code, p in titles.items()} == {
        "innovation": ("Vice-présidente, innovation", "Vice-President, Innovation"),
        "femmes-en-tech": ("Directrice générale", "Executive Director"),
        "litteratie-jeunesse": ("Président", "President"),
        "decouvrabilite": ("Directrice", "Director"),
    }


def test_thousands_are_written_as_each_language_writes_them():
    texts = strings(demo.demo_document()["applications"])
    assert not [t for t in texts if re.search(r"\d{4} (personnes|people)", t)]
    assert any("2\u00a0000 personnes" in t for t in texts)
    assert any("2,000 people" in t for t in texts)


def test_the_run_of_show_times_each_prize_and_english_pages_show_english_titles(app, db, client):
    edition = demo.load_demo(db, at="ceremony")
    db.commit()
    plan = ceremony_plan(db, edition, language="fr")
    start = edition.ceremony_at
    assert [(p.code, p.minutes) for p in plan.prizes] == list(demo.CEREMONY_MINUTES.items())
    assert [p.starts_at - start for p in plan.prizes] == [timedelta(minutes=m) for m in (0, 8, 15, 21)]
    assert plan.total_minutes == 27
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    page = html.unescape(client.get(f"/editions/{demo.EDITION_CODE}/winners").get_data(as_text=True))
    assert "vice-president, innovation" in page.lower()
    assert "vice-présidente" not in page.lower() and "directrice" not in page.lower()


def french_texts(value) -> list[str]:
    """The French side of every bilingual text in a document."""
    if isinstance(value, dict):
        own = [value["fr"]] if isinstance(value.get("fr"), str) else []
        return own + [text for item in value.values() for text in french_texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in french_texts(item)]
    return []


def test_the_demo_says_presentation_in_french_as_the_live_final_does():
    """The final's criterion read « Qualité du pitch » on the juror's live page, beside « Présentation »."""
    texts = french_texts(demo.demo_document())
    assert "Qualité de la présentation" in texts
    assert [t for t in texts if re.search(r"\bpitchs?\b", t, re.I)] == []
