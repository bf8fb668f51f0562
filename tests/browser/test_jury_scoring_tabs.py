"""A juror in two tabs (two browser contexts), and a juror whose network drops (Chromium, CSRF on).

A stale tab is refused with the reason and keeps what it typed; the other tab's scores stay in the
database. A score typed offline is kept on the device, announced as not saved yet, and saved when
the network is back, without another keystroke, even across a reload.
"""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import select

from judging.core.models import utcnow
from judging.jury.models import Assignment, CriterionScore
from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
CODES = ("c1", "c2", "c3", "c4", "c5")


@pytest.fixture
def scene(live_make, live_db):
    juror = live_make.user(email="jure@example.org", name="Jules Juré", roles=["juror"], language="fr")
    prize = live_make.prize(name={"fr": "Prix Innovation", "en": "Innovation Award"})
    rnd = live_make.round(
        prize, criteria=5, jurors_per_application=1, judging_closes_at=utcnow() + timedelta(days=5)
    )
    application = live_make.application(prize, ref="INN-001", title="Robot de serre")
    live_make.jury(rnd, juror)
    card = live_make.scorecard(rnd, juror, application, status="assigned")
    live_db.commit()
    return {"juror": juror, "card": card, "path": f"/jury/rounds/{rnd.id}/applications/{application.id}"}


def tab(browser, live_server, juror):
    context = browser.new_context(locale="fr-CA", timezone_id="America/Montreal")
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, live_server.url, juror.email, PASSWORD)
    return context, page


def stored(live_db, card) -> dict[str, Decimal]:
    live_db.expire_all()
    codes = {c.id: c.code for c in live_db.get(Assignment, card.id).round.criteria}
    rows = live_db.execute(
        select(CriterionScore.criterion_id, CriterionScore.value).where(
            CriterionScore.assignment_id == card.id
        )
    ).all()
    return {codes[criterion_id]: value for criterion_id, value in rows}


def eventually(check, seconds: float = 20.0):
    """Poll the database until ``check()`` is truthy (the page saves in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


def test_a_stale_tab_is_refused_and_keeps_its_comment(browser, live_server, live_db, scene):
    card, url = scene["card"], live_server.url + scene["path"]
    context_a, page_a = tab(browser, live_server, scene["juror"])
    context_b, page_b = tab(browser, live_server, scene["juror"])
    try:
        page_b.goto(url)  # B is loaded first
        page_b.wait_for_load_state("load")
        page_a.goto(url)
        page_a.wait_for_load_state("load")
        for code, value in zip(CODES, ("8", "4", "7", "6,5", "9"), strict=True):
            page_a.fill(f"#score-{code}", value)
        with page_a.expect_navigation():
            page_a.click("#save-draft")
        expect(page_a.locator(".alert-success")).to_contain_text("Brouillon enregistré.")
        five = {
            "c1": Decimal("8"),
            "c2": Decimal("4"),
            "c3": Decimal("7"),
            "c4": Decimal("6.5"),
            "c5": Decimal("9"),
        }
        assert stored(live_db, card) == five

        # B types a comment: its autosave is refused and stops, saying why
        page_b.fill("#comment", "Équipe solide, marché flou")
        expect(page_b.locator("#autosave-status")).to_contain_text(
            "Rien n’a été enregistré\u00a0: cette grille a été modifiée "
            "dans un autre onglet ou sur un autre appareil"
        )
        expect(page_b.locator("#autosave-status")).to_contain_text("L’enregistrement automatique est arrêté")
        expect(page_b.locator("#score-c1-saved")).to_have_text("Enregistré maintenant\u00a0: 8")
        expect(page_b.locator("#comment")).to_have_value("Équipe solide, marché flou")
        # B clicks "Save draft": refused, with A's scores shown beside B's empty fields, the comment kept
        with page_b.expect_navigation():
            page_b.click("#save-draft")
        expect(page_b.locator("#scorecard-problem")).to_contain_text("Rien n’a été enregistré")
        expect(page_b.locator("#scorecard-problem")).to_contain_text(
            "Critère c1\u00a0: 8 · Critère c2\u00a0: 4"
        )
        expect(page_b.locator("#comment")).to_have_value("Équipe solide, marché flou")
        expect(page_b.locator("#score-c4-saved")).to_have_text("Enregistré maintenant\u00a0: 6,5")
        expect(page_b.locator(".alert-success")).to_have_count(0)
        assert stored(live_db, card) == five
        assert live_db.get(Assignment, card.id).comment is None
    finally:
        context_a.close()
        context_b.close()


def test_a_score_typed_offline_is_saved_when_the_network_comes_back(browser, live_server, live_db, scene):
    card, url = scene["card"], live_server.url + scene["path"]
    context, page = tab(browser, live_server, scene["juror"])
    try:
        page.goto(url)
        page.wait_for_load_state("load")
        context.set_offline(True)
        page.fill("#score-c1", "7")
        expect(page.locator("#autosave-status")).to_contain_text("Pas encore enregistré — nouvel essai dans")
        assert stored(live_db, card) == {}
        context.set_offline(False)  # no keystroke after this
        assert eventually(lambda: stored(live_db, card) == {"c1": Decimal("7")})
        expect(page.locator("#autosave-status")).to_have_text("Enregistré")
    finally:
        context.close()


def test_a_reload_while_offline_keeps_the_typed_score(browser, live_server, live_db, scene):
    card, url = scene["card"], live_server.url + scene["path"]
    context, page = tab(browser, live_server, scene["juror"])
    try:
        page.goto(url)
        page.wait_for_load_state("load")
        context.set_offline(True)
        page.fill("#score-c2", "4,5")
        expect(page.locator("#autosave-status")).to_contain_text("Pas encore enregistré")
        with pytest.raises(PlaywrightError):
            page.reload()  # the browser's offline page: the scoring page and its script are gone
        context.set_offline(False)
        page.goto(url)
        page.wait_for_load_state("load")
        expect(page.locator("#score-c2")).to_have_value("4,5")
        expect(page.locator("#total")).to_have_text("45,00")
        assert eventually(lambda: stored(live_db, card) == {"c2": Decimal("4.5")})
        expect(page.locator("#autosave-status")).to_have_text("Enregistré")
        page.reload()
        page.wait_for_load_state("load")
        expect(page.locator("#score-c2")).to_have_value("4,5")  # stored 4.5, read back as the juror typed it
    finally:
        context.close()
