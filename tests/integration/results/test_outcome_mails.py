"""Outcome mails are one system: one registry of edited texts, one editor, one fact of who was told.

The finalist announcement and the ceremony's scheduled sending take the same edition text of the
finalist (and not-selected) mail, and neither mails a candidate the other already told. Who was
told is read from the outbox (a marker in each mail's Message-ID), never from the audit log.
Mail goes through a real SMTP server (aiosmtpd); runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import html
import re
import threading

import pytest
from sqlalchemy import func, select

from judging.core.audit_event import AuditEvent
from judging.core.models import utcnow
from judging.mail.models import MailTemplate, OutgoingMail
from judging.results import outcome_mails
from tests.conftest import deliver_outbox, login
from tests.factories import aware
from tests.scenarios import five_by_four, results_url

FRENCH = {
    "subject": "Finaliste : {{ ref }}",
    "body": "Bonjour {{ name }}, « {{ title }} » est finaliste du {{ prize }}.",
}
ENGLISH = {
    "subject": "Finalist: {{ ref }}",
    "body": "Hello {{ name }}, “{{ title }}” is a finalist of the {{ prize }}.",
}
DUE_NOW = "2020-01-01T09:00"  # a sending time already past: the sender takes the mail at once


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def editor(edition, key: str, language: str) -> str:
    return f"/organizer/editions/{edition.id}/mail/{key}/{language}"


def notifications_page(edition) -> str:
    return f"/organizer/editions/{edition.id}/ceremony/notifications"


def select_and_announce(client, edition, prize, rnd, apps, finalists: str) -> None:
    data = {"finalist": [str(apps[ref].id) for ref in finalists], "tie_reason": ""}
    assert client.post(results_url(edition, prize, rnd, "results/finalists"), data=data).status_code == 302
    assert client.post(results_url(edition, prize, rnd, "results/announce")).status_code == 302


def summary_row(client, edition, key: str) -> list[str]:
    """Candidates, told at the announcement, waiting, sent, not told yet (the sending table)."""
    page = html.unescape(client.get(notifications_page(edition)).get_data(as_text=True))
    row = re.search(rf'<tr data-key="{key}">(.*?)</tr>', page, re.S).group(1)
    return re.findall(r'<td class="text-end">(.*?)</td>', row)


def schedule(client, edition, *keys: str) -> None:
    response = client.post(notifications_page(edition), data={"keys": list(keys), "send_after": DUE_NOW})
    assert response.status_code == 302, response.get_data(as_text=True)


def outbox_count(db) -> int:
    return db.scalar(
        select(func.count()).select_from(OutgoingMail).where(OutgoingMail.cancelled_at.is_(None))
    )


def test_one_edited_finalist_text_is_the_announcement_mail_and_the_later_sending_in_both_languages(
    app, db, make, organizer_client, smtp_server
):
    edition, prize, rnd, apps, _ = five_by_four(make, db, finalists=4, language_of={"B": "en", "C": "en"})
    for language, text in (("fr", FRENCH), ("en", ENGLISH)):  # edited once, in the one editor
        assert (
            organizer_client.post(editor(edition, "outcome_finalist", language), data=text).status_code == 302
        )
    select_and_announce(organizer_client, edition, prize, rnd, apps, "ABCD")
    # C's and D's announcement mails are cancelled on the outbox page before they leave
    for ref in "CD":
        [queued] = db.scalars(select(OutgoingMail).where(OutgoingMail.to_address == apps[ref].contact_email))
        assert organizer_client.post(f"/organizer/outbox/{queued.id}/cancel").status_code == 302
    deliver_outbox(app)
    [to_a] = smtp_server.to(apps["A"].contact_email)
    assert (to_a["Subject"], smtp_server.body(to_a).strip()) == (
        "Finaliste : A",
        f"Bonjour {apps['A'].contact_email}, « Projet A » est finaliste du {prize.name['fr']}.",
    )
    [to_b] = smtp_server.to(apps["B"].contact_email)
    assert (to_b["Subject"], smtp_server.body(to_b).strip()) == (
        "Finalist: B",
        f"Hello {apps['B'].contact_email}, “Projet B” is a finalist of the {prize.name['en']}.",
    )
    assert smtp_server.to(apps["C"].contact_email) == smtp_server.to(apps["D"].contact_email) == []
    # candidates, told at the announcement, waiting, sent, not told yet
    assert summary_row(organizer_client, edition, "outcome_finalist") == ["4", "2", "0", "0", "2"]

    schedule(organizer_client, edition, "outcome_finalist")  # the later sending reaches C and D only
    deliver_outbox(app)
    [to_c] = smtp_server.to(apps["C"].contact_email)
    assert (to_c["Subject"], smtp_server.body(to_c).strip()) == (
        "Finalist: C",
        f"Hello {apps['C'].contact_email}, “Projet C” is a finalist of the {prize.name['en']}.",
    )
    [to_d] = smtp_server.to(apps["D"].contact_email)
    assert (to_d["Subject"], smtp_server.body(to_d).strip()) == (
        "Finaliste : D",
        f"Bonjour {apps['D'].contact_email}, « Projet D » est finaliste du {prize.name['fr']}.",
    )
    assert len(smtp_server.to(apps["A"].contact_email)) == len(smtp_server.to(apps["B"].contact_email)) == 1
    assert summary_row(organizer_client, edition, "outcome_finalist") == ["4", "2", "0", "2", "0"]


def test_a_candidate_told_at_the_announcement_is_never_mailed_that_outcome_again(
    app, db, make, organizer_client, smtp_server
):
    edition, prize, rnd, apps, _ = five_by_four(make, db)
    select_and_announce(organizer_client, edition, prize, rnd, apps, "AB")
    deliver_outbox(app)
    assert len(smtp_server.messages) == 5  # two finalists, three not selected
    assert summary_row(organizer_client, edition, "outcome_finalist") == ["2", "2", "0", "0", "0"]
    assert summary_row(organizer_client, edition, "outcome_not_selected") == ["3", "3", "0", "0", "0"]

    schedule(organizer_client, edition, "outcome_finalist", "outcome_not_selected")
    # the round is reopened and the same selection announced again
    reopen = {"target": "deliberation", "reason": "Une fiche saisie deux fois"}
    assert organizer_client.post(results_url(edition, prize, rnd, "phase"), data=reopen).status_code == 302
    select_and_announce(organizer_client, edition, prize, rnd, apps, "AB")
    schedule(organizer_client, edition, "outcome_finalist", "outcome_not_selected")
    deliver_outbox(app)
    assert outbox_count(db) == 5
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(a.contact_email for a in apps.values())
    # the fact is the outbox row (its Message-ID), not an audit event
    facts = {outcome_mails.parse_marker(m.message_id) for m in db.scalars(select(OutgoingMail))}
    assert facts == {
        (("outcome_finalist", rnd.id, apps[ref].id), edition.id, "announced") for ref in "AB"
    } | {(("outcome_not_selected", rnd.id, apps[ref].id), edition.id, "announced") for ref in "CDE"}
    db.execute(AuditEvent.__table__.delete())
    db.commit()
    schedule(organizer_client, edition, "outcome_finalist", "outcome_not_selected")
    assert outbox_count(db) == 5


def test_mail_queued_before_the_markers_still_counts(app, db, make, organizer_client):
    """An outbox of an earlier version: the announcement's own template and no marker in the Message-ID."""
    edition, prize, rnd, apps, _ = five_by_four(make, db)
    select_and_announce(organizer_client, edition, prize, rnd, apps, "AB")
    db.execute(OutgoingMail.__table__.delete())
    for ref, template in (("A", "finalist_selected"), ("C", "not_selected")):
        db.add(
            OutgoingMail(
                to_address=apps[ref].contact_email,
                template=template,
                subject="x",
                body_text="x",
                created_at=utcnow(),
                message_id=f"<1.2.{ref}@old.example>",
            )
        )
    db.commit()
    schedule(organizer_client, edition, "outcome_finalist", "outcome_not_selected")
    mailed = sorted(
        m.to_address for m in db.scalars(select(OutgoingMail).where(OutgoingMail.template.like("outcome%")))
    )
    assert mailed == sorted(apps[ref].contact_email for ref in "BDE")


