"""Issue 13's "Done when": the whole evening in Chromium, in order, as the people in the room see it.

The organizer runs the live final from the projector's keys (a 1280 px laptop: the control, the
projector page, then the results, the audience award and the reveal screen); the two jurors' phones,
the chair's board and the three voters' phones are 375 px wide. Live mode goes through three pitches;
both jurors score each one (one of them offline for the second pitch, then back: the score arrives
once); the chair's board fills in without a reload; the organizer closes judging, records the winner
and freezes the final on the results page, opens the audience vote, three phones vote, the vote
closes, and the reveal screen, stepped through, shows the prize's winner then the audience award's.

Built with builders, not through the UI: the round, its jury and pitch order (the pitch-night fixture
of ``test_pitch_night.py``) and the three ``finalist`` decisions, whose UI path (selecting the
finalists on the preselection's results page) is covered by ``test_sweep.py`` and the results tests.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from judging.audience.models import AudienceVote
from judging.jury.models import Assignment
from judging.live.models import ReceivedSubmission
from judging.results.models import Decision
from tests.browser.conftest import log_in
from tests.browser.test_audience_vote import SIDEWAYS, sign_in
from tests.browser.test_audience_vote import phone as voter_phone
from tests.browser.test_pitch_night import BOTH, PENDING, SAVED, board_row, evening, score, sync_of
from tests.browser.test_pitch_night import phone as juror_phone
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

__all__ = ["evening"]  # the pitch-night fixture, used by the_evening below

CODE = "mtl-2026"  # the code the audience vote helpers sign in at


@pytest.fixture
def the_evening(evening, live_db):
    """Pitch night's round, jury and pitch order, in an edition whose three pitches are its finalists."""
    rnd, apps, organizer, chair, other = evening
    rnd.prize.edition.code = CODE
    prize_id, round_id = rnd.prize_id, rnd.id
    for application in apps:
        live_db.add(
            Decision(prize_id=prize_id, round_id=round_id, application_id=application.id, outcome="finalist")
        )
    live_db.commit()
    return evening


def received(live_db) -> int:
    live_db.expire_all()
    return live_db.scalar(select(func.count()).select_from(ReceivedSubmission))


def run_the_pitches(browser, page, base, live_db, the_evening) -> None:
    """Live mode through three pitches; two phones score; the chair's board fills in by itself."""
    rnd, apps, organizer, chair, other = the_evening
    page.goto(f"{base}/organizer/rounds/{rnd.id}/live/control")
    screen = page.context.new_page()
    screen.goto(f"{base}/organizer/rounds/{rnd.id}/live/screen")
    screen.wait_for_load_state("load")
    board = juror_phone(browser, base, chair.email).context.new_page()  # the chair's own board
    board.goto(f"{base}/jury/rounds/{rnd.id}/live/control")
    board.evaluate("window.stillTheSamePage = true")
    first, second = juror_phone(browser, base, chair.email), juror_phone(browser, base, other.email)

    screen.keyboard.press(" ")  # the first pitch
    expect(screen.locator("#live-current")).to_have_text("FIN-1 · Finaliste 1")
    for tab in (first, second):
        tab.goto(f"{base}/jury/rounds/{rnd.id}/live")
        expect(tab.locator("#live-phone-now")).to_contain_text("FIN-1 · Finaliste 1")
    score(first, apps[0], "8")
    score(second, apps[0], "7,5")
    expect(board_row(board, apps[0]).locator(".live-scored")).to_have_text(BOTH)

    screen.keyboard.press("ArrowRight")  # the second pitch: Samuel's phone loses the network
    for tab in (first, second):
        expect(tab.locator("#live-phone-now")).to_contain_text("FIN-2 · Finaliste 2")
    second.context.set_offline(True)
    score(second, apps[1], "6")
    expect(sync_of(second, apps[1])).to_have_text(PENDING)
    score(first, apps[1], "9")
    expect(sync_of(first, apps[1])).to_have_text(SAVED)
    expect(board_row(board, apps[1]).locator(".live-scored")).to_have_text("Charlotte Présidente")
    expect(board_row(board, apps[1]).locator(".live-waiting")).to_have_text("Samuel Second")
    assert received(live_db) == 3
    second.context.set_offline(False)
    expect(sync_of(second, apps[1])).to_have_text(SAVED, timeout=15_000)
    expect(board_row(board, apps[1]).locator(".live-scored")).to_have_text(BOTH)

    screen.keyboard.press("ArrowRight")  # the third pitch
    expect(screen.locator("#live-current")).to_have_text("FIN-3 · Finaliste 3")
    for tab in (first, second):
        expect(tab.locator("#live-phone-now")).to_contain_text("FIN-3 · Finaliste 3")
    score(first, apps[2], "5")
    score(second, apps[2], "10")
    expect(board_row(board, apps[2]).locator(".live-scored")).to_have_text(BOTH)
    expect(board.locator("#live-standings tbody tr")).to_have_count(3)
    assert board.evaluate("window.stillTheSamePage") is True  # the board filled in without a reload
    assert received(live_db) == 6  # the offline score arrived once
    statuses = live_db.scalars(select(Assignment.status).where(Assignment.round_id == rnd.id)).all()
    assert statuses == ["submitted"] * 6
    for tab in (board, first, second):
        tab.context.close()
    screen.close()


