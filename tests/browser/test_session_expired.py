"""The session ends while a candidate is typing: « Enregistrer le brouillon » leads to the login page
(not the « form expired » error), and after logging in the form comes back with the text typed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from judging.core.models import utcnow
from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

EMAIL = "session@example.org"
TYPED = "Texte tapé après la fin de la session, à ne pas perdre."


@pytest.fixture
def prize(live_make, live_db):
    edition = live_make.edition(applications_close=utcnow() + timedelta(days=3))
    prize = live_make.prize(edition, code="innovation", name={"fr": "Prix Innovation", "en": "Innovation"})
    live_make.user(email=EMAIL, language="fr")
    live_db.commit()
    return prize


def test_save_draft_after_the_session_ended_logs_in_and_keeps_the_text(page, live_server, prize):
    log_in(page, live_server.url, EMAIL, PASSWORD)
    page.goto(f"{live_server.url}/candidate/prizes/{prize.id}/apply")
    page.click("#start-application")
    page.wait_for_load_state("load")  # autosave.js listens only once it has run
    form_path = re.search(r"/candidate/applications/\d+/edit", page.url).group(0)

    page.context.clear_cookies()  # the session is gone (expired, or logged out in another tab)
    page.fill("#summary", TYPED)
    page.click("#save-draft")
    page.wait_for_load_state("load")

    assert page.url == f"{live_server.url}/auth/login?next={form_path}"
    expect(page.locator("main")).to_contain_text(
        "Votre session a expiré et rien n’a été enregistré. Reconnectez-vous pour continuer."
    )
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state("load")

    assert page.url == f"{live_server.url}{form_path}"
    expect(page.locator("#summary")).to_have_value(TYPED)
