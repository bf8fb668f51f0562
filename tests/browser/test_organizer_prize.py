"""An organizer sets up a prize with a round and its rubric, in Chromium, through the pages only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from judging.editions.models import Criterion, Prize
from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

UNLABELLED_FIELDS = """
() => [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]
        .filter(el => el.labels === null || el.labels.length === 0)
        .map(el => el.name)
"""


def _organizer_and_edition(live_make, live_db):
    organizer = live_make.user(email="orga@example.org", roles=["organizer"], name="Olive Organisatrice")
    edition = live_make.edition(code="mtl-2026", name={"fr": "Édition 2026", "en": "2026 edition"})
    live_db.commit()
    return organizer, edition


def test_organizer_creates_a_prize_with_a_round_and_two_criteria(page, live_server, live_make, live_db):
    organizer, edition = _organizer_and_edition(live_make, live_db)
    log_in(page, live_server.url, organizer.email, PASSWORD)

    page.goto(f"{live_server.url}/organizer/")
    page.click(f"a[href='/organizer/editions/{edition.id}']")
    assert page.locator("h1").inner_text().startswith("Édition 2026")

    # The prize
    page.click("#new-prize")
    assert page.evaluate(UNLABELLED_FIELDS) == []
    page.fill("input[name=code]", "innovation")
    page.fill("input[name=name_fr]", "Prix de l'innovation")
    page.fill("input[name=name_en]", "Innovation Award")
    page.fill("textarea[name=description_fr]", "Pour un projet qui change la donne.")
    page.fill("input[name=sponsor]", "Banque Fictive")
    page.fill("input[name=presenter_name]", "Alex Martin")
    page.fill("input[name=finalists]", "3")
    page.click("#save-prize")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Prix de l'innovation")
    assert "Banque Fictive" in page.content()

    # The round: its code is suggested
    page.click("#new-round")
    assert page.evaluate(UNLABELLED_FIELDS) == []
    assert page.input_value("input[name=code]") == "preselection"
    page.fill("input[name=name_fr]", "Présélection")
    page.select_option("select[name=method]", "median")
    page.fill("input[name=jurors_per_application]", "3")
    page.check("input[name=blind]")
    page.click("#save-round")
    page.wait_for_load_state()

    # Two criteria, one with a French decimal comma (checked in the database before one is deleted)
    for code, name, weight, low, high in (
        ("impact", "Impact", "35", "0", "10"),
        ("feasibility", "Faisabilité", "2,5", "1", "5"),
    ):
        page.locator("a.add-criterion").first.click()
        assert page.evaluate(UNLABELLED_FIELDS) == []
        page.fill("input[name=code]", code)
        page.fill("input[name=name_fr]", name)
        page.fill("input[name=weight]", weight)
        page.fill("input[name=min_value]", low)
        page.fill("input[name=max_value]", high)
        page.click("#save-criterion")
        page.wait_for_load_state()

    # The tie-break chain may now name a criterion, picked by its name; a repeated step is refused
    # with what was chosen kept
    page.locator("section[id^=round-] a[href$='/edit']").first.click()
    page.select_option("select[name=tie_break-0]", label="La médiane la plus haute")
    page.select_option("select[name=tie_break-1]", label="La médiane la plus haute")
    page.click("#save-round")
    page.wait_for_load_state()
    assert page.locator("#tie_break-errors").is_visible()
    assert "la médiane la plus haute" in page.locator("#tie_break-errors").inner_text()
    assert page.input_value("select[name=tie_break-1]") == "median"
    page.select_option("select[name=tie_break-0]", label="La meilleure note en « Impact »")
    page.click("#save-round")
    page.wait_for_load_state()

    rubric = page.locator("ol.criteria .criterion-name")
    assert rubric.all_inner_texts() == ["Impact", "Faisabilité"]
    shown = " ".join(page.locator("body").inner_text().split())  # the chain in words, not codes
    assert "la meilleure note en « Impact », la médiane la plus haute" in shown

    live_db.expire_all()
    weights = live_db.execute(select(Criterion.code, Criterion.weight).order_by(Criterion.position)).all()
    assert [tuple(row) for row in weights] == [("impact", Decimal(35)), ("feasibility", Decimal("2.5"))]

    # Moving and deleting post forms with their CSRF token
    page.locator("ol.criteria li").first.locator("button[value=down]").click()
    page.wait_for_load_state()
    assert rubric.all_inner_texts() == ["Faisabilité", "Impact"]
    page.locator("ol.criteria li").first.locator("a.btn-outline-danger").click()
    page.click("#confirm-delete")
    page.wait_for_load_state()
    assert rubric.all_inner_texts() == ["Impact"]
    assert page.locator("ol.criteria li").first.locator("button[value=down]").is_disabled()

    live_db.expire_all()
    prize = live_db.scalars(select(Prize).where(Prize.edition_id == edition.id)).one()
    [rnd] = prize.rounds
    assert (prize.code, prize.sponsor, prize.presenter_name) == (
        "innovation",
        "Banque Fictive",
        "Alex Martin",
    )
    assert (rnd.code, rnd.method, rnd.blind, rnd.jurors_per_application) == (
        "preselection",
        "median",
        True,
        3,
    )
    assert rnd.tie_break == ["criterion:impact", "median"]
    assert [(c.code, c.weight, c.min_value, c.max_value) for c in rnd.criteria] == [
        ("impact", Decimal(35), Decimal(0), Decimal(10)),
    ]


def test_setup_pages_fit_a_phone(phone_page, live_server, live_make, live_db):
    organizer, edition = _organizer_and_edition(live_make, live_db)
    prize = live_make.prize(
        edition, code="innovation", name={"fr": "Prix de l'innovation", "en": "Innovation"}
    )
    rnd = live_make.round(prize, phase="setup", criteria=3, tie_break=["criterion:c1", "median"])
    live_make.question(prize, code="website", type="url")
    live_db.commit()
    log_in(phone_page, live_server.url, organizer.email, PASSWORD)

    base = f"{live_server.url}/organizer/editions/{edition.id}"
    phone_page.goto(f"{live_server.url}/organizer/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    prize_path = f"/prizes/{prize.id}"
    for path in ("", "/edit", prize_path, f"{prize_path}/edit", f"{prize_path}/rounds/new",
                 f"{prize_path}/rounds/{rnd.id}/edit", f"{prize_path}/rounds/{rnd.id}/criteria/new",
                 f"{prize_path}/questions/new"):  # fmt: skip
        phone_page.goto(base + path)
        assert phone_page.locator("h1").is_visible()
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
