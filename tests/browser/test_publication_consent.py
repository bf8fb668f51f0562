"""A finalist withdraws publication consent in Chromium after the announcement: the public page hides them."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.scenarios import ceremony_edition

pytestmark = pytest.mark.browser

UNLABELLED_FIELDS = """
() => [...document.querySelectorAll('#publication-form input:not([type=hidden])')]
        .filter(el => el.labels === null || el.labels.length === 0)
        .map(el => el.id)
"""


def test_a_finalist_withdraws_consent_and_the_public_page_hides_them(page, live_server, live_make, live_db):
    built = ceremony_edition(live_make, live_db, secret=False)  # finalists public since 2025
    finalist = built.finalists[0][2]
    candidate = live_make.user(email="finaliste@example.org", roles=["candidate"], language="fr")
    finalist.applicant_id = candidate.id
    live_db.commit()
    public_url = f"{live_server.url}/editions/{built.edition.code}/finalists"
    page.goto(public_url)
    assert finalist.title in page.inner_text("main")

    log_in(page, live_server.url, candidate.email, PASSWORD)
    page.goto(f"{live_server.url}/candidate/applications/{finalist.id}")
    assert page.evaluate(UNLABELLED_FIELDS) == []
    assert page.is_checked("#publication_consent-0")  # the stored "yes"
    page.check("#publication_consent-1")
    page.click("#publication-save")
    page.wait_for_load_state()
    assert "Votre réponse est enregistrée" in page.inner_text("main")
    assert page.is_checked("#publication_consent-1")

    page.goto(public_url)
    shown = page.inner_text("main")
    for name in (finalist.title, finalist.org_name, finalist.contact_name):
        assert name not in shown
    assert "Finaliste (nom non publié)" in shown
