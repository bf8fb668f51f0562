"""Two organizers never overwrite each other: every edit form carries the version it showed.

Each test opens the same record in two clients (two organizers, or one organizer in two
windows), saves in one, then saves in the other: the second save is refused with a message that
names the other person and the fields changed, keeps what was typed, shows what is stored now,
and leaves the first save in the database. Runs on SQLite and, with
``JUDGING_TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from judging.core.audit_event import AuditEvent
from judging.editions.models import Edition, Prize
from judging.mail.models import MailTemplate
from tests.conftest import login

OTHER = "Odile Bernier-Sauvé"


class _Forms(HTMLParser):
    """The post forms of a page as a browser would send them (inputs, checked boxes, textareas, selects)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}})
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            fields[name] = a.get("value") or ("y" if a.get("type") == "checkbox" else "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and (self._select not in fields or "selected" in a):
            fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            fields = self.forms[-1]["fields"]
            first = not fields[self._textarea]  # a browser drops the newline that opens a textarea
            fields[self._textarea] += data.removeprefix("\r").removeprefix("\n") if first else data


def form_of(response, action: str = "") -> dict:
    """The fields of the page's first post form that carries a version (its action containing ``action``)."""
    reader = _Forms()
    reader.feed(response.get_data(as_text=True))
    forms = [f for f in reader.forms if "version" in f["fields"] and action in f["action"]]
    assert forms, "no versioned form on the page"
    return dict(forms[0]["fields"])


def page(response) -> str:
    return response.get_data(as_text=True)


def shown(value: str) -> str:
    return str(escape(value))


@pytest.fixture
def other(make, db):
    user = make.user(email="odile@example.org", name=OTHER, roles=["organizer"])
    db.commit()
    return user


@pytest.fixture
def two(app, organizer, other):
    """Two browsers: Olive (``organizer``) and Odile (``other``)."""
    mine, theirs = app.test_client(), app.test_client()
    login(mine, organizer)
    login(theirs, other)
    return mine, theirs


def prize_url(prize, suffix: str = "") -> str:
    return f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}{suffix}"


def events(db, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- prizes -------------------------------------------------------------------------------------------


@pytest.fixture
def prize(make, db):
    prize = make.prize(
        description={"fr": "Description d’origine", "en": "Original description"},
        sponsor="Banque Fictive",
    )
    db.commit()
    return prize


def test_second_organizer_saving_a_prize_is_refused_and_keeps_what_she_typed(two, db, prize):
    mine, theirs = two
    url = prize_url(prize, "/edit")
    my_page, their_page = mine.get(url), theirs.get(url)

    saved = theirs.post(
        url,
        data=form_of(their_page)
        | {"description_fr": "Décrite par Odile", "sponsor": "Commanditaire d’Odile"},
    )
    assert saved.status_code == 302

    refused = mine.post(
        url,
        data=form_of(my_page) | {"name_fr": "Nom choisi par Olive", "description_fr": "Décrite par Olive"},
    )
    assert refused.status_code == 409
    html = page(refused)
    assert (
        shown(f"{OTHER} a modifié ce prix pendant que vous l’éditiez (description, commanditaire).") in html
    )
    assert shown("Vos changements ne sont pas enregistrés\u00a0: les voici ci-dessous") in html
    assert 'value="Nom choisi par Olive"' in html  # what Olive typed is still in the form
    assert "Décrite par Olive</textarea>" in html
    assert "Valeurs enregistrées le " in html
    assert shown("Décrite par Odile") in html  # what is stored now, to compare
    assert shown("Commanditaire d’Odile") in html
    # Olive left the sponsor as shown: the form now holds Odile's, so saving again keeps it.
    assert form_of(refused)["sponsor"] == "Commanditaire d’Odile"
    assert form_of(refused)["description_fr"] == "Décrite par Olive"

    db.expire_all()
    assert prize.description["fr"] == "Décrite par Odile"
    assert prize.sponsor == "Commanditaire d’Odile"
    assert prize.name["fr"] != "Nom choisi par Olive"
    assert len(events(db, "prize.updated")) == 1

    # Having compared, Olive saves again on purpose: the page carried the new version.
    again = mine.post(url, data=form_of(refused))
    assert again.status_code == 302
    db.expire_all()
    assert prize.name["fr"] == "Nom choisi par Olive"
    assert prize.description["fr"] == "Décrite par Olive"
    assert prize.sponsor == "Commanditaire d’Odile"
    assert len(events(db, "prize.updated")) == 2


def test_a_change_to_a_field_nobody_else_touched_is_not_a_conflict_when_typed_identically(two, db, prize):
    """Two organizers typing the same new sponsor: the second save is not refused (identical saves)."""
    mine, theirs = two
    url = prize_url(prize, "/edit")
    my_page, their_page = mine.get(url), theirs.get(url)
    assert theirs.post(url, data=form_of(their_page) | {"sponsor": "Même commanditaire"}).status_code == 302
    assert mine.post(url, data=form_of(my_page) | {"sponsor": "Même commanditaire"}).status_code == 302
    db.expire_all()
    assert prize.sponsor == "Même commanditaire"


def test_the_same_organizer_in_two_windows_is_told_it_was_her_other_window(app, organizer, db, prize):
    first, second = app.test_client(), app.test_client()
    login(first, organizer)
    login(second, organizer)
    url = prize_url(prize, "/edit")
    first_page, second_page = first.get(url), second.get(url)
    assert first.post(url, data=form_of(first_page) | {"finalists": "5"}).status_code == 302
    refused = second.post(url, data=form_of(second_page) | {"finalists": "4"})
    assert refused.status_code == 409
    assert shown("Vous avez modifié ce prix dans une autre fenêtre pendant que vous l’éditiez ici") in page(
        refused
    )
    assert "(nombre de finalistes)" in page(refused)
    db.expire_all()
    assert prize.finalists == 5


def test_a_prize_changed_since_the_confirmation_page_is_not_deleted(two, db, prize):
    mine, theirs = two
    confirm = mine.get(prize_url(prize, "/delete"))
    edit = theirs.get(prize_url(prize, "/edit"))
    assert (
        theirs.post(prize_url(prize, "/edit"), data=form_of(edit) | {"sponsor": "Nouveau"}).status_code == 302
    )

    refused = mine.post(prize_url(prize, "/delete"), data=form_of(confirm))
    assert refused.status_code == 409
    assert shown(f"{OTHER} a modifié ce prix après l’affichage de cette page (commanditaire)") in page(
        refused
    )
    db.expire_all()
    assert db.get(Prize, prize.id) is not None

    gone = mine.post(prize_url(prize, "/delete"), data=form_of(refused))
    assert gone.status_code == 302
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Prize)) == 0