def decide_the_final(page, base, rnd, winner) -> None:
    """The organizer closes judging, records the winner (mean 7.75 against 7.5 and 7.5) and freezes."""
    round_url = f"{base}/organizer/editions/{rnd.prize.edition_id}/prizes/{rnd.prize_id}/rounds/{rnd.id}"
    page.goto(f"{round_url}/phase")
    page.select_option("#phase-form select[name=target]", "deliberation")
    page.click("#phase-form button")
    page.goto(f"{round_url}/results")
    page.select_option("#winner-form select[name=application_id]", str(winner.id))
    page.click("#winner-form button")
    expect(page.locator("#current-winner")).to_contain_text("FIN-1 · Finaliste 1")
    page.click("#freeze-final")
    expect(page.locator("body")).to_contain_text("Les résultats de la finale sont figés.")


def audience_votes(browser, page, base, live_db, edition, apps) -> None:
    """The organizer opens the vote on the three pitches; three phones vote; the vote closes."""
    page.goto(f"{base}/organizer/editions/{edition.id}")
    page.click("#edition-audience")
    for application in apps:
        page.check(f"input[name=finalists][value='{application.id}']")
    page.click("#save-finalists")
    page.click("#open-vote")
    expect(page.locator("body")).to_contain_text("Le vote du public est ouvert.")
    for email, locale, choice, counted in (
        ("ana@example.org", "fr-CA", 0, "Votre vote est compté."),
        ("ben@example.org", "en-CA", 1, "Your vote is counted."),
        ("cleo@example.org", "fr-CA", 1, "Votre vote est compté."),
    ):
        context, voter = voter_phone(browser, locale)
        sign_in(voter, base, live_db, email)
        voter.check(f"input[name=choice][value='{apps[choice].id}']")
        voter.click("#cast-vote")
        expect(voter.locator("body")).to_contain_text(counted)
        assert not voter.evaluate(SIDEWAYS)
        context.close()
    page.reload()
    expect(page.locator("#turnout-votes")).to_have_text("3")
    page.click("#close-vote")
    expect(page.locator("body")).to_contain_text("Le vote du public est terminé.")
    live_db.expire_all()
    assert sorted(v.application_id for v in live_db.scalars(select(AudienceVote))) == sorted(
        [apps[0].id, apps[1].id, apps[1].id]
    )


def step_to(screen, kind: str) -> None:
    """Press "Next" on the reveal screen until the step of ``kind`` is projected."""
    for _ in range(10):
        if screen.locator("#stage").get_attribute("data-kind") == kind:
            return
        screen.click("#next")
        screen.wait_for_load_state()
    raise AssertionError(f"the reveal never reached {kind}")


def who(application) -> str:
    return application.contact_name or application.org_name


def test_the_evening_at_375_px(browser, page, live_server, live_db, the_evening):
    rnd, apps, organizer, chair, other = the_evening
    base = live_server.url
    log_in(page, base, organizer.email, PASSWORD)

    run_the_pitches(browser, page, base, live_db, the_evening)
    decide_the_final(page, base, rnd, apps[0])
    audience_votes(browser, page, base, live_db, rnd.prize.edition, apps)

    page.goto(f"{base}/organizer/editions/{rnd.prize.edition_id}/ceremony/reveal")
    step_to(page, "winner")
    expect(page.locator("#stage")).to_contain_text("Grand prix")
    expect(page.locator("#winner")).to_have_text(who(apps[0]))
    expect(page.locator("#stage .project")).to_have_text("Finaliste 1")
    step_to(page, "audience_finalists")
    for application in apps:
        expect(page.locator("#stage")).to_contain_text(application.title)
    step_to(page, "audience_winner")
    expect(page.locator("#stage")).to_contain_text("Prix du public")
    expect(page.locator("#winner-1")).to_have_text(who(apps[1]))  # two of the three phones
    expect(page.locator("#stage")).to_contain_text("Finaliste 2")
    expect(page.locator("#winner-2")).to_have_count(0)
    stage = page.inner_text("#stage")
    assert "Finaliste 1" not in stage and "Finaliste 3" not in stage
