"""The audit trail reads as sentences in the reader's language, with a readable before/after.

A scripted sequence of changes (a criterion added then reweighted and renamed, a round's method
changed, an edition's deadline moved, an application marked not eligible) is written through the
services as organizers make it; the audit page then shows one sentence per change, with names,
labels and formatted dates, and no action code (``criterion.updated``) nor raw JSON (``{``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from html import unescape

from flask_babel import refresh

from judging.core.audit import record
from judging.editions import operations as setup
from tests.conftest import login


def page_text(response) -> str:
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    table = body[body.index('id="audit-table"') : body.index("</table>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", table)).split())


def test_the_audit_page_tells_what_happened_in_sentences(app, db, make, client):
    odile = make.user(name="Odile Bernier-Sauvé", roles=["organizer"])
    edition = make.edition(applications_close=datetime(2026, 12, 15, 23, 59, tzinfo=UTC))
    prize = make.prize(edition, name={"fr": "Prix de l’innovation", "en": "Innovation Award"})
    rnd = make.round(
        prize, criteria=0, phase="setup", code="preselection", name={"fr": "Présélection", "en": "Shortlist"}
    )
    application = make.application(prize, title="Serre urbaine", status="submitted")
    criterion = setup.create_criterion(
        db,
        rnd,
        actor=odile,
        code="originalite",
        name={"fr": "Originalité", "en": "Originality"},
        weight=Decimal(25),
    )
    setup.update_criterion(db, criterion, actor=odile, weight=Decimal(30))
    setup.update_round(db, rnd, actor=odile, method="median")
    setup.update_edition(
        db, edition, actor=odile, applications_close=datetime(2026, 12, 20, 4, 59, tzinfo=UTC)
    )
    record(
        db,
        actor=odile,
        action="application.ineligible",
        obj=application,
        before={"status": "submitted"},
        after={"status": "ineligible"},
        reason="Hors territoire",
    )
    db.commit()
    login(client, odile)

    text = page_text(client.get(f"/organizer/editions/{edition.id}/audit"))

    assert "Odile Bernier-Sauvé a ajouté le critère « Originalité »." in text
    assert "Odile Bernier-Sauvé a changé la pondération du critère « Originalité » de 25 à 30." in text
    assert "Odile Bernier-Sauvé a changé la méthode du tour « Présélection » de Moyenne à Médiane." in text
    assert "Odile Bernier-Sauvé a changé la date limite de candidature de l’édition « " in text
    assert "de 15 décembre 2026 à 18 h 59 (HNE) à 19 décembre 2026 à 23 h 59 (HNE)." in text
    assert (
        f"Odile Bernier-Sauvé a marqué la candidature « {application.ref} · Serre urbaine » non admissible."
        in text
    )
    assert "statut : Soumise → Non admissible" in text
    assert "Prix de l’innovation · Présélection" in text
    for code in ("criterion.", "round.", "edition.", "application.", "ineligible", "median", "preselection"):
        assert code not in text
    assert "{" not in text
    # the action filter names the actions too
    page = client.get(f"/organizer/editions/{edition.id}/audit").get_data(as_text=True)
    select_html = page[page.index('name="action"') : page.index("</select>", page.index('name="action"'))]
    options = [unescape(o).strip() for o in re.findall(r"<option[^>]*>([^<]*)</option>", select_html)]
    assert {
        "Critère ajouté",
        "Critère modifié",
        "Tour modifié",
        "Édition modifiée",
    } <= set(options), options
    assert all("." not in option for option in options), options

    # the same trail in English for an English reader
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    refresh()
    english = page_text(client.get(f"/organizer/editions/{edition.id}/audit"))
    assert "Odile Bernier-Sauvé changed the weight of the criterion “Originality” from 25 to 30." in english
    assert "Odile Bernier-Sauvé changed the method of the round “Shortlist” from Mean to Median." in english
    assert "the status: Submitted → Not eligible" in english


def test_the_demo_seasons_trail_names_its_fields_in_french(app, db, client):
    """Issue 15 item 4, read on the demo at its last point: no English field name (« finalists public
    at », « brand primary », « slots … starts_at »), no internal id, and the phase sentence complete
    (« a changé la phase du tour. », not « a changé la phase le tour. »)."""
    from judging.accounts.models import User
    from judging.devdata import demo

    edition = demo.load_demo(db, at="ceremony")
    db.commit()
    login(client, db.query(User).filter_by(email=demo.DEMO_LOGINS["organizer"]).one())
    text = " ".join(
        page_text(client.get(f"/organizer/editions/{edition.id}/audit?page={n}")) for n in (1, 2, 3)
    )

    assert "a changé la phase du tour." in text and "la phase le tour" not in text
    page = unescape(client.get(f"/organizer/editions/{edition.id}/audit").get_data(as_text=True))
    assert ">Odile Bernier-Sauvé (organisatrice@demo.mtl-tech-awards.example)</option>" in page
    assert "la date de publication des finalistes : rien → 20 novembre 2026" in text
    branded = page_text(client.get(f"/organizer/editions/{edition.id}/audit?action=edition.updated"))
    assert "La plateforme a changé la couleur principale de l’édition de rien à #1b2a4a." in branded
    assert "brand" not in branded
    audience = page_text(client.get(f"/organizer/editions/{edition.id}/audit?action=audience.finalists_set"))
    assert "les finalistes : rien → DCF-" in audience and "INN-003" in audience  # references, not ids
    assert "l’ordre de passage : rien → la référence : DCF-013, le début : 30 novembre 2026 à 9 h 00" in text
    for raw in (
        "public at",
        "brand primary",
        "starts_at",
        "snapshot id",
        "application id",
        "juror id",
        "mails :",
    ):
        assert raw not in text, raw
