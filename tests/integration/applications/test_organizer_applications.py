"""Organizer application pages: list, filters, search, pages, one application, files, screening, export.

Mail goes through a real SMTP server (aiosmtpd) on loopback. Assertions compare what the
organizer or the candidate sees, and what the database holds, with exact expectations.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from flask_babel import refresh
from sqlalchemy import event, func, select

from judging.applications.models import Answer, Application, Attachment
from judging.core.audit_event import AuditEvent
from judging.core.models import utcnow
from judging.db import get_engine
from judging.mail.models import OutgoingMail
from tests.conftest import deliver_outbox, login
from tests.factories import aware

MONTREAL = ZoneInfo("America/Montreal")
EVIL = '=HYPERLINK("http://evil")'


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def english(client) -> None:
    """Read the pages in English from now on.

    The ``db`` fixture keeps one app context open for the whole test, so requests share ``g``
    and Flask-Babel's cached locale: ``refresh()`` forgets it.
    """
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    refresh()


def refs_in(html: str) -> list[str]:
    return re.findall(r'<tr data-ref="([^"]+)"', html)


def base_url(edition) -> str:
    return f"/organizer/editions/{edition.id}/applications"


def app_url(application) -> str:
    return f"/organizer/editions/{application.edition_id}/applications/{application.id}"


@pytest.fixture
def contest(make, db):
    """Two prizes, five applications with varied attributes, and an edition that must never leak in."""
    edition = make.edition(code="mtl-2026")
    innovation = make.prize(
        edition, code="innovation", position=1, name={"fr": "Prix Innovation", "en": "Innovation Award"}
    )
    impact = make.prize(edition, code="impact", position=2, name={"fr": "Prix Impact", "en": "Impact Award"})
    pitch = make.question(
        innovation,
        code="pitch",
        type="long-text",
        position=1,
        label={"fr": "Votre projet", "en": "Your project"},
    )
    prototype = make.question(
        innovation,
        code="prototype",
        type="yes-no",
        position=2,
        label={"fr": "Prototype fonctionnel ?", "en": "Working prototype?"},
    )
    stage = make.question(
        innovation,
        code="stage",
        type="choice",
        position=3,
        label={"fr": "Stade", "en": "Stage"},
        options=[
            {"code": "idea", "label": {"fr": "Idée", "en": "Idea"}},
            {"code": "market", "label": {"fr": "Sur le marché", "en": "On the market"}},
        ],
    )
    deck = make.question(
        innovation, code="deck", type="file", position=4, label={"fr": "Présentation", "en": "Deck"}
    )
    make.question(
        impact,
        code="people",
        type="text",
        position=1,
        label={"fr": "Personnes aidées", "en": "People helped"},
    )
    apps = {
        "INN-001": make.application(
            innovation,
            ref="INN-001",
            status="submitted",
            region="montreal",
            org_type="startup",
            language="fr",
            title="Robot de serre",
            org_name="Serre Inc.",
            contact_email="founder@serre.example",
            led_by_woman=True,
            submitted_at=aware(2026, 3, 2, 15, 4, 5),
        ),
        "INN-002": make.application(
            innovation,
            ref="INN-002",
            status="draft",
            region="quebec",
            org_type="nonprofit",
            language="en",
            title="Clean water",
            org_name="Eau Claire OBNL",
            contact_email="hello@eauclaire.example",
        ),
        "INN-003": make.application(
            innovation,
            ref="INN-003",
            status="ineligible",
            region="international",
            org_type="sme",
            language="en",
            title="100% local",
            org_name="Local_Co",
            contact_email="a_b@local.example",
            eligibility_reason="Outside Canada.",
        ),
        "IMP-001": make.application(
            impact,
            ref="IMP-001",
            status="submitted",
            region="montreal",
            org_type="academic",
            language="fr",
            title="100 local",
            org_name="LocalXCo",
            contact_email="axb@local.example",
        ),
        "IMP-002": make.application(
            impact,
            ref="IMP-002",
            status="withdrawn",
            region="canada",
            org_type="startup",
            language="fr",
            title="Tempête",
            org_name="Orage Ltée",
            contact_email="orage@example.com",
        ),
    }
    db.add_all(
        [
            Answer(
                application=apps["INN-001"], question=pitch, value="Un robot qui cueille.\nDeuxième ligne."
            ),
            Answer(application=apps["INN-001"], question=prototype, value=True),
            Answer(application=apps["INN-001"], question=stage, value="market"),
        ]
    )
    other_edition = make.edition(code="mtl-2025")
    other_prize = make.prize(other_edition, code="innovation")
    other = make.application(
        other_prize,
        ref="OTH-001",
        title="Robot de serre",
        org_name="Serre Inc.",
        contact_email="founder@serre.example",
    )
    db.commit()
    return {
        "edition": edition,
        "innovation": innovation,
        "impact": impact,
        "apps": apps,
        "other": other,
        "deck": deck,
        "questions": {"pitch": pitch, "prototype": prototype, "stage": stage},
    }


# --- the list: filters, search, pages ------------------------------------------------------------------

ALL = ["IMP-001", "IMP-002", "INN-001", "INN-002", "INN-003"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, ALL),
        ({"prize": "innovation"}, ["INN-001", "INN-002", "INN-003"]),
        ({"prize": "impact"}, ["IMP-001", "IMP-002"]),
        ({"status": "submitted"}, ["IMP-001", "INN-001"]),
        ({"status": "withdrawn"}, ["IMP-002"]),
        ({"region": "montreal"}, ["IMP-001", "INN-001"]),
        ({"type": "startup"}, ["IMP-002", "INN-001"]),
        ({"language": "en"}, ["INN-002", "INN-003"]),
        ({"prize": "impact", "status": "submitted"}, ["IMP-001"]),
        ({"status": "submitted", "region": "montreal", "type": "academic"}, ["IMP-001"]),
        ({"q": "serre"}, ["INN-001"]),
        ({"q": "ROBOT"}, ["INN-001"]),
        ({"q": "inn-00"}, ["INN-001", "INN-002", "INN-003"]),
        ({"q": "EAUCLAIRE.example"}, ["INN-002"]),
        ({"q": "100%"}, ["INN-003"]),
        ({"q": "a_b"}, ["INN-003"]),
        ({"q": "local_co"}, ["INN-003"]),
        ({"q": "  orage   ltée "}, ["IMP-002"]),
        ({"q": "nothing like this"}, []),
        ({"q": "serre", "status": "draft"}, []),
    ],
)
def test_filters_and_search_return_exactly_the_right_refs(organizer_client, contest, args, expected):
    if "prize" in args:
        args = {**args, "prize": contest[args["prize"]].id}
    response = organizer_client.get(base_url(contest["edition"]), query_string=args)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert refs_in(html) == expected
    assert "OTH-001" not in html


def test_list_shows_counts_per_prize_and_translated_labels(organizer_client, contest):
    response = organizer_client.get(base_url(contest["edition"]), query_string={"status": "submitted"})
    html = response.get_data(as_text=True)
    tabs = re.findall(r'data-prize="([^"]+)">\s*([^<]+)<span class="badge text-bg-light">(\d+)</span>', html)
    assert [(code, name.strip(), int(n)) for code, name, n in tabs] == [
        ("innovation", "Prix Innovation", 1),
        ("impact", "Prix Impact", 1),
    ]
    assert "2 candidatures" in html

    english(organizer_client)
    html = organizer_client.get(base_url(contest["edition"])).get_data(as_text=True)
    assert "5 applications" in html
    assert "Québec, outside Montréal" in html
    assert "Non-profit organization" in html
    assert '<span class="badge text-bg-secondary status-draft">Draft</span>' in html


@pytest.mark.parametrize(
    "args",
    [
        {"status": "bogus"},
        {"region": "mars"},
        {"type": "<script>"},
        {"language": "de"},
        {"prize": "999999"},
        {"prize": "abc"},
        {"page": "abc"},
        {"page": "-3"},
        {"page": "0"},
        {"page": "9" * 40},
        {"q": "x" * 5000},
        {"q": "%_\\'\"; DROP TABLE applications; --"},
    ],
)
def test_anything_typed_in_the_url_gives_a_page_never_an_error(organizer_client, contest, args):
    english(organizer_client)
    response = organizer_client.get(base_url(contest["edition"]), query_string=args)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    if set(args) & {"status", "region", "type", "language", "prize"}:
        assert refs_in(html) == ALL
        assert "Some filters were not understood and were left out" in html
        assert "<script>" not in html.split('id="ignored-filters"')[1][:300]
    elif "page" in args:
        assert refs_in(html) == ALL


def test_pagination_fifty_per_page_with_links_and_total(organizer_client, make, db):
    edition = make.edition()
    prize = make.prize(edition)
    for n in range(1, 61):
        make.application(prize, ref=f"R-{n:03d}")
    db.commit()
    english(organizer_client)

    html = organizer_client.get(base_url(edition)).get_data(as_text=True)
    assert refs_in(html) == [f"R-{n:03d}" for n in range(1, 51)]
    assert "60 applications · page 1 of 2" in html
    assert f'href="{base_url(edition)}?page=2"' in html

    html = organizer_client.get(base_url(edition), query_string={"page": 2}).get_data(as_text=True)
    assert refs_in(html) == [f"R-{n:03d}" for n in range(51, 61)]
    assert "page 2 of 2" in html

    # Past the end: the last page, not an error nor an empty page.
    html = organizer_client.get(base_url(edition), query_string={"page": 7}).get_data(as_text=True)
    assert refs_in(html) == [f"R-{n:03d}" for n in range(51, 61)]

    # Page links keep the filters.
    html = organizer_client.get(base_url(edition), query_string={"q": "R-0"}).get_data(as_text=True)
    assert f'href="{base_url(edition)}?q=R-0&amp;page=2"' in html


def count_queries(app, client, url: str, **kwargs) -> tuple[int, object]:
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(url, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements), response


def test_query_count_does_not_grow_with_the_number_of_applications(app, organizer_client, make, db):
    edition = make.edition()
    prizes = [make.prize(edition), make.prize(edition)]
    question = make.question(prizes[0], type="yes-no")

    def add(first: int, last: int) -> None:
        for n in range(first, last + 1):
            application = make.application(prizes[n % 2], ref=f"Q-{n:03d}")
            if n % 2 == 0:
                db.add(Answer(application=application, question=question, value=True))
        db.commit()
        db.close()  # nothing cached: every request loads what it needs

    add(1, 5)
    small, response = count_queries(app, organizer_client, base_url(edition))
    assert len(refs_in(response.get_data(as_text=True))) == 5
    small_export, _ = count_queries(app, organizer_client, base_url(edition) + "/export.csv")

    add(6, 60)
    large, response = count_queries(app, organizer_client, base_url(edition))
    assert len(refs_in(response.get_data(as_text=True))) == 50
    large_export, response = count_queries(app, organizer_client, base_url(edition) + "/export.csv")
    assert len(response.data.decode("utf-8-sig").splitlines()) == 61

    assert small == large
    assert small <= 8
    assert small_export == large_export


# --- one application, its files ---------------------------------------------------------------------


def test_application_page_shows_answers_organization_statistics_and_history(organizer_client, contest, db):
    application = contest["apps"]["INN-001"]
    application.summary = "<script>alert('x')</script>"
    application.website = "javascript:alert(1)"
    db.commit()
    english(organizer_client)
    html = organizer_client.get(app_url(application)).get_data(as_text=True)
    assert '<span id="application-ref">INN-001</span>' in html
    assert "Robot de serre" in html and "Serre Inc." in html and "founder@serre.example" in html
    answers = dict(re.findall(r'<dd class="mb-3" data-question="(\w+)">(.*?)</dd>', html, re.S))
    assert answers["pitch"] == "Un robot qui cueille.<br>Deuxième ligne."
    assert answers["prototype"] == "yes"
    assert answers["stage"] == "On the market"
    assert "not answered" in answers["deck"]
    assert "Your project" in html and "Working prototype?" in html
    assert "Voluntary statistics" in html and "used only for statistics" in html
    statistics = html.split('id="statistics"')[1].split("</dl>")[0]
    assert "yes" in statistics
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


def test_history_lists_screening_events(organizer_client, contest):
    application = contest["apps"]["INN-001"]
    organizer_client.post(
        app_url(application) + "/eligibility",
        data={"decision": "ineligible", "reason": "Registered outside Canada."},
    )
    english(organizer_client)
    html = organizer_client.get(app_url(application)).get_data(as_text=True)
    history = html.split('id="history"')[1].split("</table>")[0]
    assert "Marked ineligible" in history
    assert "Submitted → Not eligible" in history
    assert "Registered outside Canada." in history
    assert "Olive Organisatrice" in history


@pytest.fixture
def stored_file(app, contest, db):
    application = contest["apps"]["INN-001"]
    content = b"%PDF-1.7\n% a tiny pdf\n"
    key = "ab" * 16  # keys are random hex (services.uploads.store); nothing else is ever served
    path = Path(app.config["UPLOAD_FOLDER"]) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    attachment = Attachment(
        application=application,
        question_id=contest["deck"].id,
        filename="Présentation finale.pdf",
        content_type="application/pdf",
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        storage_key=key,
    )
    db.add(attachment)
    db.commit()
    return attachment, content


def test_file_download_streams_the_stored_file_as_an_attachment(organizer_client, contest, stored_file):
    attachment, content = stored_file
    application = contest["apps"]["INN-001"]
    html = organizer_client.get(app_url(application)).get_data(as_text=True)
    link = f"{app_url(application)}/files/{attachment.id}"
    assert f'href="{link}"' in html and "Présentation finale.pdf" in html

    response = organizer_client.get(link)
    assert response.status_code == 200
    assert response.data == content
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Pr%C3%A9sentation%20finale.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_file_of_another_application_missing_on_disk_or_with_a_hostile_key_is_404(
    organizer_client, contest, stored_file, app, db
):
    attachment, _content = stored_file
    other = contest["apps"]["INN-002"]
    assert organizer_client.get(f"{app_url(other)}/files/{attachment.id}").status_code == 404
    assert organizer_client.get(f"{app_url(contest['apps']['INN-001'])}/files/999999").status_code == 404

    attachment.storage_key = "../../../etc/passwd"
    db.commit()
    assert (
        organizer_client.get(f"{app_url(contest['apps']['INN-001'])}/files/{attachment.id}").status_code
        == 404
    )

    attachment.storage_key = "zz/not-there"
    db.commit()
    assert (
        organizer_client.get(f"{app_url(contest['apps']['INN-001'])}/files/{attachment.id}").status_code
        == 404
    )


# --- screening --------------------------------------------------------------------------------------


def audit_events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def outbox_count(db) -> int:
    return db.scalar(select(func.count()).select_from(OutgoingMail))


@pytest.mark.parametrize("reason", ["", "   ", "Too short"])
def test_ineligible_without_a_real_reason_is_refused_and_nothing_changes(
    organizer_client, contest, db, smtp_server, reason
):
    application = contest["apps"]["INN-001"]
    english(organizer_client)
    response = organizer_client.post(
        app_url(application) + "/eligibility", data={"decision": "ineligible", "reason": reason}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    if reason.strip():
        assert "Write a reason of at least 10 characters: the candidate will read it." in html
    else:
        assert "Give a reason: the candidate will read it." in html
    db.expire_all()
    assert db.scalar(select(Application.status).where(Application.id == application.id)) == "submitted"
    assert db.scalar(select(Application.eligibility_reason).where(Application.id == application.id)) is None
    assert audit_events(db, "application.ineligible") == []
    assert outbox_count(db) == 0
    deliver_outbox(organizer_client.application)
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("account_language", "application_language", "subject", "intro"),
    [
        ("fr", "en", "Votre candidature INN-001 n’est pas admissible – MTL Tech Awards", "Bonjour"),
        ("en", "fr", "Your application INN-001 is not eligible – MTL Tech Awards", "Hello"),
    ],
)
def test_ineligible_with_a_reason_changes_status_audits_and_tells_the_candidate_in_their_language(
    organizer_client,
    organizer,
    contest,
    make,
    db,
    smtp_server,
    account_language,
    application_language,
    subject,
    intro,
):
    applicant = make.user(email="lea@serre.example", name="Léa Tremblay", language=account_language)
    application = contest["apps"]["INN-001"]
    application.applicant = applicant
    application.language = application_language
    db.commit()
    reason = "L’organisation est enregistrée hors du Canada <b>depuis 2019</b>."

    response = organizer_client.post(
        app_url(application) + "/eligibility", data={"decision": "ineligible", "reason": f"  {reason}\n"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(app_url(application))

    db.expire_all()
    stored = db.get(Application, application.id)
    assert (stored.status, stored.eligibility_reason) == ("ineligible", reason)
    [audit] = audit_events(db, "application.ineligible")
    assert audit.actor_id == organizer.id
    assert audit.edition_id == contest["edition"].id
    assert (audit.object_type, audit.object_id) == ("application", application.id)
    assert audit.before == {"status": "submitted", "eligibility_reason": None, "deadline_extended_to": None}
    assert audit.after == {"status": "ineligible", "eligibility_reason": reason, "deadline_extended_to": None}
    assert audit.reason == reason

    deliver_outbox(organizer_client.application)
    [message] = smtp_server.to("lea@serre.example")
    assert message["Subject"] == subject
    body = smtp_server.body(message)
    assert body.startswith(f"{intro} Léa Tremblay,")
    assert reason in body
    assert len(smtp_server.messages) == 1


def test_mail_goes_to_the_contact_in_the_application_language_without_an_account(
    organizer_client, contest, smtp_server
):
    application = contest["apps"]["IMP-001"]
    application_language = application.language
    assert application.applicant is None and application_language == "fr"
    organizer_client.post(
        app_url(application) + "/eligibility",
        data={"decision": "ineligible", "reason": "Les universités ne sont pas admissibles."},
    )
    deliver_outbox(organizer_client.application)
    [message] = smtp_server.to("axb@local.example")
    assert message["Subject"] == "Votre candidature IMP-001 n’est pas admissible – MTL Tech Awards"
    assert "Les universités ne sont pas admissibles." in smtp_server.body(message)


def test_marking_eligible_reinstates_once_and_a_double_click_sends_one_mail(
    organizer_client, contest, db, smtp_server
):
    application = contest["apps"]["INN-003"]
    english(organizer_client)
    for _ in range(2):
        response = organizer_client.post(
            app_url(application) + "/eligibility", data={"decision": "eligible", "reason": ""}
        )
        assert response.status_code == 302
    db.expire_all()
    stored = db.get(Application, application.id)
    assert (stored.status, stored.eligibility_reason) == ("submitted", None)
    [audit] = audit_events(db, "application.eligible")
    assert audit.before["status"] == "ineligible" and audit.after["status"] == "submitted"
    deliver_outbox(organizer_client.application)
    [message] = smtp_server.to("a_b@local.example")
    assert message["Subject"] == "Your application INN-003 is eligible – MTL Tech Awards"
    html = organizer_client.get(app_url(application)).get_data(as_text=True)
    assert "Nothing changed: this decision was already recorded." in html


@pytest.mark.parametrize("ref", ["INN-002", "IMP-002"])
def test_drafts_and_withdrawn_applications_cannot_be_screened(organizer_client, contest, db, ref):
    application = contest["apps"][ref]
    english(organizer_client)
    response = organizer_client.post(
        app_url(application) + "/eligibility",
        data={"decision": "ineligible", "reason": "A long enough reason."},
    )
    assert response.status_code == 200
    assert "Only a submitted application can be screened." in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Application, application.id).status == application.status
    assert audit_events(db, "application.ineligible") == []


def test_a_decision_on_a_stale_page_is_refused(organizer_client, contest, db):
    application = contest["apps"]["INN-001"]
    shown_version = application.version
    application.title = "Robot de serre, version 2"  # the candidate edited it meanwhile
    db.commit()
    assert application.version == shown_version + 1
    english(organizer_client)
    response = organizer_client.post(
        app_url(application) + "/eligibility",
        data={"decision": "ineligible", "reason": "A long enough reason.", "version": shown_version},
    )
    assert "This application changed while you were reading it" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Application, application.id).status == "submitted"


def test_invalid_decision_value_is_a_form_error(organizer_client, contest, db):
    application = contest["apps"]["INN-001"]
    response = organizer_client.post(
        app_url(application) + "/eligibility", data={"decision": "maybe", "reason": "whatever reason"}
    )
    assert response.status_code == 200
    assert 'id="eligibility-section"' in response.get_data(as_text=True)
    assert "invalid-feedback" in response.get_data(as_text=True).split('id="eligibility-section"')[1]
    db.expire_all()
    assert db.get(Application, application.id).status == "submitted"


# --- extension and reopening ------------------------------------------------------------------------


@pytest.fixture
def closed(make, db):
    edition = make.edition(open_now=False)
    prize = make.prize(edition, name={"fr": "Prix Relève", "en": "Next Generation Award"})
    applicant = make.user(email="sam@example.com", name="Sam Roy", language="en")
    draft = make.application(prize, ref="REL-001", status="draft", applicant=applicant)
    submitted = make.application(prize, ref="REL-002", status="submitted", applicant=applicant)
    db.commit()
    return {"edition": edition, "draft": draft, "submitted": submitted}


@pytest.mark.parametrize(
    ("typed", "expected_utc"),
    [("2099-07-01T17:00", aware(2099, 7, 1, 21, 0)), ("2099-01-15T09:30", aware(2099, 1, 15, 14, 30))],
)
def test_extension_is_typed_in_montreal_time_stored_in_utc_audited_and_mailed(
    organizer_client, organizer, closed, db, smtp_server, typed, expected_utc
):
    application = closed["draft"]
    response = organizer_client.post(
        app_url(application) + "/extension", data={"until": typed, "reason": "Panne de courant chez vous."}
    )
    assert response.status_code == 302
    db.expire_all()
    stored = db.get(Application, application.id)
    assert stored.deadline_extended_to == expected_utc
    assert stored.status == "draft"
    [audit] = audit_events(db, "application.extended")
    assert audit.before["deadline_extended_to"] is None
    assert audit.after["deadline_extended_to"] == expected_utc.isoformat()
    assert audit.actor_id == organizer.id
    deliver_outbox(organizer_client.application)
    [message] = smtp_server.to("sam@example.com")
    assert message["Subject"] == "More time for your application REL-001 – MTL Tech Awards"
    body = smtp_server.body(message)
    assert "Next Generation Award" in body
    assert str(expected_utc.astimezone(MONTREAL).year) in body and "Panne de courant chez vous." in body

    english(organizer_client)
    html = organizer_client.get(app_url(application)).get_data(as_text=True)
    assert f'value="{typed}"' in html  # the form shows the extension back in Montréal time


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the new deadline."),
        ("demain", "Enter a date and time such as 2026-05-01 09:00."),
        ("2020-01-01T10:00", "The new deadline must be in the future."),
        ("2099-03-08T02:30", "This time does not exist in Montréal"),
    ],
)
def test_bad_extensions_are_refused_with_a_message(organizer_client, closed, db, smtp_server, typed, message):
    english(organizer_client)
    application = closed["draft"]
    response = organizer_client.post(app_url(application) + "/extension", data={"until": typed})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    db.expire_all()
    assert db.get(Application, application.id).deadline_extended_to is None
    assert audit_events(db, "application.extended") == []
    deliver_outbox(organizer_client.application)
    assert smtp_server.messages == []


def test_an_extension_earlier_than_the_call_deadline_is_refused(organizer_client, make, db):
    edition = make.edition(applications_close=utcnow() + timedelta(days=30))
    application = make.application(make.prize(edition), status="draft")
    db.commit()
    english(organizer_client)
    soon = (datetime.now(MONTREAL) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = organizer_client.post(app_url(application) + "/extension", data={"until": soon})
    # the message is HTML-escaped like any text (the apostrophe is &#39;)
    assert "must be later than the call's closing time" in unescape(response.get_data(as_text=True))


def test_reopening_after_the_deadline_requires_a_new_deadline_and_a_reason(
    organizer_client, closed, db, smtp_server
):
    english(organizer_client)
    application = closed["submitted"]
    url = app_url(application) + "/reopen"

    html = organizer_client.post(url, data={"reason": "Votre budget est illisible."}).get_data(as_text=True)
    assert "The deadline has passed: give a new deadline so that the candidate can submit again." in html
    html = organizer_client.post(url, data={"reason": "", "extend_to": "2099-07-01T17:00"}).get_data(
        as_text=True
    )
    assert "Give a reason: the candidate will read it." in html
    db.expire_all()
    assert db.get(Application, application.id).status == "submitted"
    deliver_outbox(organizer_client.application)
    assert smtp_server.messages == []

    response = organizer_client.post(
        url, data={"reason": "Votre budget est illisible.", "extend_to": "2099-07-01T17:00"}
    )
    assert response.status_code == 302
    db.expire_all()
    stored = db.get(Application, application.id)
    assert (stored.status, stored.deadline_extended_to) == ("draft", aware(2099, 7, 1, 21, 0))
    [audit] = audit_events(db, "application.reopened")
    assert (audit.before["status"], audit.after["status"]) == ("submitted", "draft")
    assert audit.reason == "Votre budget est illisible."
    deliver_outbox(organizer_client.application)
    [message] = smtp_server.to("sam@example.com")
    assert message["Subject"] == "Your application REL-002 is open for edits again – MTL Tech Awards"
    assert "Votre budget est illisible." in smtp_server.body(message)

    # A draft cannot be reopened again.
    html = organizer_client.post(url, data={"reason": "Encore une fois svp."}).get_data(as_text=True)
    assert "Only a submitted application can be reopened." in html


def test_reopening_before_the_deadline_needs_no_extension(organizer_client, contest, db, smtp_server):
    application = contest["apps"]["INN-001"]
    response = organizer_client.post(
        app_url(application) + "/reopen", data={"reason": "Ajoutez votre plan de financement."}
    )
    assert response.status_code == 302
    db.expire_all()
    stored = db.get(Application, application.id)
    assert (stored.status, stored.deadline_extended_to) == ("draft", None)
    deliver_outbox(organizer_client.application)
    [message] = smtp_server.to("founder@serre.example")
    assert message["Subject"] == "Votre candidature INN-001 est de nouveau modifiable – MTL Tech Awards"


# --- export -----------------------------------------------------------------------------------------


@pytest.fixture
def hostile(contest, db):
    application = contest["apps"]["INN-001"]
    application.title = EVIL
    application.org_name = "+1 (514) 555-0100"
    application.city = "@SUM(A1:A9)"
    db.commit()
    return application


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_csv_export_neutralises_formulas_and_translates_headers(organizer_client, contest, hostile):
    english(organizer_client)
    response = organizer_client.get(
        base_url(contest["edition"]) + "/export.csv", query_string={"prize": contest["innovation"].id}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="applications-mtl-2026-\d{4}-\d\d-\d\d\.csv"',
        response.headers["Content-Disposition"],
    )
    rows = read_csv(response.data)
    assert rows[0] == [
        "Reference",
        "Prize code",
        "Status",
        "Title",
        "Organization",
        "Organization type",
        "Region",
        "Country",
        "City",
        "Contact email",
        "Language",
        "Led by a woman (voluntary)",
        "Submitted at (Montréal time)",
        "Your project",
        "Working prototype?",
        "Stage",
        "Deck",
    ]
    by_ref = {row[0]: row for row in rows[1:]}
    assert sorted(by_ref) == ["INN-001", "INN-002", "INN-003"]
    first = by_ref["INN-001"]
    assert first[:13] == [
        "INN-001",
        "innovation",
        "Submitted",
        "'" + EVIL,
        "'+1 (514) 555-0100",
        "Start-up",
        "Montréal",
        "CA",
        "'@SUM(A1:A9)",
        "founder@serre.example",
        "fr",
        "yes",
        "2026-03-02T10:04:05-05:00",
    ]
    assert first[13:] == ["Un robot qui cueille.\nDeuxième ligne.", "yes", "On the market", ""]


def test_xlsx_export_neutralises_formulas_and_keeps_filters(organizer_client, contest, hostile):
    english(organizer_client)
    response = organizer_client.get(
        base_url(contest["edition"]) + "/export.xlsx", query_string={"status": "submitted"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = read_xlsx(response.data)
    assert rows[0][:4] == ["Reference", "Prize code", "Status", "Title"]
    assert rows[0][13:] == [
        "innovation: Your project",
        "innovation: Working prototype?",
        "innovation: Stage",
        "innovation: Deck",
        "impact: People helped",
    ]
    assert [row[0] for row in rows[1:]] == ["IMP-001", "INN-001"]
    assert rows[2][3] == "'" + EVIL
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_export_in_french_says_oui_and_translates_headers(organizer_client, contest):
    response = organizer_client.get(
        base_url(contest["edition"]) + "/export.csv", query_string={"q": "INN-001"}
    )
    rows = read_csv(response.data)
    assert rows[0][:3] == ["Référence", "Code du prix", "Statut"]
    assert rows[1][2] == "Soumise"
    assert rows[1][11] == "oui"
    assert rows[1][14] == "oui"
    assert rows[1][15] == "Sur le marché"


def test_unknown_export_format_is_404(organizer_client, contest):
    assert organizer_client.get(base_url(contest["edition"]) + "/export.pdf").status_code == 404


# --- who may see what -------------------------------------------------------------------------------

ROUTES = [
    ("get", "{list}"),
    ("get", "{list}/export.csv"),
    ("get", "{list}/export.xlsx"),
    ("get", "{app}"),
    ("get", "{app}/files/{file}"),
    ("post", "{app}/eligibility"),
    ("post", "{app}/extension"),
    ("post", "{app}/reopen"),
]
POST_DATA = {
    "decision": "ineligible",
    "reason": "A long enough reason.",
    "until": "2099-07-01T17:00",
    "extend_to": "2099-07-01T17:00",
}


def fill(template: str, edition_id: int, application_id: int, file_id: int) -> str:
    list_url = f"/organizer/editions/{edition_id}/applications"
    return template.format(list=list_url, app=f"{list_url}/{application_id}", file=file_id)


@pytest.mark.parametrize(("method", "template"), ROUTES)
@pytest.mark.parametrize("who", ["anonymous", "juror", "candidate"])
def test_non_organizers_are_refused_everywhere(
    client, contest, stored_file, db, method, template, who, request
):
    application = contest["apps"]["INN-001"]
    if who != "anonymous":
        user = request.getfixturevalue(who)
        if who == "candidate":
            application.applicant = user  # even the application's own candidate
            db.commit()
        login(client, user)
    url = fill(template, contest["edition"].id, application.id, stored_file[0].id)
    response = getattr(client, method)(url, data=POST_DATA if method == "post" else None)
    if who == "anonymous":
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]
    else:
        assert response.status_code == 403
    db.expire_all()
    stored = db.get(Application, application.id)
    assert (stored.status, stored.deadline_extended_to) == ("submitted", None)
    assert (
        db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "application"))
        == 0
    )


@pytest.mark.parametrize(("method", "template"), [r for r in ROUTES if "{app}" in r[1]])
def test_an_application_of_another_edition_is_404(
    organizer_client, contest, stored_file, db, method, template
):
    other = contest["other"]
    url = fill(template, contest["edition"].id, other.id, stored_file[0].id)
    response = getattr(organizer_client, method)(url, data=POST_DATA if method == "post" else None)
    assert response.status_code == 404
    db.expire_all()
    assert db.get(Application, other.id).status == "submitted"


@pytest.mark.parametrize(("method", "template"), ROUTES)
def test_a_missing_edition_is_404(organizer_client, contest, stored_file, method, template):
    url = fill(template, 987654, contest["apps"]["INN-001"].id, stored_file[0].id)
    response = getattr(organizer_client, method)(url, data=POST_DATA if method == "post" else None)
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/eligibility", "/extension", "/reopen"])
def test_writes_are_post_only(organizer_client, contest, path):
    assert organizer_client.get(app_url(contest["apps"]["INN-001"]) + path).status_code == 405
