"""The organizer's applications list reads well at 40 rows on a desktop (issue 15 item 15).

Seen on the demo at 1280 px: rows four or five lines tall (prize names, « Petite ou moyenne entreprise
(PME) », « 2026-05-07 à / 22 h 35 / (HAE) » wrapped) and about six rows visible in an inner scroll box
80 % of the window high, the last one cut mid-line. The page now scrolls, not the table: each row
holds on two lines at most and a window's height shows a good part of the page of 40.
"""

from __future__ import annotations

import os

import pytest

from tests.browser.demo_pages import open_as

pytestmark = pytest.mark.browser

#: where a screenshot goes when JUDGING_SCREENSHOTS names a folder (docs/screenshots/README.md)
SHOTS = os.environ.get("JUDGING_SCREENSHOTS")

ROWS = """() => {
  const table = document.querySelector('#applications');
  const head = table.querySelector('thead').getBoundingClientRect();
  const cell = table.querySelector('tbody td');
  const style = getComputedStyle(cell);
  const line = parseFloat(style.lineHeight);
  const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
  const rows = [...table.querySelectorAll('tbody tr')].map(row => row.getBoundingClientRect());
  const region = table.closest('.table-responsive');
  return {
    line, padding, count: rows.length,
    tallest: Math.max(...rows.map(box => box.height)),
    within: rows.filter(box => box.bottom <= head.bottom + 1000).length,
    innerScroll: region.scrollHeight > region.clientHeight + 1,
    sideways: region.scrollWidth > region.clientWidth + 1,
    page: document.documentElement.scrollWidth,
  };
}"""


def _open_list(browser, live_db, live_server, width: int, language: str = "fr-CA"):
    from judging.devdata import demo

    edition = demo.load_demo(live_db)
    live_db.commit()
    context, page = open_as(browser, live_server.url, "organizer", language, width)
    page.goto(f"{live_server.url}/organizer/editions/{edition.id}/applications")
    return context, page


@pytest.mark.parametrize("language", ["fr-CA", "en-CA"])
def test_at_1280_px_forty_rows_read_as_a_list(browser, live_app, live_db, live_server, language):
    context, page = _open_list(browser, live_db, live_server, 1280, language)
    found = page.evaluate(ROWS)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"applications-list-{language[:2]}-1280.png"))
    context.close()
    assert found["count"] >= 40, found  # a page of the list (50 rows)
    assert found["tallest"] <= 2 * found["line"] + found["padding"] + 2, found  # two lines at most
    assert found["within"] >= 15, found
    assert not found["innerScroll"] and not found["sideways"] and found["page"] == 1280, found


def test_a_short_label_keeps_its_full_text_for_screen_readers(browser, live_app, live_db, live_server):
    context, page = _open_list(browser, live_db, live_server, 1280)
    row = page.locator("#applications tbody tr", has_text="Petite ou moyenne entreprise (PME)").first
    submitted = row.locator("td time")
    seen = {
        "shown": row.locator("td.org-type [aria-hidden=true]").inner_text(),
        "shown_title": row.locator("td.org-type [aria-hidden=true]").get_attribute("title"),
        "read": row.locator("td.org-type .visually-hidden").inner_text(),
        "date": submitted.inner_text(),
        "date_title": submitted.get_attribute("title"),
    }
    context.close()
    assert seen["shown"].strip() == "PME" and seen["read"] == "Petite ou moyenne entreprise (PME)", seen
    assert seen["shown_title"] == seen["read"], seen  # the full label on hover too
    assert "\u00a0h\u00a0" in seen["date_title"] and "(HAE)" in seen["date_title"], seen
    assert len(seen["date"].strip()) == len("2026-05-07"), seen
