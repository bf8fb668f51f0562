"""The live total in the browser agrees with the server's exact total on the same inputs (Chromium).

A juror types tricky values (weights 2, 1.5 and 1; scales 0–5, 1–10 and 0–10; French decimal commas,
four decimals, spaces, an optional criterion left blank) and the page saves them (autosave): the
total the page previewed while typing is the total the server's page shows for the saved
scorecard, and the one ``services/scoring.py`` computes from what was stored.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from judging.core.models import utcnow
from judging.jury import scoring
from judging.jury.models import Assignment, CriterionScore
from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

CODES = ("a", "b", "c")
#: (a on 0–5 weight 2, b on 1–10 weight 1.5, c on 0–10 weight 1 and optional), as a juror types them
TYPED = [
    ("5", "7,5", ""),
    ("2,5", "1", "10"),
    ("0,0001", "9,9999", "3,3333"),
    ("1", "2", "3"),
    ("4,75", "6,25", "0"),
    (" 4,5 ", "7.5", "1"),
    ("3", "", ""),
    ("", "", ""),
]


@pytest.fixture
def scene(live_make, live_db):
    juror = live_make.user(email="jure@example.org", name="Jules Juré", roles=["juror"], language="fr")
    prize = live_make.prize(name={"fr": "Prix Innovation", "en": "Innovation Award"})
    rnd = live_make.round(
        prize, criteria=0, jurors_per_application=1, judging_closes_at=utcnow() + timedelta(days=5)
    )
    for position, (code, weight, low, high, required) in enumerate(
        [("a", "2", "0", "5", True), ("b", "1.5", "1", "10", True), ("c", "1", "0", "10", False)]
    ):
        live_make.criterion(
            rnd, code=code, weight=weight, min_value=low, max_value=high, required=required, position=position
        )
    application = live_make.application(prize, ref="INN-001", title="Robot de serre")
    live_make.jury(rnd, juror)
    card = live_make.scorecard(rnd, juror, application, status="assigned")
    live_db.commit()
    return {"juror": juror, "card": card, "path": f"/jury/rounds/{rnd.id}/applications/{application.id}"}


def server_total(page) -> str:
    """The total in the page as the server wrote it (fetched again, before any script runs)."""
    html = page.request.get(page.url).text()
    [text] = re.findall(r'<output id="total"[^>]*>([^<]*)</output>', html)
    return text


def stored_total(live_db, card) -> str:
    live_db.expire_all()
    stored = live_db.get(Assignment, card.id)
    codes = {c.id: c.code for c in stored.round.criteria}
    values = {
        codes[criterion_id]: value
        for criterion_id, value in live_db.execute(
            select(CriterionScore.criterion_id, CriterionScore.value).where(
                CriterionScore.assignment_id == card.id
            )
        )
    }
    return scoring.format_total(scoring.total_of(stored.round.criteria, values), "fr")


def type_scores(page, values: tuple[str, ...]) -> None:
    for code, value in zip(CODES, values, strict=True):
        page.fill(f"#score-{code}", value)


def test_the_live_total_is_the_servers_total_for_the_saved_scorecard(page, live_server, live_db, scene):
    log_in(page, live_server.url, scene["juror"].email, PASSWORD)
    page.goto(live_server.url + scene["path"])
    previews, shown, computed = [], [], []
    for values in TYPED:
        type_scores(page, values)
        previews.append(page.locator("#total").text_content())
        expect(page.locator("#autosave-status")).to_have_text("Enregistré")  # saved as typed
        shown.append(server_total(page))
        computed.append(stored_total(live_db, scene["card"]))
    assert previews == shown == computed
    assert previews[0] == "88,10" and previews[-1] == "—"  # 100 × (2 × 1 + 1.5 × 6.5/9) / 3.5


def test_a_score_the_server_would_refuse_never_counts_in_the_preview(page, live_server, live_db, scene):
    """More than four decimals (the server keeps four and refuses the save) or outside the scale:
    the preview leaves the value out, as the server's total does, and says why."""
    log_in(page, live_server.url, scene["juror"].email, PASSWORD)
    page.goto(live_server.url + scene["path"])
    type_scores(page, ("5", "7,5", ""))
    alone = page.locator("#total").text_content()
    for wrong in ("2,12345", "11", "deux"):
        page.fill("#score-c", wrong)
        page.locator("#score-c").dispatch_event("change")
        expect(page.locator("#total")).to_have_text(alone)
        expect(page.locator("#score-c")).to_have_attribute("aria-invalid", "true")
    with page.expect_navigation():
        page.click("#save-draft")
    expect(page.locator("#score-c-errors")).not_to_be_empty()
    assert stored_total(live_db, scene["card"]) == "—"  # nothing was saved


def test_a_score_typed_with_a_dot_saves_then_changes_without_a_false_stale_refusal(
    page, live_server, live_db, scene
):
    """A French page shows a saved 7.5 as « 7,5 »: the copy kept on the device while saving ("7.5") is
    the same scorecard, so it is not put back over the saved page with its old version (the next
    save was refused as "changed in another tab")."""
    log_in(page, live_server.url, scene["juror"].email, PASSWORD)
    page.goto(live_server.url + scene["path"])
    type_scores(page, ("4", "7.5", " 1 "))
    with page.expect_navigation():
        page.click("#save-draft")
    expect(page.locator("#score-b")).to_have_value("7,5")
    page.fill("#score-a", "5")
    with page.expect_navigation():
        page.click("#save-draft")
    assert page.locator(".alert-danger").all_text_contents() == []
    assert stored_total(live_db, scene["card"]) == page.locator("#total").text_content()
    live_db.expire_all()
    assert live_db.get(Assignment, scene["card"].id).status == "draft"
    expect(page.locator("#score-a")).to_have_value("5")