# --- criteria, questions, rounds, editions --------------------------------------------------------------


def test_a_criterion_weight_saved_meanwhile_is_not_reverted(two, make, db):
    rnd = make.round(phase="setup", criteria=2)
    db.commit()
    criterion = rnd.criteria[0]
    url = prize_url(rnd.prize, f"/rounds/{rnd.id}/criteria/{criterion.id}/edit")
    my_page, their_page = two[0].get(url), two[1].get(url)

    assert two[1].post(url, data=form_of(their_page) | {"weight": "3"}).status_code == 302
    refused = two[0].post(url, data=form_of(my_page) | {"guidance_fr": "Lisez le plan d’affaires."})
    assert refused.status_code == 409
    assert shown(f"{OTHER} a modifié ce critère pendant que vous l’éditiez (pondération).") in page(refused)
    assert "Lisez le plan d’affaires.</textarea>" in page(refused)
    db.expire_all()
    assert criterion.weight == Decimal(3)
    assert not criterion.guidance


def test_moving_a_criterion_does_not_make_an_open_form_stale(two, make, db):
    rnd = make.round(phase="setup", criteria=2)
    db.commit()
    first, second = rnd.criteria
    url = prize_url(rnd.prize, f"/rounds/{rnd.id}/criteria/{first.id}/edit")
    my_page = two[0].get(url)
    moved = two[1].post(
        prize_url(rnd.prize, f"/rounds/{rnd.id}/criteria/{second.id}/move"), data={"direction": "up"}
    )
    assert moved.status_code == 302
    db.expire_all()
    assert (first.position, second.position) == (1, 0)

    assert two[0].post(url, data=form_of(my_page) | {"weight": "2"}).status_code == 302
    db.expire_all()
    assert first.weight == Decimal(2)
    assert first.position == 1


def test_a_question_label_saved_meanwhile_is_not_reverted(two, make, db, prize):
    question = make.question(prize, label={"fr": "Votre marché?", "en": "Your market?"})
    db.commit()
    url = prize_url(prize, f"/questions/{question.id}/edit")
    my_page, their_page = two[0].get(url), two[1].get(url)
    assert (
        two[1].post(url, data=form_of(their_page) | {"label_fr": "Quel est votre marché cible?"}).status_code
        == 302
    )
    refused = two[0].post(url, data=form_of(my_page) | {"help_fr": "En une phrase."})
    assert refused.status_code == 409
    assert shown(f"{OTHER} a modifié cette question pendant que vous l’éditiez (question).") in page(refused)
    assert shown("Quel est votre marché cible? / Your market?") in page(refused)
    db.expire_all()
    assert question.label["fr"] == "Quel est votre marché cible?"
    assert question.help is None