def test_only_one_editor_and_the_old_addresses_lead_to_it(app, db, make, organizer_client, client):
    edition, prize, rnd, apps, _ = five_by_four(make, db)
    base = f"/organizer/editions/{edition.id}"
    moved = {
        f"{base}/results/mail/finalist_selected/fr": f"{base}/mail/outcome_finalist/fr",
        f"{base}/results/mail/not_selected/en": f"{base}/mail/outcome_not_selected/en",
        f"{base}/ceremony/notifications/outcome_winner/en": f"{base}/mail/outcome_winner/en",
        f"{base}/ceremony/notifications/comments_released/fr/reset": (
            f"{base}/mail/comments_released/fr/reset"
        ),
    }
    for old, new in moved.items():
        response = organizer_client.open(old, method="POST" if old.endswith("reset") else "GET")
        assert (response.status_code, response.headers["Location"]) == (308, new)
    for unknown in (
        f"{base}/results/mail/nope/fr",
        f"{base}/mail/finalist_selected/fr",
        f"{base}/mail/outcome_winner/de",
    ):
        assert organizer_client.get(unknown).status_code == 404
    # a form posted to an old address is posted again to the one editor and saved there
    response = organizer_client.post(
        f"{base}/results/mail/finalist_selected/en", data=ENGLISH, follow_redirects=True
    )
    assert response.status_code == 200 and "Modèle de courriel enregistré." in response.get_data(as_text=True)
    assert [(t.key, t.language, t.subject) for t in db.scalars(select(MailTemplate))] == [
        ("outcome_finalist", "en", ENGLISH["subject"])
    ]
    # every editable mail, in both languages, is a tab of the one editor; other pages link only to it
    page = organizer_client.get(editor(edition, "outcome_finalist", "fr")).get_data(as_text=True)
    tabs = re.findall(rf'href="({base}/mail/[a-z_]+/(?:fr|en))"', page)
    keys = [
        "outcome_finalist",
        "outcome_not_selected",
        "outcome_winner",
        "outcome_mention",
        "comments_released",
    ]
    assert tabs == [f"{base}/mail/{key}/{language}" for key in keys for language in ("fr", "en")]
    for other in (f"{base}/results", results_url(edition, prize, rnd), notifications_page(edition)):
        text = organizer_client.get(other).get_data(as_text=True)
        assert "/results/mail/" not in text and "/notifications/outcome" not in text
    assert f"{base}/mail/outcome_finalist/fr" in organizer_client.get(f"{base}/results").get_data(
        as_text=True
    )
    # the editor is the organizers' alone
    juror = make.user(email="jules@jury.example", roles=["juror"])
    db.commit()
    login(client, juror)
    assert client.get(editor(edition, "outcome_finalist", "fr")).status_code == 403
    assert client.post(editor(edition, "outcome_finalist", "fr"), data=FRENCH).status_code == 403


