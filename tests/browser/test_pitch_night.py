"""Pitch night in Chromium at 375 px: the organizer runs the live final from the projector's keys,
two jurors' phones follow the pitches and score them (one of them offline for a pitch, then back),
and the control page's board fills in without a reload."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from judging.core.models import utcnow
from judging.jury.models import Assignment
from judging.live.models import ReceivedSubmission
from judging.results.models import PitchSlot
from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SAVED = "Enregistré sur le serveur"
PENDING = "En attente du réseau"
BOTH = "Charlotte Présidente, Samuel Second"


@pytest.fixture
def evening(live_make, live_db):
    prize = live_make.prize(name={"fr": "Grand prix", "en": "Grand Prize"})
    rnd = live_make.round(prize, code="final", criteria=0, judging_closes_at=utcnow() + timedelta(days=1))
    live_make.criterion(rnd, code="pitch", weight=1, min_value=0, max_value=10)
    apps = [live_make.application(prize, ref=f"FIN-{i}", title=f"Finaliste {i}") for i in (1, 2, 3)]
    organizer = live_make.user(email="orga@example.org", name="Olive Organisatrice", roles=["organizer"])
    chair = live_make.user(email="chair@example.org", name="Charlotte Présidente", roles=["juror"])
    other = live_make.user(email="other@example.org", name="Samuel Second", roles=["juror"])
    live_make.jury(rnd, chair, other)[0].is_chair = True
    for user in (chair, other):
        for application in apps:
            live_make.scorecard(rnd, user, application, status="assigned")
    for position, application in enumerate(apps):
        live_db.add(PitchSlot(round_id=rnd.id, application_id=application.id, position=position))
    live_db.commit()
    return rnd, apps, organizer, chair, other


def phone(browser, base_url: str, email: str):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, locale="fr-CA"
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    log_in(tab, base_url, email, PASSWORD)
    return tab


def score(tab, application, value: str) -> None:
    form = tab.locator(f"#pitch-{application.id} form")
    expect(form.locator("button[name=action]")).to_be_enabled()
    form.locator("input[name=score-pitch]").fill(value)
    form.locator("button[name=action]").click()


def sync_of(tab, application):
    return tab.locator(f"#pitch-{application.id}-sync")


def board_row(control, application):
    return control.locator(f"#live-board tr[data-application='{application.id}']")


def test_pitch_night(browser, page, live_server, live_db, evening):
    rnd, apps, organizer, chair, other = evening
    base = live_server.url
    log_in(page, base, organizer.email, PASSWORD)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{base}/organizer/rounds/{rnd.id}/live/control")
    page.evaluate("window.stillTheSamePage = true")
    screen = page.context.new_page()
    screen.set_viewport_size({"width": 375, "height": 740})
    screen.goto(f"{base}/organizer/rounds/{rnd.id}/live/screen")
    screen.wait_for_load_state("load")

    screen.keyboard.press(" ")  # start: the first pitch
    expect(screen.locator("#live-current")).to_have_text("FIN-1 · Finaliste 1")
    expect(screen.locator("#live-next")).to_have_text("FIN-2 · Finaliste 2")

    first, second = phone(browser, base, chair.email), phone(browser, base, other.email)
    for tab in (first, second):
        tab.goto(f"{base}/jury/rounds/{rnd.id}/live")
        expect(tab.locator("#live-phone-now")).to_contain_text("FIN-1 · Finaliste 1")
        expect(tab.locator(f"#pitch-{apps[1].id} button[name=action]")).to_be_disabled()
    score(first, apps[0], "8")
    score(second, apps[0], "7,5")
    expect(sync_of(first, apps[0])).to_have_text(SAVED)
    expect(sync_of(second, apps[0])).to_have_text(SAVED)
    expect(board_row(page, apps[0]).locator(".live-scored")).to_have_text(BOTH)

    screen.keyboard.press("ArrowRight")  # the second pitch: the phones follow by themselves
    expect(screen.locator("#live-current")).to_have_text("FIN-2 · Finaliste 2")
    for tab in (first, second):
        expect(tab.locator("#live-phone-now")).to_contain_text("FIN-2 · Finaliste 2")
    second.context.set_offline(True)
    score(second, apps[1], "6")
    expect(sync_of(second, apps[1])).to_have_text(PENDING)
    live_db.expire_all()
    assert live_db.scalar(select(func.count()).select_from(ReceivedSubmission)) == 2
    score(first, apps[1], "9")
    expect(sync_of(first, apps[1])).to_have_text(SAVED)
    second.context.set_offline(False)
    expect(sync_of(second, apps[1])).to_have_text(SAVED, timeout=15_000)
    expect(board_row(page, apps[1]).locator(".live-scored")).to_have_text(BOTH)

    screen.keyboard.press("ArrowRight")  # the third pitch
    for tab in (first, second):
        expect(tab.locator("#live-phone-now")).to_contain_text("FIN-3 · Finaliste 3")
    expect(board_row(page, apps[2]).locator(".live-waiting")).to_have_text(BOTH)
    score(first, apps[2], "5")
    score(second, apps[2], "10")
    expect(board_row(page, apps[2]).locator(".live-scored")).to_have_text(BOTH)
    expect(page.locator("#live-standings tbody tr")).to_have_count(3)
    assert page.evaluate("window.stillTheSamePage") is True  # the board filled in without a reload

    live_db.expire_all()
    statuses = live_db.scalars(select(Assignment.status).where(Assignment.round_id == rnd.id)).all()
    assert statuses == ["submitted"] * 6
    assert live_db.scalar(select(func.count()).select_from(ReceivedSubmission)) == 6


def test_a_score_sent_offline_survives_a_reload(browser, page, live_server, live_db, evening):
    rnd, apps, organizer, chair, other = evening
    base = live_server.url
    log_in(page, base, organizer.email, PASSWORD)
    page.goto(f"{base}/organizer/rounds/{rnd.id}/live/control")
    page.click("#live-move-start")
    tab = phone(browser, base, other.email)
    tab.goto(f"{base}/jury/rounds/{rnd.id}/live")
    tab.route("**/send", lambda route: route.abort("internetdisconnected"))  # no send gets through
    score(tab, apps[0], "4,5")
    expect(sync_of(tab, apps[0])).to_have_text(PENDING)
    tab.reload()
    expect(tab.locator(f"#pitch-{apps[0].id} input[name=score-pitch]")).to_have_value("4,5")
    expect(sync_of(tab, apps[0])).to_have_text(PENDING)
    live_db.expire_all()
    assert live_db.scalar(select(func.count()).select_from(ReceivedSubmission)) == 0
    tab.unroute("**/send")
    tab.reload()  # the network is back: the kept score leaves by itself, once
    expect(sync_of(tab, apps[0])).to_have_text(SAVED)
    live_db.expire_all()
    assert live_db.scalar(select(func.count()).select_from(ReceivedSubmission)) == 1
    card = live_db.scalar(
        select(Assignment).where(Assignment.juror_id == other.id, Assignment.application_id == apps[0].id)
    )
    assert card.status == "submitted" and [str(s.value) for s in card.scores] == ["4.5000"]
