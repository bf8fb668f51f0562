"""The organizer's cockpit, the edition's first page: the season's timeline, where each prize stands,
the next actions with their counts (each a link), and the setup one click away."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from judging.core.models import utcnow
from judging.jury.models import Assignment
from judging.mail.models import OutgoingMail
from tests.conftest import login


def _text(response) -> str:
    return response.get_data(as_text=True)


def _season(make, db):
    """Three prizes at three points of the season, one mail given up on, one organizer."""
    organizer = make.user(roles=["organizer"])
    edition = make.edition(code="saison-secrete-2026", name={"fr": "Saison 2026", "en": "2026 season"})
    screening = make.prize(edition, code="code-prix-a", name={"fr": "Prix Aurore", "en": "Aurora Award"})
    make.round(
        screening, code="code-tour-a", name={"fr": "Présélection", "en": "Preselection"}, phase="screening"
    )
    for _ in range(12):
        make.application(screening)
    make.application(screening, status="draft")
    make.application(screening, status="withdrawn")

    judging = make.prize(edition, code="code-prix-b", name={"fr": "Prix Boréal", "en": "Boreal Award"})
    rnd = make.round(judging, code="code-tour-b", name={"fr": "Présélection", "en": "Preselection"})
    final = make.round(judging, code="code-finale-b", name=None, phase="setup", position=1)
    applications = [make.application(judging) for _ in range(2)]
    jurors = [make.user(roles=["juror"]) for _ in range(4)]
    make.jury(rnd, *jurors)
    for juror, status in zip(jurors, ("assigned", "draft", "assigned", "submitted"), strict=True):
        for application in applications:
            make.scorecard(rnd, juror, application, status=status)
    make.scorecard(rnd, jurors[0], make.application(judging), status="draft")  # still one juror

    decided = make.prize(edition, code="code-prix-c", name={"fr": "Prix Cépage", "en": "Vine Award"})
    make.round(decided, code="code-tour-c", name={"fr": "Finale", "en": "Final"}, phase="decided")

    db.add(
        OutgoingMail(
            to_address="perdu@example.org",
            template="reset",
            subject="Sujet",
            body_text="Bonjour",
            attempts=8,
            gave_up_at=utcnow() - timedelta(hours=1),
        )
    )
    db.commit()
    return organizer, edition, (screening, judging, decided), (rnd, final)


def _actions(html: str) -> list[tuple[str, str]]:
    """The next actions as (link text, href), in the page's order."""
    block = html.split('id="next-actions"', 1)[1].split("</ul>", 1)[0]
    return [
        (text.strip(), href.replace("&amp;", "&"))
        for href, text in re.findall(r'<a href="([^"]+)" class="stretched-link[^"]*">([^<]+)</a>', block)
    ]


def test_the_cockpit_lists_the_next_actions_with_their_counts_in_french(app, db, make, client):
    organizer, edition, (screening, judging, decided), (rnd, _final) = _season(make, db)
    login(client, organizer)

    html = _text(client.get(f"/organizer/editions/{edition.id}"))

    e = edition.id
    assert _actions(html) == [
        ("1 courriel n’a pas pu être envoyé", "/organizer/outbox"),
        (
            "12 candidatures à examiner",
            f"/organizer/editions/{e}/applications?prize={screening.id}&status=submitted",
        ),
        (
            "3 juré·e·s n’ont pas terminé",
            f"/organizer/editions/{e}/prizes/{judging.id}/rounds/{rnd.id}/jury?show=unfinished",
        ),
        (
            "Résultats prêts à annoncer",
            f"/organizer/editions/{e}/prizes/{decided.id}/rounds/{decided.rounds[0].id}/phase",
        ),
    ]
    # each action says for which prize and round
    assert "Prix Boréal · Présélection" in html
    # every link leads to a page the organizer can open
    for _text_, href in _actions(html):
        assert client.get(href).status_code == 200


def test_the_cockpit_speaks_english_with_singular_counts(app, db, make, client):
    organizer, edition, _prizes, (rnd, _final) = _season(make, db)
    # two of the three jurors finish: one is left, the singular form
    unfinished = sorted(
        {card.juror_id for card in db.scalars(select(Assignment).where(Assignment.status != "submitted"))}
    )
    db.execute(
        update(Assignment)
        .where(Assignment.round_id == rnd.id, Assignment.juror_id.in_(unfinished[1:]))
        .values(status="submitted")
    )
    db.commit()
    login(client, organizer)
    client.post("/language", data={"language": "en", "next": "/"})

    html = _text(client.get(f"/organizer/editions/{edition.id}"))

    texts = [text for text, _href in _actions(html)]
    assert texts == [
        "1 mail could not be sent",
        "12 applications to examine",
        "1 juror has not finished",
        "Results ready to announce",
    ]
    assert "Boreal Award · Preselection" in html


