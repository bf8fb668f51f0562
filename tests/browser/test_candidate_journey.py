"""A candidate's journey in Chromium, with CSRF on and a real SMTP server: register, confirm the email
from the mail received, apply, upload a PDF, submit, see the receipt, read the PDF receipt back.
And: text typed after the session expired comes back after logging in again."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from judging.applications.models import Application
from judging.core.models import utcnow
from tests.browser.conftest import log_in
from tests.conftest import deliver_outbox
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "nadia@example.com"
PASSWORD_NEW = "Serre-Montreal-2031"
PITCH = "Des robots cultivent la serre et partagent la récolte avec le quartier."


@pytest.fixture
def browser_app_config(app_config, smtp_server):
    return {**app_config, "WTF_CSRF_ENABLED": True, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}


@pytest.fixture
def prize(live_make, live_db):
    edition = live_make.edition(applications_close=utcnow() + timedelta(days=3))
    prize = live_make.prize(
        edition,
        code="innovation",
        name={"fr": "Prix de l'innovation", "en": "Innovation Award"},
        description={
            "fr": "Pour les projets qui changent la ville.",
            "en": "For projects that change the city.",
        },
    )
    live_make.question(
        prize,
        code="pitch",
        type="long-text",
        required=True,
        max_words=40,
        position=1,
        label={"fr": "Votre projet", "en": "Your project"},
    )
    live_make.question(
        prize,
        code="stage",
        type="choice",
        position=2,
        label={"fr": "Stade", "en": "Stage"},
        options=[
            {"code": "idea", "label": {"fr": "Idée", "en": "Idea"}},
            {"code": "market", "label": {"fr": "En marché", "en": "On the market"}},
        ],
    )
    live_make.question(
        prize,
        code="deck",
        type="file",
        required=True,
        position=3,
        label={"fr": "Présentation (PDF)", "en": "Pitch deck (PDF)"},
    )
    live_db.commit()
    return prize


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def console_errors(page) -> list[str]:
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and "favicon" not in (message.location or {}).get("url", ""):
            errors.append(f"{message.text} {message.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def question_id(prize, code: str) -> int:
    return next(q.id for q in prize.questions if q.code == code)


def test_register_confirm_apply_upload_submit_and_read_the_receipt(
    page, live_server, live_db, prize, smtp_server, tmp_path
):
    from judging.core.pdf import render_pdf

    errors = console_errors(page)
    base = live_server.url
    page.goto(base + "/auth/register")
    page.fill("input[name=name]", "Nadia Benali")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD_NEW)
    page.fill("input[name=confirm]", PASSWORD_NEW)
    page.select_option("select[name=language]", "en")
    page.click("#register-submit")
    assert EMAIL in page.locator("main").inner_text()

    deliver_outbox(live_server.app)
    [message] = smtp_server.to(EMAIL)
    link = re.search(r"https?://\S+/auth/confirm/\S+", smtp_server.body(message)).group(0)
    page.goto(link)
    log_in(page, base, EMAIL, PASSWORD_NEW)
    assert page.url == base + "/candidate/"

    page.click("#open-prizes")
    assert "For projects that change the city." in page.content()
    assert page.locator(".countdown").count() == 1  # closes within a week: a countdown
    page.click(".apply-link")
    page.click("#start-application")
    assert re.search(r"/candidate/applications/\d+/edit$", page.url)
    assert page.input_value("#contact_email") == EMAIL  # defaults to the account

    # Typing saves by itself (autosave POSTs the form with the CSRF token).
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200, timeout=15_000):
        page.fill("#title", "Serre urbaine <connectée>")
    page.fill("#summary", "Une serre qui nourrit le quartier.")
    page.select_option("#language", "fr")
    page.fill(f"#q_{question_id(prize, 'pitch')}", PITCH)
    assert "12 of 40 words" in page.inner_text(".word-count")
    page.select_option(f"#q_{question_id(prize, 'stage')}", "market")
    page.set_input_files(
        f"#q_{question_id(prize, 'deck')}",
        files=[
            {
                "name": "deck.pdf",
                "mimeType": "application/pdf",
                "buffer": render_pdf("<h1>Serre urbaine</h1>"),
            }
        ],
    )
    page.fill("#org_name", "Serre Inc.")
    page.select_option("#org_type", "startup")
    page.select_option("#region", "montreal")
    page.select_option("#country", "CA")
    page.fill("#city", "Montréal")
    page.check("#led_by_woman-0")
    page.check("#consent")
    page.check("#publication_consent-0")
    page.click("#submit-application")

    assert "Your application is submitted" in page.content()
    receipt = page.inner_text("#receipt-number")
    assert re.fullmatch(r"MTL-\d{4}-INN-001-[0-9A-F]{4}", receipt)
    application = live_db.scalars(select(Application)).one()
    live_db.refresh(application)
    assert application.status == "submitted" and application.receipt_number == receipt
    assert [a.filename for a in application.attachments] == ["deck.pdf"]

    deliver_outbox(live_server.app)
    mails = smtp_server.to(EMAIL)
    assert [m["Subject"] for m in mails][-1] == "Application received: INN-001 – MTL Tech Awards"
    assert receipt in smtp_server.body(mails[-1])

    with page.expect_download() as download_info:
        page.click("#receipt-link")
    target = tmp_path / "receipt.pdf"
    download_info.value.save_as(target)
    text = pdf_text(target)
    for expected in (
        receipt,
        "Serre urbaine <connectée>",
        PITCH[:40],
        "On the market",
        "deck.pdf",
        "Serre Inc.",
        "Innovation Award",
        "Nadia Benali",
        EMAIL,
    ):
        assert expected in text, expected
    assert errors == []  # no script error, no CSP violation


def test_text_typed_after_the_session_expired_is_back_after_logging_in(
    page, live_server, live_make, live_db, prize
):
    user = live_make.user(email="lou@example.org", language="en")
    live_db.commit()
    base = live_server.url
    log_in(page, base, user.email, PASSWORD)
    page.goto(f"{base}/candidate/prizes/{prize.id}/apply")
    page.click("#start-application")
    page.wait_for_load_state("load")  # autosave.js listens only once it has run
    edit_url = page.url
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200, timeout=15_000):
        page.fill("#title", "Avant l'expiration")

    page.context.clear_cookies()  # the session is gone (expired, or logged out in another tab)
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 401, timeout=15_000):
        page.fill("#summary", "Texte tapé après l'expiration de la session.")
    page.wait_for_selector("#autosave-login")
    assert "kept on this device" in page.inner_text("#autosave-status")

    page.click("#autosave-login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200, timeout=15_000):
        page.click("#login-submit")
        page.wait_for_url(edit_url)
        assert page.input_value("#summary") == "Texte tapé après l'expiration de la session."
        assert page.locator("#autosave-restored").is_visible()
    live_db.expire_all()
    application = live_db.scalars(select(Application).where(Application.applicant_id == user.id)).one()
    assert application.title == "Avant l'expiration"
    assert application.summary == "Texte tapé après l'expiration de la session."
