"""In Chromium: the chair's board fills in who abstains or declares a conflict without a reload
(static/js/live.js rewrites the board from board.json with the words the page passes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from judging.core.models import utcnow
from judging.jury.models import Assignment
from judging.results.models import PitchSlot
from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_the_board_shows_a_new_abstention_without_a_reload(page, live_server, live_make, live_db):
    prize = live_make.prize(name={"fr": "Grand prix", "en": "Grand Prize"})
    rnd = live_make.round(prize, code="final", criteria=0, judging_closes_at=utcnow() + timedelta(days=1))
    live_make.criterion(rnd, code="pitch", weight=1, min_value=0, max_value=10)
    apps = [live_make.application(prize, ref=f"FIN-{i}", title=f"Finaliste {i}") for i in (1, 2)]
    chair = live_make.user(email="chair@example.org", name="Charlotte Présidente", roles=["juror"])
    other = live_make.user(email="other@example.org", name="Samuel Second", roles=["juror"])
    live_make.jury(rnd, chair, other)[0].is_chair = True
    cards = {a.id: live_make.scorecard(rnd, other, a, status="assigned") for a in apps}
    for application in apps:
        live_make.scorecard(rnd, chair, application, status="assigned")
    for position, application in enumerate(apps):
        live_db.add(PitchSlot(round_id=rnd.id, application_id=application.id, position=position))
    live_db.commit()

    log_in(page, live_server.url, "chair@example.org", PASSWORD)
    page.goto(f"{live_server.url}/jury/rounds/{rnd.id}/live/control")
    cell = page.locator(f'#live-board tr[data-application="{apps[0].id}"] td.live-abstained')
    expect(cell).to_have_text("—")
    card = live_db.get(Assignment, cards[apps[0].id].id)
    card.status = "recused"
    live_db.commit()
    expect(cell).to_have_text("Samuel Second (conflit d’intérêts)")
    waiting = page.locator(f'#live-board tr[data-application="{apps[0].id}"] td.live-waiting')
    expect(waiting).to_have_text("Charlotte Présidente")


def test_the_control_page_reads_on_a_phone_with_every_column_filled(browser, live_server, live_make, live_db):
    from pathlib import Path

    from tests.browser.test_sweep import AXE_RUN, OVERFLOW

    prize = live_make.prize(name={"fr": "Grand prix", "en": "Grand Prize"})
    rnd = live_make.round(prize, code="final", criteria=0, judging_closes_at=utcnow() + timedelta(days=1))
    live_make.criterion(rnd, code="pitch", weight=1, min_value=0, max_value=10)
    apps = [
        live_make.application(prize, ref=f"FIN-{i}", title=f"Finaliste au long titre {i}") for i in (1, 2)
    ]
    names = ["Charlotte Présidente-Longuenom", "Samuel Second-Deuxième", "Amélie Abstention", "Rémi Récusé"]
    jurors = [
        live_make.user(email=f"j{i}@example.org", name=name, roles=["juror"]) for i, name in enumerate(names)
    ]
    live_make.jury(rnd, *jurors)[0].is_chair = True
    statuses = ["submitted", "assigned", "abstained", "recused"]
    for user, status in zip(jurors, statuses, strict=True):
        for application in apps:
            live_make.scorecard(
                rnd, user, application, status=status, scores={"pitch": 7} if status == "submitted" else None
            )
    for position, application in enumerate(apps):
        live_db.add(PitchSlot(round_id=rnd.id, application_id=application.id, position=position))
    live_db.commit()

    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="fr-CA")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, live_server.url, "j0@example.org", PASSWORD)
    page.goto(f"{live_server.url}/jury/rounds/{rnd.id}/live/control")
    cell = page.locator(f'#live-board tr[data-application="{apps[0].id}"] td.live-abstained')
    expect(cell).to_have_text("Amélie Abstention (abstention), Rémi Récusé (conflit d’intérêts)")
    page.wait_for_timeout(2500)  # one refresh of the board by live.js
    assert page.evaluate(OVERFLOW) <= 375
    page.evaluate((Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8"))
    assert page.evaluate(AXE_RUN) == []
    context.close()