def test_the_announcement_mail_says_the_ceremony_date_in_each_language(
    app, db, make, organizer_client, smtp_server
):
    """The announcement's default finalist text is the registry's: it has the ceremony's date (it had not)."""
    edition, prize, rnd, apps, _ = five_by_four(make, db, language_of={"B": "en"})
    edition.ceremony_at = aware(2026, 11, 20, 0)  # 19:00 in Montréal, the evening before
    db.commit()
    select_and_announce(organizer_client, edition, prize, rnd, apps, "AB")
    deliver_outbox(app)
    [french] = smtp_server.to(apps["A"].contact_email)
    [english] = smtp_server.to(apps["B"].contact_email)
    assert french["Subject"] == "Votre candidature A est finaliste – MTL Tech Awards"
    assert english["Subject"] == "Your application B is a finalist – MTL Tech Awards"
    french_body, english_body = smtp_server.body(french), smtp_server.body(english)
    assert "L’équipe organisatrice vous écrira bientôt au sujet de la finale" in french_body
    assert "The organizers will write to you soon about the final" in english_body
    assert "lors de la cérémonie de remise des prix le 19 novembre 2026 à 19 h 00" in french_body
    assert "at the awards ceremony on November 19, 2026 at 7:00" in english_body


def test_two_organizers_scheduling_at_the_same_moment_queue_each_mail_once(app, db, make, organizer):
    edition, prize, rnd, apps, _ = five_by_four(make, db)
    with app.test_request_context():
        from judging.results import operations as decisions

        decisions.select_finalists(db, rnd, actor=organizer, chosen=[apps["A"].id, apps["B"].id])
        decisions.announce_finalists(db, rnd, actor=organizer)
    db.execute(OutgoingMail.__table__.delete())  # nobody told yet
    db.commit()
    url = notifications_page(edition)
    clients = [app.test_client(), app.test_client()]
    for client in clients:  # logged in here: the threads never touch the test's session
        login(client, organizer)
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(index: int) -> None:
        barrier.wait()
        try:
            response = clients[index].post(
                url,
                data={"keys": ["outcome_finalist", "outcome_not_selected"], "send_after": DUE_NOW},
            )
            results[index] = response.status_code
        except Exception as error:  # reported by the assertion below
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [302, 302]
    db.expire_all()
    assert sorted(m.to_address for m in db.scalars(select(OutgoingMail))) == sorted(
        a.contact_email for a in apps.values()
    )
