"""The defects the issue-15 screenshots found (docs/screenshots/README.md, « Still wrong after »), each
as the person sees it in French: the season's timeline (dates, finished steps, the current step),
« 1er mai », dates held on one line, one date style on the cockpit, the scorecard's contact and
website, the scorecard's skip link on a phone."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import func, select

from judging.applications.models import Answer
from judging.ceremony import documents
from judging.ceremony import plan as ceremony
from judging.core.models import utcnow
from judging.core.templating import local_datetime
from judging.devdata import demo
from judging.editions.models import Question
from judging.results.models import PitchSlot, ResultSnapshot
from tests.conftest import login
from tests.factories import aware
from tests.scenarios import PRIZES, ceremony_edition, person_name

NBSP = "\u00a0"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _timeline(html: str) -> list[tuple[str, str, str]]:
    """(state, name, what follows the name up to the dates' end) of each stage."""
    block = html.split('id="season-timeline"', 1)[1].split("</ol>", 1)[0]
    items = re.findall(r'class="season-stage stage-(\w+)"[^>]*>(.*?)</li>', block, re.S)
    return [(state, re.search(r'stage-name">([^<]+)<', body).group(1), body) for state, body in items]


def _dates(body: str) -> str:
    return re.search(r'<span class="stage-dates">(.*?)</span>', body, re.S).group(1)


def _season_at_ceremony_wait(make, db):
    """The call closed, the finalists announced, the final pitched and announced: the season waits
    for a ceremony still weeks away."""
    now = utcnow()
    edition = make.edition(
        name={"fr": "Saison 2026", "en": "2026 season"},
        applications_open=aware(2026, 5, 1, 13, 0),  # 1 May, 9 h 00 in Montréal
        applications_close=now - timedelta(days=20),
        finalists_public_at=now - timedelta(days=10),
        ceremony_at=now + timedelta(days=45),
    )
    prize = make.prize(edition, name={"fr": "Prix Aurore", "en": "Aurora Award"})
    make.round(prize, name={"fr": "Présélection", "en": "Preselection"}, phase="announced")
    final = make.round(prize, code="final", name={"fr": "Finale"}, phase="announced", position=1)
    finalist = make.application(prize)
    pitch = (now - timedelta(days=5)).replace(hour=23, minute=0, second=0, microsecond=0)
    db.add(PitchSlot(round_id=final.id, application_id=finalist.id, position=1, starts_at=pitch))
    db.commit()
    return edition, pitch


def test_the_timeline_dates_the_final_marks_finished_steps_and_awaits_the_ceremony(app, db, make, client):
    edition, pitch = _season_at_ceremony_wait(make, db)
    organizer = make.user(roles=["organizer"])
    db.commit()

    for page in (_text(client.get("/")), _cockpit(client, organizer, edition)):
        stages = {name: (state, body) for state, name, body in _timeline(page)}
        final_state, final_body = stages["Finale"]
        with app.test_request_context(), force_locale("fr"):
            pitch_words = local_datetime(pitch, "long").replace(" ", NBSP).replace(f"{NBSP}à{NBSP}", " à ")
        assert _dates(final_body) == pitch_words.replace(f"{NBSP}(", " (")
        assert final_state == "done"
        # finished steps say so on screen, not only to screen readers
        assert '<span class="stage-finished">' in final_body and "Étape terminée" in final_body
        assert "visually-hidden" not in final_body
        # the judging window ends when the finalists were made public
        assert "Date à venir" not in _dates(stages["Évaluation"][1])
        # announced results do not start a ceremony that is weeks away
        ceremony_state, ceremony_body = stages["Cérémonie de remise des prix"]
        assert ceremony_state == "upcoming" and "En cours" not in ceremony_body
        assert 'aria-current="step"' not in page.split('id="season-timeline"', 1)[1].split("</ol>", 1)[0]
    # the cockpit's table agrees: the prize awaits its ceremony, it is not in it
    stage = re.search(r'class="prize-stage">([^<]+)<', page).group(1)
    assert stage == "En attente de la cérémonie"


def _cockpit(client, organizer, edition) -> str:
    login(client, organizer)
    html = _text(client.get(f"/organizer/editions/{edition.id}"))
    client.post("/logout")
    return html


def test_the_call_is_in_progress_while_its_window_is_open(app, db, make, client):
    edition = make.edition(applications_close=utcnow() + timedelta(days=9))
    prize = make.prize(edition)
    make.round(prize, phase="judging")  # preselection scoring under way during the call
    db.commit()

    timeline = _timeline(_text(client.get("/")))
    stages = {name: state for state, name, _body in timeline}

    assert stages["Appel de candidatures"] == "current"
    assert stages["Évaluation"] == "current"
    assert stages["Cérémonie de remise des prix"] == "upcoming"
    # the rounds are past the screening: done, without the call's closing date still to come as its date
    screening = next(body for _state, name, body in timeline if name == "Examen d’admissibilité")
    assert stages["Examen d’admissibilité"] == "done" and _dates(screening).strip() == ""


def test_the_first_of_the_month_is_an_ordinal_and_dates_stay_on_one_line(app, db, make, client):
    edition, _pitch = _season_at_ceremony_wait(make, db)

    html = _text(client.get("/"))

    window = re.search(r'<p class="lead" id="window">([^<]+)</p>', html).group(1)
    assert f"du 1er{NBSP}mai{NBSP}2026 à 9{NBSP}h{NBSP}00 (HAE)" in window
    assert "1 mai" not in html and f"1{NBSP}mai" not in html
    # the timeline's call: from 1er mai, the day never parted from its month
    call_dates = _dates(_timeline(html)[0][2])
    assert call_dates.startswith(f"Du 1er{NBSP}mai{NBSP}2026 à 9{NBSP}h{NBSP}00 (HAE)")
    with app.test_request_context():
        with force_locale("fr"):  # a mail keeps plain spaces, and the ordinal
            assert local_datetime(edition.applications_open, "long") == "1er mai 2026 à 9 h 00 (HAE)"
        with force_locale("en"):
            assert local_datetime(edition.applications_open, "long").startswith("May 1, 2026")


def test_the_countdown_format_holds_each_number_to_its_unit(app, db, make, client):
    make.edition(applications_close=utcnow() + timedelta(days=9, hours=3))
    db.commit()

    html = _text(client.get("/"))

    countdown = re.search(r'<strong class="countdown" id="countdown"([^>]*)>([^<]+)</strong>', html)
    unbroken = "{d} j {h} h {m} min {s} s".replace(" ", NBSP)
    assert f'data-format="{unbroken}"' in countdown.group(1)
    assert " " not in countdown.group(2)  # « 9 jours », unbroken


def test_the_cockpit_writes_every_date_in_one_long_style_and_its_tabs_on_one_line(app, db, make, client):
    edition, _pitch = _season_at_ceremony_wait(make, db)
    organizer = make.user(roles=["organizer"])
    db.commit()

    html = _cockpit(client, organizer, edition)

    setup = html.split('id="setup"', 1)[1]
    opens = re.search(r'id="applications-open">([^<]+)<', setup).group(1)
    assert opens == f"1er{NBSP}mai{NBSP}2026 à 9{NBSP}h{NBSP}00 (HAE)"
    closes = re.search(r'id="applications-close">([^<]+)<', setup).group(1)
    month = re.search(rf"\d+{NBSP}(\S+){NBSP}20\d\d", closes).group(1)
    assert "." not in month  # « décembre », never the abbreviated « déc. » of the medium style
    tabs = re.search(r'<ul class="([^"]+)">\s*<li class="nav-item"><a class="nav-link active"', html).group(1)
    assert "edition-tabs" in tabs and "flex-wrap" not in tabs
    # on a phone each prize's row is stacked, every cell named, the next step included
    assert 'id="prize-standing"' in html and "stack-on-phone" in html
    assert 'data-label="Prochaine étape" class="prize-next-step"' in html


def _scorecard(make, db, *, blind: bool = False):
    juror = make.user(roles=["juror"])
    edition = make.edition()
    prize = make.prize(edition)
    rnd = make.round(prize, phase="judging", blind=blind)
    website = make.question(prize, code="site", type="url", label={"fr": "Site Web", "en": "Website"})
    application = make.application(
        prize,
        title="Aluka : robot pour les soins à domicile",
        contact_name="Laurence Beaulieu-Traoré",
        contact_email="laurence@aluka.example",
        website="https://aluka.example",
    )
    db.add(Answer(application=application, question_id=website.id, value="https://aluka.example"))
    make.jury(rnd, juror)
    make.scorecard(rnd, juror, application, status="assigned")
    db.commit()
    return juror, f"/jury/rounds/{rnd.id}/applications/{application.id}"


def test_the_scorecard_shows_the_contact_as_a_name_and_a_mail_link_and_the_website_once(db, make, client):
    juror, url = _scorecard(make, db)
    login(client, juror)

    html = _text(client.get(url))

    contact = re.search(r'id="contact">(.*?)</dd>', html, re.S).group(1)
    assert "Laurence Beaulieu-Traoré" in contact
    assert '<a class="text-break" href="mailto:laurence@aluka.example">laurence@aluka.example</a>' in contact
    assert "&lt;" not in contact and "&gt;" not in contact
    assert html.count(">https://aluka.example</a>") == 1
    assert 'href="https://aluka.example"' in html.split('id="website"', 1)[1].split("</dd>", 1)[0]
    # on a phone the grille comes after the application: a link at the top goes straight to it
    skip = re.search(r'<a class="[^"]*" href="#rubric-title" id="skip-to-scorecard">([^<]+)<', html)
    assert skip is not None and skip.group(1).strip() == "Aller à la grille d’évaluation"
    assert html.index('id="skip-to-scorecard"') < html.index('id="application-title"')
    assert 'id="rubric-title"' in html


def _home_cards(client) -> dict[str, str]:
    """Prize name → its card's HTML on the home page."""
    page = _text(client.get("/"))
    cards = re.findall(r'<section class="card h-100 prize-card"[^>]*>(.*?)</section>', page, re.S)
    return {html.unescape(re.search(r'class="card-title">([^<]+)<', card).group(1)): card for card in cards}


def test_once_the_winners_are_public_each_prize_card_names_its_frozen_winner(db, make, client, monkeypatch):
    built = ceremony_edition(make, db, secret=False)
    monkeypatch.setattr("judging.core.clock.now", lambda: aware(2025, 10, 17, 0, 59))  # a minute before
    assert not any("prize-winner" in card for card in _home_cards(client).values())

    monkeypatch.setattr("judging.core.clock.now", lambda: aware(2025, 10, 17, 1, 0))
    cards = _home_cards(client)
    first = re.search(r'<p class="prize-winner mb-2">(.*?)</p>', cards[PRIZES[0][1]], re.S).group(1)
    first = re.sub(r"[ \n]+", " ", first).strip()
    assert first.startswith("Lauré")
    assert f"{NBSP}: <strong>{person_name(0, 0)}" in first
    # a reopened round's snapshot no longer counts: its prize names nobody, whatever its live rows say
    snapshot = db.query(ResultSnapshot).filter_by(round_id=built.rounds[2].id).one()
    snapshot.invalidated_at = aware(2025, 10, 17, 0, 30)
    db.commit()
    cards = _home_cards(client)
    assert "prize-winner" in cards[PRIZES[1][1]] and "prize-winner" not in cards[PRIZES[2][1]]
    assert person_name(2, 0) not in cards[PRIZES[2][1]]


def test_the_demo_at_the_ceremony_wears_a_brand_titles_its_winners_and_dates_its_final(app, db):
    edition = demo.load_demo(db, at="ceremony")
    db.commit()
    assert (edition.brand_primary, edition.brand_accent) == demo.DEMO_BRAND
    with app.test_request_context():
        plan = ceremony.ceremony_plan(db, edition, language="fr")
        certificates = html.unescape(documents.ceremony_html(plan, "certificates"))
    # the brand colours the certificates; the contest is named once
    assert f".certificate .kind, .certificate .name {{ color: {demo.DEMO_BRAND[0]}; }}" in certificates
    lines = re.findall(r'<p class="muted edition-line">([^<]+)</p>', certificates)
    assert lines and set(lines) == {"MTL Tech Awards 2026 (démo)"}
    # the winners are titled as their form of address says (set for every contact who answered)
    titles = re.findall(r'<p class="honour">(Lauréat\S*) du ', certificates)
    assert "Lauréate" in titles and "Lauréat" in titles
    women = next(p for p in plan.prizes if p.code == "femmes-en-tech")
    assert women.winner.address == "feminine"
    # the availability question names the pitch night the demo schedules
    question = db.scalars(select(Question).where(Question.code == "available")).first()
    assert "30 novembre 2026" in question.label["fr"]
    first_pitch = db.scalar(select(func.min(PitchSlot.starts_at)))
    assert first_pitch is not None
    with app.test_request_context(), force_locale("fr"):
        assert local_datetime(first_pitch, "long").startswith("30 novembre 2026")
