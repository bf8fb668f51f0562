"""The candidate's autosave on a bad network, in Chromium: text typed offline is sent when the network
comes back, without another keystroke; the status line says "not saved yet" plainly; a reload before
the text got through keeps it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from judging.applications.models import Application
from judging.core.models import utcnow
from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

NOT_SAVED = re.compile(r"Pas encore enregistré — nouvel essai dans (\d+) s")


@pytest.fixture
def prize(live_make, live_db):
    edition = live_make.edition(applications_close=utcnow() + timedelta(days=3))
    prize = live_make.prize(edition, code="innovation", name={"fr": "Prix Innovation", "en": "Innovation"})
    live_db.commit()
    return prize


def open_new_application(page, live_server, live_make, live_db, prize) -> int:
    user = live_make.user(email="hors-ligne@example.org", language="fr")
    live_db.commit()
    log_in(page, live_server.url, user.email, PASSWORD)
    page.goto(f"{live_server.url}/candidate/prizes/{prize.id}/apply")
    page.click("#start-application")
    page.wait_for_load_state("load")  # autosave.js listens only once it has run
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200, timeout=15_000):
        page.fill("#title", "Serre urbaine")
    return int(re.search(r"/applications/(\d+)/edit", page.url).group(1))


def stored_summary(live_db, application_id: int) -> str | None:
    live_db.expire_all()
    return live_db.scalars(select(Application.summary).where(Application.id == application_id)).one()


def status(page) -> str:
    return page.inner_text("#autosave-status")


def test_text_typed_offline_is_sent_when_the_network_comes_back(page, live_server, live_make, live_db, prize):
    application_id = open_new_application(page, live_server, live_make, live_db, prize)

    page.context.set_offline(True)
    page.fill("#summary", "Tapé dans le métro, sans réseau.")
    expect(page.locator("#autosave-status")).to_have_text(re.compile("^Pas encore enregistré"))
    assert NOT_SAVED.search(status(page)), status(page)
    assert "Votre texte est conservé sur cet appareil." in status(page)
    assert stored_summary(live_db, application_id) is None

    # The retries back off: 2 s, then 4 s, then 8 s between attempts.
    expect(page.locator("#autosave-status")).to_have_text(
        re.compile("nouvel essai dans [5-8] s"), timeout=20_000
    )
    # Back online: the browser's "online" event sends the text at once, before the next retry is due,
    # and without another keystroke.
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200, timeout=4_000):
        page.context.set_offline(False)
    expect(page.locator("#autosave-status")).to_have_text(re.compile("^Enregistré à"))
    assert stored_summary(live_db, application_id) == "Tapé dans le métro, sans réseau."


def test_a_reload_before_the_text_got_through_keeps_it(page, live_server, live_make, live_db, prize):
    application_id = open_new_application(page, live_server, live_make, live_db, prize)

    # The page still loads, but no save gets through (a captive portal, a proxy that drops POSTs).
    page.route("**/autosave", lambda route: route.abort("internetdisconnected"))
    page.fill("#summary", "Texte qui n’a pas encore quitté l’appareil.")
    expect(page.locator("#autosave-status")).to_have_text(re.compile("^Pas encore enregistré"))
    page.reload()
    page.wait_for_load_state("load")
    assert page.input_value("#summary") == "Texte qui n’a pas encore quitté l’appareil."
    assert page.locator("#autosave-restored").is_visible()
    assert stored_summary(live_db, application_id) is None

    # Once saves get through again, the restored text reaches the server without a keystroke.
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.status == 200, timeout=70_000):
        page.unroute("**/autosave")
    assert stored_summary(live_db, application_id) == "Texte qui n’a pas encore quitté l’appareil."
