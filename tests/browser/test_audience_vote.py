"""The audience award in Chromium: an organizer opens the vote, three phones (375 px) vote, it closes.

One phone votes in English and changes its vote; a phone that tries after closing is refused and
nothing is counted; the organizer's audited look shows the tally; no vote page scrolls sideways.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from judging.audience.models import AudienceVote
from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.integration.audience.conftest import finalist_setup, last_code

pytestmark = pytest.mark.browser

SIDEWAYS = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"


def phone(browser, locale: str):
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale=locale,
        timezone_id="America/Montreal",
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def sign_in(page, base: str, db, email: str) -> None:
    page.goto(f"{base}/audience/mtl-2026")
    assert not page.evaluate(SIDEWAYS)
    page.fill("input[name=email]", email)
    page.click("#send-code")
    db.expire_all()
    page.fill("input[name=code]", last_code(db, email))
    page.click("#check-code")


def test_three_phones_vote_the_vote_closes_and_the_tally_is_looked_at(
    browser, live_server, live_db, live_make, page
):
    base = live_server.url
    organizer = live_make.user(email="orga@example.org", roles=["organizer"])
    evening = finalist_setup(live_make, live_db, state="setup")
    live_db.commit()

    log_in(page, base, organizer.email, PASSWORD)
    page.goto(f"{base}/organizer/editions/{evening.edition.id}")
    page.click("#edition-audience")
    for finalist in evening.finalists:
        page.check(f"input[name=finalists][value='{finalist.id}']")
    page.click("#save-finalists")
    page.click("#open-vote")
    assert "Le vote du public est ouvert." in page.inner_text("body")

    contexts = []
    for email, locale, choice in (
        ("ana@example.org", "fr-CA", 0),
        ("ben@example.org", "en-CA", 1),
        ("cleo@example.org", "fr-CA", 1),
    ):
        context, voter = phone(browser, locale)
        contexts.append((context, voter))
        sign_in(voter, base, live_db, email)
        voter.check(f"input[name=choice][value='{evening.finalists[choice].id}']")
        voter.click("#cast-vote")
        assert not voter.evaluate(SIDEWAYS)
    english = contexts[1][1]
    assert "Your vote is counted." in english.inner_text("body")
    english.check(f"input[name=choice][value='{evening.finalists[2].id}']")
    english.click("#cast-vote")
    assert "Your vote is changed. Only your latest choice counts." in english.inner_text("body")
    assert "Cobalt Climat" in english.inner_text("#current-vote")

    page.reload()
    assert page.inner_text("#turnout-votes") == "3"
    page.click("#close-vote")
    late = contexts[0][1]  # its ballot was loaded before the vote closed
    late.check(f"input[name=choice][value='{evening.finalists[2].id}']")
    late.click("#cast-vote")
    assert "Le vote est terminé. Rien n’a été compté." in late.inner_text("#refusal")

    page.click("#look-at-tally")
    rows = page.locator("#tally tbody tr").all_inner_texts()
    assert [row.split("\t")[1].split(" MTL")[0].strip() for row in rows] == [
        "Aurore Robotique",
        "Boréal Santé",
        "Cobalt Climat",
    ]
    assert [row.split("\t")[2].strip() for row in rows] == ["1", "1", "1"]
    narrow, organizer_phone = phone(browser, "fr-CA")  # the organizer's pages on a phone too
    log_in(organizer_phone, base, organizer.email, PASSWORD)
    organizer_phone.goto(f"{base}/organizer/editions/{evening.edition.id}/audience")
    assert organizer_phone.inner_text("#turnout-votes") == "3"
    assert not organizer_phone.evaluate(SIDEWAYS)
    organizer_phone.goto(f"{base}/organizer/editions/{evening.edition.id}/audience/screen")
    assert not organizer_phone.evaluate(SIDEWAYS)
    narrow.close()
    live_db.expire_all()
    stored = {v.application_id for v in live_db.scalars(select(AudienceVote))}
    assert stored == {f.id for f in evening.finalists}  # Ana's late change was not counted
    for context, _page in contexts:
        context.close()
