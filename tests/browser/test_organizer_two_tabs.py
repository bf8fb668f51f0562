"""Two organizers edit one prize in two browsers (two Chromium contexts): nothing is overwritten."""

from __future__ import annotations

import pytest

from judging.editions.models import Prize
from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def second_page(browser):
    context = browser.new_context(locale="fr-CA", timezone_id="America/Montreal")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_the_second_organizer_sees_who_changed_what_and_keeps_her_text(
    page, second_page, live_server, live_make, live_db
):
    olive = live_make.user(email="olive@example.org", roles=["organizer"], name="Olive Organisatrice")
    odile = live_make.user(email="odile@example.org", roles=["organizer"], name="Odile Bernier-Sauvé")
    prize = live_make.prize(description={"fr": "Description d’origine", "en": ""}, sponsor="Banque Fictive")
    live_db.commit()
    url = f"{live_server.url}/organizer/editions/{prize.edition_id}/prizes/{prize.id}/edit"

    log_in(page, live_server.url, olive.email, PASSWORD)
    log_in(second_page, live_server.url, odile.email, PASSWORD)
    page.goto(url)
    second_page.goto(url)

    second_page.fill("textarea[name=description_fr]", "La description d’Odile")
    second_page.fill("input[name=sponsor]", "Commanditaire d’Odile")
    second_page.click("#save-prize")
    second_page.wait_for_load_state()
    assert "Prix enregistré" in second_page.content()

    page.fill("textarea[name=description_fr]", "La description d’Olive")
    page.click("#save-prize")
    page.wait_for_load_state()
    alert = page.locator("#stale-edit").inner_text()
    expected = "Odile Bernier-Sauvé a modifié ce prix pendant que vous l’éditiez (description, commanditaire)"
    assert expected in alert
    assert "La description d’Odile" in page.locator("#stale-changes").inner_text()
    assert page.input_value("textarea[name=description_fr]") == "La description d’Olive"
    assert "Prix enregistré" not in page.content()
    live_db.expire_all()
    assert live_db.get(Prize, prize.id).description["fr"] == "La description d’Odile"

    # Having compared, Olive saves again on purpose.
    page.click("#save-prize")
    page.wait_for_load_state()
    assert "Prix enregistré" in page.content()
    live_db.expire_all()
    stored = live_db.get(Prize, prize.id)
    assert stored.description["fr"] == "La description d’Olive"
    assert stored.sponsor == "Commanditaire d’Odile"  # Olive had not touched it: the page took Odile's