def test_the_cockpit_shows_the_season_and_where_each_prize_stands_by_name(app, db, make, client):
    organizer, edition, _prizes, _rounds = _season(make, db)
    login(client, organizer)

    html = _text(client.get(f"/organizer/editions/{edition.id}"))

    timeline = html.split('id="season-timeline"', 1)[1].split("</ol>", 1)[0]
    stages = re.findall(r'<span class="stage-name">([^<]+)</span>', timeline)
    assert stages == [
        "Appel de candidatures",
        "Examen d’admissibilité",
        "Évaluation",
        "Finalistes annoncés",
        "Finale",
        "Cérémonie de remise des prix",
    ]
    current = re.findall(r'aria-current="step">\s*<span class="stage-name">([^<]+)<', timeline)
    # the call is open (its window contains now); each prize where its own rounds are: Aurore screens
    # while Boréal and Cépage are judging
    assert current == ["Appel de candidatures", "Examen d’admissibilité", "Évaluation"]
    prizes_at = re.findall(r'<span class="stage-prizes">([^<]+)</span>', timeline)
    assert prizes_at == ["Prix Aurore", "Prix Boréal · Prix Cépage"]
    standing = html.split('id="prize-standing"', 1)[1].split("</table>", 1)[0]
    assert 'Présélection\u00a0: <span class="badge phase-badge phase-judging">Évaluation</span>' in standing
    # a round without a name is named by its position, never by its code
    assert 'Tour 2\u00a0: <span class="badge phase-badge phase-setup">Configuration</span>' in standing
    for code in ("saison-secrete-2026", "code-prix-a", "code-tour-a", "code-tour-b", "code-finale-b"):
        assert code not in html


def test_the_setup_is_one_click_away_and_nothing_waits_on_a_quiet_edition(app, db, make, client):
    organizer = make.user(roles=["organizer"])
    edition = make.edition()
    prize = make.prize(edition)
    make.round(prize, phase="setup")
    db.commit()
    login(client, organizer)

    html = _text(client.get(f"/organizer/editions/{edition.id}"))

    assert '<a class="nav-link" href="#setup" id="setup-tab">Configuration</a>' in html
    setup = html.split('<section id="setup"', 1)[1]
    assert 'id="new-prize"' in setup and 'id="edit-edition"' in setup
    assert "Rien ne vous attend pour le moment." in html
    # one primary action on the page
    assert html.count("btn-primary") == 1


def test_the_cockpit_is_for_organizers_only(app, db, make, client):
    juror = make.user(roles=["juror"])
    edition = make.edition()
    db.commit()
    login(client, juror)
    assert client.get(f"/organizer/editions/{edition.id}").status_code == 403


def test_a_round_still_open_after_the_call_closed_asks_for_the_screening(app, db, make, client):
    organizer = make.user(roles=["organizer"])
    edition = make.edition(open_now=False)
    prize = make.prize(edition, name={"fr": "Prix Aurore", "en": "Aurora Award"})
    rnd = make.round(prize, name={"fr": "Présélection", "en": "Preselection"}, phase="open")
    still_open = make.edition()  # the window of this one is open: nothing to do yet
    make.round(make.prize(still_open), phase="open")
    db.commit()
    login(client, organizer)

    html = _text(client.get(f"/organizer/editions/{edition.id}"))
    assert _actions(html) == [
        (
            "L’appel est clos\u00a0: commencez l’examen d’admissibilité",
            f"/organizer/editions/{edition.id}/prizes/{prize.id}/rounds/{rnd.id}/phase",
        )
    ]
    assert _actions(_text(client.get(f"/organizer/editions/{still_open.id}"))) == []


def _row(html: str, prize) -> str:
    return html.split(f'data-prize="{prize.id}"', 1)[1].split("</tr>", 1)[0]


def test_prizes_in_different_phases_each_show_their_own_stage_and_next_step(app, db, make, client):
    """The season is not one line: a prize in its final does not make the others' screening "done"."""
    organizer = make.user(roles=["organizer"])
    edition = make.edition(name={"fr": "Saison", "en": "Season"})
    ahead = make.prize(edition, name={"fr": "Prix Devant", "en": "Ahead Award"})
    make.round(ahead, name={"fr": "Présélection", "en": "Preselection"}, phase="announced")
    final = make.round(ahead, code="final", name={"fr": "Finale", "en": "Final"}, phase="decided", position=1)
    behind = make.prize(edition, name={"fr": "Prix Derrière", "en": "Behind Award"})
    screening = make.round(behind, name={"fr": "Présélection", "en": "Preselection"}, phase="screening")
    make.application(behind)
    idle = make.prize(edition, name={"fr": "Prix Tranquille", "en": "Quiet Award"})
    waiting = make.round(idle, name={"fr": "Présélection", "en": "Preselection"}, phase="setup")
    empty = make.prize(edition, name={"fr": "Prix Vide", "en": "Empty Award"})
    db.commit()
    login(client, organizer)

    html = _text(client.get(f"/organizer/editions/{edition.id}"))

    timeline = html.split('id="season-timeline"', 1)[1].split("</ol>", 1)[0]
    states = re.findall(r'class="season-stage stage-(\w+)"', timeline)
    # call: Quiet and Empty are still there; screening: Behind; final: Ahead; in between, partly done
    assert states == ["current", "current", "partial", "partial", "current", "upcoming"]
    assert "Prix Devant" in timeline.split("Finale", 1)[1] and "Prix Derrière" in timeline
    assert "terminée pour certains prix" in timeline

    ahead_row, behind_row = _row(html, ahead), _row(html, behind)
    assert "Finale" in ahead_row.split('class="prize-stage">', 1)[1].split("<", 1)[0]
    assert "Résultats prêts à annoncer" in ahead_row and f"/rounds/{final.id}/phase" in ahead_row
    assert "Examen d’admissibilité" in behind_row.split('class="prize-stage">', 1)[1].split("<", 1)[0]
    assert "1 candidature à examiner" in behind_row and "status=submitted" in behind_row
    assert f"/rounds/{screening.id}" not in ahead_row
    idle_row = _row(html, idle)
    assert "Préparer ce tour, puis l’ouvrir" in idle_row and f"/rounds/{waiting.id}/phase" in idle_row
    assert "Ajouter un tour d’évaluation" in _row(html, empty)
