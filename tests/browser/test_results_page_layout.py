"""A round's results page in Chromium (issue 15, items 6 and 9 of docs/screenshots/README.md): the
ranking is not trapped in an inner scroll box (the page scrolls, no row cut, print shows every
row), and on a phone its column headings stay on one line inside the sideways scroll region."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.scenarios import five_by_four, results_url

pytestmark = pytest.mark.browser

APPLICATIONS = 30

REGION = """() => {
  const region = document.querySelector('#ranking-table').closest('.table-responsive');
  const heads = [...document.querySelectorAll('#ranking-table thead th')];
  const line = parseFloat(getComputedStyle(heads[0]).lineHeight);
  return {
    scrollHeight: region.scrollHeight, clientHeight: region.clientHeight,
    scrollWidth: region.scrollWidth, clientWidth: region.clientWidth,
    page: document.documentElement.scrollWidth,
    tallest: Math.max(...heads.map(th => th.getBoundingClientRect().height)),
    line,
    rows: document.querySelectorAll('#ranking-table tr.result-row').length,
  };
}"""


@pytest.fixture
def thirty_applications(live_make, live_db):
    matrix = {
        juror: {f"INN-{n:03d}": (n * 7 + shift) % 101 for n in range(1, APPLICATIONS + 1)}
        for juror, shift in (("J1", 3), ("J2", 11), ("J3", 29))
    }
    edition, prize, rnd, *_ = five_by_four(live_make, live_db, matrix=matrix, finalists=3)
    organizer = live_make.user(email="orga@example.org", roles=["organizer"], name="Olive Organisatrice")
    live_db.commit()
    return results_url(edition, prize, rnd), organizer


def test_the_ranking_is_not_an_inner_scroll_box_and_prints_every_row(page, live_server, thirty_applications):
    url, organizer = thirty_applications
    page.set_viewport_size({"width": 1280, "height": 720})
    log_in(page, live_server.url, organizer.email, PASSWORD)
    page.goto(live_server.url + url)
    box = page.evaluate(REGION)
    assert box["rows"] == APPLICATIONS
    # the region is as tall as its table: nothing scrolls inside it, the page does
    assert box["scrollHeight"] <= box["clientHeight"] + 1, box
    page.emulate_media(media="print")
    printed = page.evaluate(REGION)
    assert printed["scrollHeight"] <= printed["clientHeight"] + 1, printed


def test_on_a_phone_the_headings_stay_on_one_line_in_the_sideways_region(
    phone_page, live_server, thirty_applications
):
    url, organizer = thirty_applications
    log_in(phone_page, live_server.url, organizer.email, PASSWORD)
    phone_page.goto(live_server.url + url)
    box = phone_page.evaluate(REGION)
    # the table scrolls sideways inside its region; the page itself stays 375 px wide
    assert box["scrollWidth"] > box["clientWidth"] and box["page"] <= 375, box
    # « Dispersion (écart type) », « Total de chaque juré » no longer wrap into a 108 px band
    assert box["tallest"] < 2 * box["line"], box
