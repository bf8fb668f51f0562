"""The candidate's « Mes candidatures » on a phone: each application a card, its status in sight.

Seen on the demo at ``--at finalists``: at 375 px the table scrolled sideways inside its box and the
status column (« Soumise · Non retenue », the reason to open the page) was off screen.
"""

from __future__ import annotations

import pytest

from tests.browser.demo_pages import open_as

pytestmark = pytest.mark.browser

STATUS_CELLS = """() => [...document.querySelectorAll('#my-applications tbody tr')].map(row => {
  const cell = row.querySelectorAll('td')[3];
  const box = cell.getBoundingClientRect();
  return {text: cell.innerText.trim(), right: box.right, width: box.width};
})"""


def test_the_candidates_statuses_are_in_sight_on_a_phone(browser, live_app, live_db, live_server):
    from judging.devdata import demo

    demo.load_demo(live_db, at="finalists")
    live_db.commit()
    context, page = open_as(browser, live_server.url, "candidate", "fr-CA", 375)
    page.goto(live_server.url + "/candidate/")
    cells = page.evaluate(STATUS_CELLS)
    context.close()

    assert len(cells) == 2
    assert all(cell["width"] > 0 and cell["right"] <= 375 for cell in cells), cells
    assert any("Non retenue" in cell["text"] for cell in cells), cells