def test_a_round_method_saved_meanwhile_is_not_reverted(two, make, db):
    rnd = make.round(phase="setup", method="mean")
    db.commit()
    url = prize_url(rnd.prize, f"/rounds/{rnd.id}/edit")
    my_page, their_page = two[0].get(url), two[1].get(url)
    assert two[1].post(url, data=form_of(their_page) | {"method": "median"}).status_code == 302
    refused = two[0].post(url, data=form_of(my_page) | {"jurors_per_application": "5"})
    assert refused.status_code == 409
    html = page(refused)
    assert shown(f"{OTHER} a modifié ce tour pendant que vous l’éditiez (méthode d’agrégation).") in html
    assert "Médiane" in html  # the stored method by its name, never its code
    db.expire_all()
    assert (rnd.method, rnd.jurors_per_application) == ("median", 3)


def test_a_tie_break_chain_saved_meanwhile_is_not_reverted_and_is_shown_as_stored(two, make, db):
    """The chain is picked step by step; a stale page that left it as shown gets the stored chain back."""
    rnd = make.round(phase="setup", method="mean", tie_break=["median"], criteria=0)
    make.criterion(rnd, code="impact", name={"fr": "Impact", "en": "Impact"})
    db.commit()
    url = prize_url(rnd.prize, f"/rounds/{rnd.id}/edit")
    my_page, their_page = two[0].get(url), two[1].get(url)
    chosen = {"tie_break-0": "criterion:impact", "tie_break-1": "count"}
    assert two[1].post(url, data=form_of(their_page) | chosen).status_code == 302
    refused = two[0].post(url, data=form_of(my_page) | {"jurors_per_application": "5"})
    assert refused.status_code == 409
    again = form_of(refused)
    assert (again["tie_break-0"], again["tie_break-1"], again["jurors_per_application"]) == (
        "criterion:impact",
        "count",
        "5",
    )
    assert two[0].post(url, data=again).status_code == 302  # saving again on purpose keeps both changes
    db.expire_all()
    assert (rnd.tie_break, rnd.jurors_per_application) == (["criterion:impact", "count"], 5)


def test_the_phase_page_method_form_refuses_a_stale_tie_break(two, make, db):
    rnd = make.round(phase="setup", method="mean", tie_break=["median"])
    db.commit()
    edit_url = prize_url(rnd.prize, f"/rounds/{rnd.id}/edit")
    phase_page = two[0].get(prize_url(rnd.prize, f"/rounds/{rnd.id}/phase"))
    their_page = two[1].get(edit_url)
    assert two[1].post(edit_url, data=form_of(their_page) | {"tie_break-0": "count"}).status_code == 302
    refused = two[0].post(
        prize_url(rnd.prize, f"/rounds/{rnd.id}/phase/method"),
        data=form_of(phase_page, "/phase/method") | {"method": "trimmed"},
    )
    assert refused.status_code == 409
    assert shown(f"{OTHER} a modifié ce tour pendant que vous l’éditiez (chaîne de départage).") in page(
        refused
    )
    db.expire_all()
    assert (rnd.method, rnd.tie_break) == ("mean", ["count"])


def test_a_phase_change_from_a_stale_page_is_refused(two, make, db):
    rnd = make.round(phase="setup")
    db.commit()
    url = prize_url(rnd.prize, f"/rounds/{rnd.id}/phase")
    my_page, their_page = two[0].get(url), two[1].get(url)
    assert two[1].post(url, data=form_of(their_page, "") | {"target": "open"}).status_code == 302
    refused = two[0].post(url, data=form_of(my_page, "") | {"target": "screening"})
    assert refused.status_code == 409
    assert shown(f"{OTHER} a modifié ce tour pendant que vous l’éditiez (phase).") in page(refused)
    db.expire_all()
    assert rnd.phase == "open"


def test_an_edition_name_saved_meanwhile_is_not_reverted(two, make, db):
    edition = make.edition(name={"fr": "Édition d’origine", "en": "Original"})
    db.commit()
    url = f"/organizer/editions/{edition.id}/edit"
    my_page, their_page = two[0].get(url), two[1].get(url)
    assert two[1].post(url, data=form_of(their_page) | {"name_fr": "Édition renommée"}).status_code == 302
    refused = two[0].post(url, data=form_of(my_page) | {"ceremony_at": "2026-12-15T18:00"})
    assert refused.status_code == 409
    assert shown(f"{OTHER} a modifié cette édition pendant que vous l’éditiez (nom).") in page(refused)
    assert 'value="2026-12-15T18:00"' in page(refused)
    db.expire_all()
    assert edition.name["fr"] == "Édition renommée"
    assert db.scalar(select(func.count()).select_from(Edition)) == 1


