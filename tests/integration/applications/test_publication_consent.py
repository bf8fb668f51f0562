"""Publication consent: asked on the form, changed at any time, and applied by every public output.

A finalist or winner who said no (or never answered) is shown as "Finalist (name withheld)" on the
public pages, the press sheet, the reveal screen and the edition report, still counted; the names
stay in the host's documents. The tests put the names that could leak in the pages they read.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from judging.applications.models import Application
from judging.ceremony import documents
from judging.ceremony import plan as ceremony
from judging.ceremony.report_pdf import report_pdf
from judging.core.audit_event import AuditEvent
from judging.results.models import ResultSnapshot
from tests.conftest import login
from tests.factories import aware
from tests.scenarios import (
    ceremony_edition,
    contest,
    five_by_four,
    form_for,
    pdf_text,
    person_name,
    post_form,
    results_url,
    squash,
    start,
)

AFTER_WINNERS = aware(2025, 10, 17, 1, 0)
NBSP = "\u00a0"


@pytest.fixture
def after_winners(monkeypatch):
    monkeypatch.setattr("judging.core.clock.now", lambda: AFTER_WINNERS)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def withheld_finalist(built, db, *, answer=False):
    """The second finalist of the first prize (not its winner) says no; returns what could leak."""
    application = built.finalists[0][2]  # pitch order 3, 1, 2: the finalist "innovation 2"
    assert application is not built.winners[0]
    application.publication_consent = answer
    db.commit()
    return application, [application.title, application.org_name, application.contact_name]


def finalist_items(page: str, prize_code: str) -> int:
    card = page.split(f'id="card-{prize_code}"', 1)[1].split("</section>", 1)[0]
    return card.count('class="mb-2 finalist"')


def test_public_pages_withhold_a_finalist_and_a_winner_without_consent(app, db, make, client, after_winners):
    built = ceremony_edition(make, db, secret=False)
    finalist, finalist_names = withheld_finalist(built, db)
    winner = built.winners[1]
    winner.publication_consent = None  # never answered: not published either
    db.commit()
    winner_names = [winner.title, winner.org_name, winner.contact_name, "Pour l'audace de femmes-tech"]
    assert person_name(0, 1) in finalist_names and person_name(1, 0) in winner_names

    finalists = text(client.get(f"/editions/{built.edition.code}/finalists"))
    for name in finalist_names + winner_names[:3]:
        assert name not in finalists
    assert finalists.count("Finaliste (nom non publié)") == 2
    assert finalist_items(finalists, "innovation") == 3  # still counted
    assert person_name(0, 0) in finalists and person_name(0, 2) in finalists  # the others are shown

    winners = text(client.get(f"/editions/{built.edition.code}/winners"))
    for name in finalist_names + winner_names:
        assert name not in winners
    assert "Projet lauréat (nom non publié)" in winners
    assert "Finaliste (nom non publié)" in winners
    assert person_name(0, 0) in winners and "Pour l'audace de innovation" in winners


def test_press_sheet_withholds_names_but_the_hosts_documents_keep_them(app, db, make):
    built = ceremony_edition(make, db, secret=False)
    _finalist, names = withheld_finalist(built, db)
    with app.test_request_context():
        plan = ceremony.ceremony_plan(db, built.edition, language="bilingual")
        press = squash(pdf_text(documents.ceremony_pdf(plan, "press")))
        run_of_show = squash(pdf_text(documents.ceremony_pdf(plan, "run-of-show")))
    for name in names:
        assert name not in press
    assert "Finaliste (nom non publié)" in press and "Finalist (name withheld)" in press
    assert person_name(0, 0) in press  # a finalist who agreed is printed
    assert person_name(0, 1) in run_of_show  # the host calls every finalist on stage


def test_report_withholds_names_without_consent(app, db, make):
    built = ceremony_edition(make, db, secret=False)
    _finalist, names = withheld_finalist(built, db)
    with app.test_request_context():
        report = squash(pdf_text(report_pdf(db, built.edition, locale="fr")))
    for name in names:
        assert name not in report
    assert "Finaliste (nom non publié)" in report and person_name(0, 0) in report


def test_reveal_screen_withholds_names_without_consent(app, db, make, client, organizer):
    built = ceremony_edition(make, db, secret=False)
    _finalist, names = withheld_finalist(built, db)
    login(client, organizer)
    screen = text(client.get(f"/organizer/editions/{built.edition.id}/ceremony/reveal?step=1&language=fr"))
    assert "Finaliste (nom non publié)" in screen and person_name(0, 0) in screen
    for name in names:
        assert name not in screen


def consent_events(db) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == "application.publication_consent")))


def test_withdrawing_consent_after_the_announcement_hides_the_name(
    app, db, make, client, candidate, after_winners
):
    built = ceremony_edition(make, db, secret=False)
    finalist = built.finalists[0][2]
    finalist.applicant_id = candidate.id
    db.commit()
    page_url = f"/editions/{built.edition.code}/finalists"
    own_page = f"/candidate/applications/{finalist.id}"
    consent_url = f"{own_page}/publication-consent"
    assert finalist.title in text(app.test_client().get(page_url))
    frozen = db.scalars(select(ResultSnapshot.fingerprint).order_by(ResultSnapshot.id)).all()

    login(client, candidate)
    wording = "J’accepte que le nom de mon organisation et de mon projet soient publiés"
    assert wording in text(client.get(own_page))
    response = client.post(consent_url, data={"publication_consent": "no"})
    assert response.status_code == 302
    db.expire_all()
    stored = db.get(Application, finalist.id)
    assert stored.publication_consent is False and stored.publication_consent_at is not None
    [event] = consent_events(db)
    assert (event.before["publication_consent"], event.after["publication_consent"]) == (True, False)
    assert db.scalars(select(ResultSnapshot.fingerprint).order_by(ResultSnapshot.id)).all() == frozen

    public = text(app.test_client().get(page_url))
    assert finalist.title not in public and finalist.org_name not in public
    assert finalist.contact_name not in public and "Finaliste (nom non publié)" in public
    assert "Vous n’avez pas accepté la publication" in text(client.get(own_page))

    # the same answer again changes nothing; yes publishes again
    client.post(consent_url, data={"publication_consent": "no"})
    assert consent_events(db) == [event]
    client.post(consent_url, data={"publication_consent": "yes"})
    assert finalist.title in text(app.test_client().get(page_url))


def test_only_the_owner_changes_consent_and_an_empty_answer_is_refused(app, db, make, client, candidate):
    built = ceremony_edition(make, db, secret=False)
    finalist = built.finalists[0][0]
    other = make.user(email="autre@example.org", roles=["candidate"])
    db.commit()
    login(client, other)
    url = f"/candidate/applications/{finalist.id}/publication-consent"
    assert client.post(url, data={"publication_consent": "no"}).status_code == 404
    finalist.applicant_id = candidate.id
    db.commit()
    login(client, candidate)
    response = client.post(url, data={}, follow_redirects=True)
    assert "Choisissez oui ou non." in text(response)
    db.expire_all()
    assert db.get(Application, finalist.id).publication_consent is True


def test_the_announce_page_lists_finalists_without_consent(app, db, make, client, organizer):
    edition, prize, rnd, apps, _ = five_by_four(make, db)
    apps["B"].title, apps["B"].org_name = "Projet Boréal secret", "Boréal Labs inc."
    apps["B"].publication_consent, apps["B"].publication_consent_at = False, aware(2025, 9, 2, 15)
    db.commit()
    login(client, organizer)
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    data = {"finalist": [str(apps["A"].id), str(apps["B"].id)], "tie_reason": ""}
    assert client.post(results_url(edition, prize, rnd, "results/finalists"), data=data).status_code == 302
    page = text(client.get(results_url(edition, prize, rnd)))
    warning = page.split('id="consent-warning"', 1)[1].split("</div>", 1)[0]
    assert "1 finalist or laureate has not agreed to publication." in warning
    assert "Projet Boréal secret — Boréal Labs inc." in warning and "answered no on" in warning
    assert apps["A"].title not in warning
    apps["A"].publication_consent = None
    db.commit()
    page = text(client.get(results_url(edition, prize, rnd)))
    assert "2 finalists or laureates have not agreed to publication." in page and "not answered" in page


def test_submitting_needs_an_answer_to_the_consent_question(app, db, make, client):
    french = make.user(email="francine@example.org", name="Francine", language="fr")
    c = contest(make, db)
    c.edition.publication_consent_text = {
        "fr": "Publier notre nom si nous sommes finalistes ?",
        "en": "Publish our name if we are finalists?",
    }
    db.commit()
    login(client, french)
    application = start(client, c)
    form_page = text(client.get(f"/candidate/applications/{application.id}/edit"))
    assert "Publier notre nom si nous sommes finalistes ?" in form_page
    assert not re.search(r'name="publication_consent"[^>]*checked', form_page)  # never pre-ticked

    response = post_form(client, application, form_for(c, publication_consent=None))
    assert response.status_code == 422
    assert re.search(
        r'id="publication_consent-errors"[^>]*>Répondez à la question sur la publication pour soumettre '
        r"\(oui ou non\)\.",
        text(response),
    )
    db.expire_all()
    assert (application.status, application.publication_consent) == ("draft", None)

    response = post_form(client, application, form_for(c, publication_consent="no"))
    assert response.status_code == 302
    db.expire_all()
    assert application.status == "submitted" and application.publication_consent is False
    assert application.publication_consent_at is not None


def test_the_organizer_words_the_question_in_both_languages(app, db, make, client, organizer):
    c = contest(make, db, code="mtl-2026")
    login(client, organizer)
    form_url = f"/organizer/editions/{c.edition.id}/edit"
    assert "J’accepte que le nom de mon organisation" in text(client.get(form_url))  # the default, shown
    data = {
        "code": "mtl-2026",
        "name_fr": "MTL Tech Awards 2026",
        "name_en": "MTL Tech Awards 2026",
        "applications_open": "2026-05-01T09:00",
        "applications_close": "2026-08-15T23:59",
        "ceremony_at": "",
        "publication_consent_text_fr": "Peut-on publier le nom de votre projet ?",
        "publication_consent_text_en": "May we publish your project's name?",
    }
    assert client.post(form_url, data=data).status_code == 302
    db.expire_all()
    assert c.edition.publication_consent_text == {
        "fr": "Peut-on publier le nom de votre projet ?",
        "en": "May we publish your project's name?",
    }
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "edition.updated")).all()
    assert event.after["publication_consent_text"]["en"] == "May we publish your project's name?"
    assert "Peut-on publier le nom de votre projet ?" in text(client.get(form_url))


def test_a_form_opened_before_a_withdrawal_does_not_put_the_consent_back(app, db, make, client, alice):
    c = contest(make, db)
    login(client, alice)
    application = start(client, c)
    assert post_form(client, application, form_for(c, action="save")).status_code == 302
    db.expire_all()
    assert application.publication_consent is True
    # the form, as a first tab shows it: "yes" ticked
    shown = text(client.get(f"/candidate/applications/{application.id}/edit"))
    assert re.search(r'name="publication_consent_shown" type="hidden" value="yes"', shown)
    # meanwhile, from the application page: no
    client.post(
        f"/candidate/applications/{application.id}/publication-consent", data={"publication_consent": "no"}
    )
    # the first tab saves its other fields, its radio untouched
    stale = form_for(c, action="save", title="Titre changé", publication_consent_shown="yes")
    assert post_form(client, application, stale).status_code == 302
    db.expire_all()
    assert (application.title, application.publication_consent) == ("Titre changé", False)
    # changing the radio in that form is a new answer, and counts
    again = form_for(c, action="save", publication_consent="yes", publication_consent_shown="no")
    assert post_form(client, application, again).status_code == 302
    db.expire_all()
    assert application.publication_consent is True


def test_a_submitted_application_changes_its_answer_on_its_page_not_by_resubmitting(
    app, db, make, client, alice
):
    c = contest(make, db)
    login(client, alice)
    application = start(client, c)
    assert post_form(client, application, form_for(c)).status_code == 302
    db.expire_all()
    receipt = application.receipt_number
    assert application.status == "submitted" and receipt
    form_page = text(client.get(f"/candidate/applications/{application.id}/edit"))
    assert 'name="publication_consent"' not in form_page and 'id="publication-elsewhere"' in form_page
    # a forged radio in the resubmission form changes nothing
    post_form(client, application, form_for(c, publication_consent="no", publication_consent_shown="yes"))
    db.expire_all()
    assert (application.publication_consent, application.receipt_number) == (True, receipt)


def test_the_exchange_format_carries_the_answers_and_the_wording(app, db, make):
    from judging.exchange.export import export_edition
    from judging.exchange.import_ import import_edition

    built = ceremony_edition(make, db, secret=False)
    built.edition.publication_consent_text = {"fr": "Publier nos noms ?", "en": "Publish our names?"}
    finalist, _names = withheld_finalist(built, db)
    document = export_edition(db, built.edition)
    assert document["edition"]["publication_consent_text"] == {
        "fr": "Publier nos noms ?",
        "en": "Publish our names?",
    }
    exported = {a["ref"]: a for a in document["applications"]}
    assert exported[finalist.ref]["publication_consent"] is False
    assert exported[built.finalists[0][0].ref]["publication_consent"] is True

    document["edition"]["code"] = "mtl-2025-copie"
    copy = import_edition(db, document)
    db.flush()
    answers = dict(
        db.execute(
            select(Application.ref, Application.publication_consent).where(Application.edition_id == copy.id)
        ).all()
    )
    assert answers[finalist.ref] is False and answers[built.finalists[0][0].ref] is True
    assert copy.publication_consent_text == {"fr": "Publier nos noms ?", "en": "Publish our names?"}


def test_the_organizer_sees_each_answer_on_the_application_page(app, db, make, client, organizer):
    built = ceremony_edition(make, db, secret=False)
    finalist, _names = withheld_finalist(built, db)
    login(client, organizer)
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    url = f"/organizer/editions/{built.edition.id}/applications"
    refused = text(client.get(f"{url}/{finalist.id}"))
    agreed = text(client.get(f"{url}/{built.finalists[0][0].id}"))
    assert "Not to be published: shown as “Finalist (name withheld)” in public." in refused
    assert "May be published if finalist or winner" in agreed


@pytest.mark.parametrize("round_", range(3))
def test_two_simultaneous_withdrawals_make_one(app, db, make, candidate, round_):
    from tests.scenarios import race

    built = ceremony_edition(make, db, secret=False)
    finalist = built.finalists[0][2]
    finalist.applicant_id = candidate.id
    db.commit()
    url = f"/candidate/applications/{finalist.id}/publication-consent"
    results = race(app, candidate, [("post", url, {"publication_consent": "no"})] * 2)
    assert [r[0] for r in results] == [302, 302], results
    db.expire_all()
    assert db.get(Application, finalist.id).publication_consent is False
    assert len(consent_events(db)) == 1
