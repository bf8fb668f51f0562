"""Applying end to end through the test client: draft, submit, receipt (page, mail, PDF), edit, withdraw."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from judging.applications.models import Answer, Application, Attachment
from judging.core.audit_event import AuditEvent
from tests.conftest import deliver_outbox, login
from tests.scenarios import (
    PDF,
    RECEIPT_RE,
    contest,
    form_for,
    pdf_text,
    post_form,
    start,
    text_of,
    uploaded_files,
)


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def link_path(body: str, fragment: str) -> str:
    match = re.search(r"https?://\S*" + re.escape(fragment) + r"\S*", body)
    assert match, body
    return "/" + match.group(0).split("://", 1)[1].split("/", 1)[1]


def test_draft_then_submit_then_receipt_by_page_mail_and_pdf(app, alice_client, alice, make, db, smtp_server):
    c = contest(make, db)
    application = start(alice_client, c)
    assert application.status == "draft"
    assert application.ref == "INN-001"
    assert application.contact_email == "alice@example.org"  # defaults to the account
    assert application.contact_name == "Alice Applicant"

    # A draft without consent and with missing answers is fine.
    response = post_form(
        alice_client, application, form_for(c, consent=None, action="save", **{f"q_{c.video.id}": ""})
    )
    assert response.status_code == 302
    db.expire_all()
    assert application.status == "draft"
    assert application.title == "Serre urbaine connectée"
    assert application.consent_at is None
    deliver_outbox(app)
    assert smtp_server.messages == []

    response = post_form(alice_client, application, form_for(c, **{f"q_{c.deck.id}": None}))
    assert response.status_code == 302
    page = alice_client.get(response.headers["Location"])
    html = text_of(page)
    db.expire_all()
    assert application.status == "submitted"
    assert RECEIPT_RE.fullmatch(application.receipt_number), application.receipt_number
    assert application.receipt_number.startswith(
        f"MTL-{application.edition.applications_close.year}-INN-001-"
    )
    assert "Your application is submitted" in html
    assert application.receipt_number in html
    assert application.consent_at is not None and application.submitted_at is not None
    assert application.led_by_woman is True
    answers = {
        a.question_id: a.value
        for a in db.scalars(select(Answer).where(Answer.application_id == application.id))
    }
    assert answers == {
        c.pitch.id: "Robots tend the greenhouse and share the harvest with neighbours.",
        c.stage.id: "market",
        c.public.id: False,
        c.video.id: "https://video.example/serre",
        c.tagline.id: "Grow local",
    }
    [attachment] = application.attachments
    assert attachment.filename == "deck.pdf" and attachment.content_type == "application/pdf"

    deliver_outbox(app)
    [message] = smtp_server.to("alice@example.org")
    assert message["Subject"] == "Application received: INN-001 – MTL Tech Awards"
    body = smtp_server.body(message)
    assert application.receipt_number in body
    assert "Serre urbaine connectée" in body
    receipt_path = link_path(body, "/receipt.pdf")
    assert receipt_path == f"/candidate/applications/{application.id}/receipt.pdf"

    response = alice_client.get(receipt_path)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for expected in (
        application.receipt_number,
        "Serre urbaine connectée",
        "Robots tend the greenhouse",
        "On the market",
        "https://video.example/serre",
        "Grow local",
        "deck.pdf",
        "Serre Inc.",
        "Start-up",
        "Montréal",
        "Canada",
        "Léa Tremblay",
        "lea@example.com",
        "Innovation Award",
    ):
        assert expected in text, expected

    actions = list(
        db.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "application").order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "application.created",
        "application.draft_saved",
        "application.draft_saved",
        "application.submitted",
    ]


def test_mail_and_receipt_follow_the_candidates_language(app, client, make, db, smtp_server):
    user = make.user(email="fr@example.org", language="fr")
    c = contest(make, db)
    login(client, user)
    application = start(client, c)
    response = post_form(client, application, form_for(c))
    assert response.status_code == 302
    deliver_outbox(app)
    [message] = smtp_server.to("fr@example.org")
    assert message["Subject"] == "Candidature reçue\u00a0: INN-001 – MTL Tech Awards"
    assert "Prix de l'innovation" in smtp_server.body(message)
    text = pdf_text(client.get(f"/candidate/applications/{application.id}/receipt.pdf").data)
    assert "Reçu de candidature" in text
    assert "En marché" in text


def test_one_application_per_prize_with_a_link_to_it(alice_client, make, db):
    c = contest(make, db)
    first = start(alice_client, c)
    response = alice_client.post(f"/candidate/prizes/{c.prize.id}/apply")
    assert response.status_code == 200
    html = text_of(response)
    assert "You already have an application for this prize" in html
    assert f'href="/candidate/applications/{first.id}"' in html
    assert db.scalar(select(func.count()).select_from(Application)) == 1


def test_references_follow_a_sequence_per_edition(client, make, db):
    c = contest(make, db)
    other = make.prize(c.edition, code="femmes-en-tech")
    db.commit()
    refs = []
    for n, prize in enumerate([c.prize, c.prize, other]):
        user = make.user(email=f"p{n}@example.org")
        db.commit()
        login(client, user)
        response = client.post(f"/candidate/prizes/{prize.id}/apply")
        assert response.status_code == 302
        refs.append(db.scalars(select(Application.ref).where(Application.applicant_id == user.id)).one())
    assert refs == ["INN-001", "INN-002", "FEM-003"]


def test_missing_answers_are_shown_next_to_each_field_and_the_text_is_kept(
    alice_client, make, db, smtp_server
):
    c = contest(make, db)
    application = start(alice_client, c)
    data = form_for(
        c,
        title="",
        consent=None,
        **{f"q_{c.pitch.id}": "", f"q_{c.deck.id}": None, "summary": "Texte <gardé> & conservé"},
    )
    response = post_form(alice_client, application, data)
    html = text_of(response)
    assert response.status_code == 422
    assert "Your application is not submitted yet" in html
    assert re.search(r'id="title-errors"[^>]*>This field is required to submit\.', html)
    assert re.search(rf'id="q_{c.pitch.id}-errors"[^>]*>This answer is required to submit\.', html)
    assert re.search(rf'id="q_{c.deck.id}-errors"[^>]*>Attach this file to submit\.', html)
    assert re.search(r'id="consent-errors"[^>]*>You must accept the rules and the privacy notice', html)
    assert "Texte &lt;gardé&gt; &amp; conservé</textarea>" in html
    assert 'value="Serre Inc."' in html
    db.expire_all()
    assert application.status == "draft"
    assert application.summary == "Texte <gardé> & conservé"  # the draft is saved
    assert application.receipt_number is None
    deliver_outbox(alice_client.application)
    assert smtp_server.messages == []


def test_word_limit_is_shown_and_checked(alice_client, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    page = text_of(alice_client.get(f"/candidate/applications/{application.id}/edit"))
    assert "Maximum 20 words." in page
    assert 'data-max-words="20"' in page
    long_answer = " ".join(["mot"] * 21)
    response = post_form(alice_client, application, form_for(c, **{f"q_{c.pitch.id}": long_answer}))
    html = text_of(response)
    assert response.status_code == 422
    assert re.search(
        rf'id="q_{c.pitch.id}-errors"[^>]*>21 words: the limit is 20\. Shorten your answer\.', html
    )
    assert f"{long_answer}</textarea>" in html
    db.expire_all()
    assert application.status == "draft"
    assert application.answers and any(a.value == long_answer for a in application.answers)

    exactly = " ".join(["mot"] * 20)
    response = post_form(alice_client, application, form_for(c, **{f"q_{c.pitch.id}": exactly}))
    assert response.status_code == 302
    db.expire_all()
    assert application.status == "submitted"


def test_bad_formats_are_refused_at_submission(alice_client, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    response = post_form(
        alice_client,
        application,
        form_for(
            c,
            website="serre dot example",
            contact_email="pas-une-adresse",
            **{f"q_{c.video.id}": "javascript:alert(1)"},
        ),
    )
    html = text_of(response)
    assert response.status_code == 422
    assert re.search(r'id="website-errors"[^>]*>Enter a full web address', html)
    assert re.search(r'id="contact_email-errors"[^>]*>Enter a valid email address', html)
    assert re.search(rf'id="q_{c.video.id}-errors"[^>]*>Enter a full web address', html)
    db.expire_all()
    assert application.status == "draft"


def test_values_outside_the_choices_are_not_saved(alice_client, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    response = post_form(
        alice_client,
        application,
        form_for(
            c,
            action="save",
            org_type="galaxy",
            **{f"q_{c.stage.id}": "<script>", f"q_{c.public.id}": "maybe"},
        ),
    )
    html = text_of(response)
    assert response.status_code == 422
    assert re.search(r'id="org_type-errors"[^>]*>Choose one of the options\.', html)
    assert re.search(rf'id="q_{c.stage.id}-errors"[^>]*>Choose one of the options\.', html)
    assert re.search(rf'id="q_{c.public.id}-errors"[^>]*>Choose yes or no\.', html)
    db.expire_all()
    assert application.title == "" and application.org_type is None


def test_html_in_answers_is_text_in_the_page_the_pdf_and_the_mail(app, alice_client, make, db, smtp_server):
    c = contest(make, db)
    application = start(alice_client, c)
    evil_title = '<script>alert("x")</script> Serre'
    evil_answer = "<b>bold</b> <img src=x onerror=alert(1)> robots"
    response = post_form(
        alice_client, application, form_for(c, title=evil_title, **{f"q_{c.pitch.id}": evil_answer})
    )
    assert response.status_code == 302
    html = text_of(alice_client.get(f"/candidate/applications/{application.id}"))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Serre" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &lt;img src=x onerror=alert(1)&gt; robots" in html
    assert "<script>alert" not in html and "<b>bold" not in html and "<img src=x" not in html
    dashboard = text_of(alice_client.get("/candidate/"))
    assert "&lt;script&gt;" in dashboard and "<script>alert" not in dashboard

    deliver_outbox(app)
    body = smtp_server.body(smtp_server.to("alice@example.org")[0])
    assert evil_title in body  # plain text mail: the characters themselves, nothing interpreted
    assert "&lt;" not in body

    text = pdf_text(alice_client.get(f"/candidate/applications/{application.id}/receipt.pdf").data)
    assert '<script>alert("x")</script> Serre' in text
    assert "<b>bold</b> <img src=x onerror=alert(1)> robots" in text


def test_edit_a_submitted_application_until_the_deadline(app, alice_client, make, db, smtp_server, clock):
    c = contest(make, db)
    close = c.edition.applications_close
    clock.set(close.replace(microsecond=0) - timedelta(days=2))
    application = start(alice_client, c)
    assert post_form(alice_client, application, form_for(c)).status_code == 302
    db.expire_all()
    first_receipt = application.receipt_number
    first_submitted = application.submitted_at

    page = text_of(alice_client.get(f"/candidate/applications/{application.id}/edit"))
    assert "Submit my changes" in page and "data-autosave-url" not in page

    clock.advance(hours=1)
    changed = form_for(c, title="Serre urbaine v2", **{f"q_{c.deck.id}": None})
    response = post_form(alice_client, application, changed)
    assert response.status_code == 302
    db.expire_all()
    assert application.title == "Serre urbaine v2"
    assert application.status == "submitted"
    assert application.receipt_number != first_receipt and RECEIPT_RE.fullmatch(application.receipt_number)
    assert application.submitted_at > first_submitted
    assert application.first_submitted_at == first_submitted
    deliver_outbox(app)
    subjects = [m["Subject"] for m in smtp_server.to("alice@example.org")]
    assert subjects == [
        "Application received: INN-001 – MTL Tech Awards",
        "Application updated: INN-001 – MTL Tech Awards",
    ]
    text = pdf_text(alice_client.get(f"/candidate/applications/{application.id}/receipt.pdf").data)
    assert "Serre urbaine v2" in text and application.receipt_number in text

    # A change that makes the application incomplete is refused and changes nothing.
    response = post_form(alice_client, application, form_for(c, title="", **{f"q_{c.deck.id}": None}))
    assert response.status_code == 422
    db.expire_all()
    assert application.title == "Serre urbaine v2"

    # After the deadline: the page says so, the edit is refused, the text typed is still in the form.
    clock.set(close + timedelta(seconds=1))
    response = alice_client.get(f"/candidate/applications/{application.id}/edit")
    assert response.status_code == 302
    response = post_form(
        alice_client, application, form_for(c, title="Trop tard", **{f"q_{c.deck.id}": None})
    )
    html = text_of(response)
    assert response.status_code == 409
    assert "the submitted application can no longer be changed" in html
    assert 'value="Trop tard"' in html
    db.expire_all()
    assert application.title == "Serre urbaine v2"
    deliver_outbox(app)
    assert len(smtp_server.to("alice@example.org")) == 2


def test_withdraw_with_confirmation_audit_and_mail(app, alice_client, make, db, smtp_server):
    c = contest(make, db)
    application = start(alice_client, c)
    post_form(alice_client, application, form_for(c))
    page = text_of(alice_client.get(f"/candidate/applications/{application.id}/withdraw"))
    assert "A withdrawn application is not judged" in page
    response = alice_client.post(f"/candidate/applications/{application.id}/withdraw", data={"reason": ""})
    assert response.status_code == 200  # the box was not ticked
    assert "Tick the box to confirm." in text_of(response)
    db.expire_all()
    assert application.status == "submitted"

    response = alice_client.post(
        f"/candidate/applications/{application.id}/withdraw",
        data={"reason": "Projet abandonné", "confirm": "y"},
        follow_redirects=True,
    )
    assert "Your application is withdrawn" in text_of(response)
    db.expire_all()
    assert application.status == "withdrawn"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "application.withdrawn")).one()
    assert event.before == {"status": "submitted"} and event.after == {"status": "withdrawn"}
    assert event.reason == "Projet abandonné"
    deliver_outbox(app)
    subjects = [m["Subject"] for m in smtp_server.to("alice@example.org")]
    assert subjects[-1] == "Application withdrawn: INN-001 – MTL Tech Awards"
    # Nothing to withdraw or edit any more.
    assert alice_client.get(f"/candidate/applications/{application.id}/edit").status_code == 302
    response = post_form(alice_client, application, form_for(c))
    db.expire_all()
    assert application.status == "withdrawn"


def test_delete_a_draft_removes_its_files(app, alice_client, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    post_form(alice_client, application, form_for(c, action="save"))
    assert len(uploaded_files(app)) == 1
    response = alice_client.post(f"/candidate/applications/{application.id}/delete")
    assert response.status_code == 302
    assert db.scalar(select(func.count()).select_from(Application)) == 0
    assert db.scalar(select(func.count()).select_from(Attachment)) == 0
    assert uploaded_files(app) == []


def test_too_large_a_request_gets_a_clear_page(app, alice_client, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    data = form_for(c, **{f"q_{c.deck.id}": (io.BytesIO(PDF + b"0" * 70 * 1024), "big.pdf")})
    response = post_form(alice_client, application, data)
    assert response.status_code == 413
    assert "larger than the allowed size" in text_of(response)
    db.expire_all()
    assert application.title == ""


def test_a_reference_taken_meanwhile_is_retried_with_the_next_number(client, make, db, monkeypatch):
    from judging.applications import operations as service

    c = contest(make, db)
    first, second = make.user(email="one@example.org"), make.user(email="two@example.org")
    db.commit()
    login(client, first)
    assert start(client, c).ref == "INN-001"
    # As if another request had read the sequence before the first insert was committed.
    monkeypatch.setattr(service, "_next_sequence", lambda db, edition_id: 1)
    login(client, second)
    application = start(client, c)
    assert application.ref == "INN-002"
    assert sorted(db.scalars(select(Application.ref))) == ["INN-001", "INN-002"]