# --- mail templates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/organizer/editions/{id}/mail/outcome_winner/fr",
        "/organizer/editions/{id}/mail/outcome_finalist/fr",
    ],
    ids=["winner", "finalist"],
)
def test_a_mail_template_written_meanwhile_is_not_overwritten(two, make, db, url):
    edition = make.edition()
    db.commit()
    url = url.format(id=edition.id)
    my_page, their_page = two[0].get(url), two[1].get(url)
    assert my_page.status_code == 200
    written = form_of(their_page) | {"subject": "Objet d’Odile", "body": "Bonjour {{ name }},"}
    assert two[1].post(url, data=written).status_code == 302

    mine = form_of(my_page) | {"subject": "Objet d’Olive", "body": "Bonjour,\nLe texte d’Olive."}
    refused = two[0].post(url, data=mine)
    assert refused.status_code == 409
    html = page(refused)
    assert (
        shown(f"{OTHER} a modifié ce modèle de courriel pendant que vous l’éditiez (objet, message).") in html
    )
    assert 'value="Objet d’Olive"' in html
    db.expire_all()
    [template] = db.scalars(select(MailTemplate)).all()
    assert template.subject == "Objet d’Odile"

    assert two[0].post(url, data=form_of(refused)).status_code == 302
    db.expire_all()
    assert db.scalars(select(MailTemplate)).one().subject == "Objet d’Olive"


# --- true races -----------------------------------------------------------------------------------------


def race(app, users: list, url: str, payloads: list[dict]) -> list:
    """Post each payload from its own thread and client (logged in as the matching user), all at once."""
    barrier = threading.Barrier(len(payloads))
    results: list = [None] * len(payloads)

    def run(index: int) -> None:
        client = app.test_client()
        login(client, users[index])
        barrier.wait()
        try:
            response = client.post(url, data=payloads[index])
            results[index] = (response.status_code, page(response))
        except Exception as error:  # reported by the assertion below
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_two_organizers_saving_one_prize_at_once_one_wins_one_is_refused(
    app, two, organizer, other, db, prize, attempt
):
    url = prize_url(prize, "/edit")
    loaded = form_of(two[0].get(url))
    assert form_of(two[1].get(url))["version"] == loaded["version"]
    payloads = [
        loaded | {"description_fr": "Version d’Olive"},
        loaded | {"description_fr": "Version d’Odile"},
    ]

    results = race(app, [organizer, other], url, payloads)
    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(r[0] for r in results) == [302, 409], [r[0] for r in results]
    winner = next(i for i, r in enumerate(results) if r[0] == 302)
    loser_page = next(r[1] for r in results if r[0] == 409)
    winner_name = ("Olive Organisatrice", OTHER)[winner]
    assert shown(f"{winner_name} a modifié ce prix pendant que vous l’éditiez (description).") in loser_page

    db.expire_all()
    assert prize.description["fr"] == payloads[winner]["description_fr"]
    assert len(events(db, "prize.updated")) == 1


def test_a_write_between_the_check_and_the_update_is_caught_and_refused(app, two, db, prize):
    """The lost race itself: another writer commits after the version check, before the UPDATE."""
    from judging.db import get_engine

    url = prize_url(prize, "/edit")
    loaded = form_of(two[0].get(url))
    fired = []

    def sneak_in(session, _context, _instances):
        if fired or not any(isinstance(obj, Prize) for obj in session.dirty):
            return
        fired.append(True)
        with get_engine(app).begin() as connection:
            connection.execute(
                text("UPDATE prizes SET sponsor = 'Glissé entre deux', version = version + 1 WHERE id = :id"),
                {"id": prize.id},
            )

    event.listen(Session, "before_flush", sneak_in)
    try:
        refused = two[0].post(url, data=loaded | {"sponsor": "Commanditaire d’Olive"})
    finally:
        event.remove(Session, "before_flush", sneak_in)
    assert fired
    assert refused.status_code == 409
    assert shown("Quelqu’un d’autre a modifié ce prix pendant que vous l’éditiez (commanditaire).") in page(
        refused
    )
    db.expire_all()
    assert prize.sponsor == "Glissé entre deux"
    assert events(db, "prize.updated") == []


def test_going_back_to_the_default_text_from_a_stale_page_keeps_the_newer_text(two, make, db):
    edition = make.edition()
    db.commit()
    url = f"/organizer/editions/{edition.id}/mail/outcome_not_selected/fr"
    first = form_of(two[1].get(url)) | {"subject": "Premier objet", "body": "Bonjour {{ name }}."}
    assert two[1].post(url, data=first).status_code == 302
    my_page = two[0].get(url)  # shows the first text, with its "default text" button
    assert two[1].post(url, data=form_of(two[1].get(url)) | {"subject": "Objet revu"}).status_code == 302

    refused = two[0].post(f"{url}/reset", data=form_of(my_page, "/reset"), follow_redirects=True)
    html = page(refused)
    assert shown(f"{OTHER} a modifié ce modèle de courriel après l’affichage de cette page (objet)") in html
    db.expire_all()
    assert db.scalars(select(MailTemplate)).one().subject == "Objet revu"
