"""The organizer's applications list: the prize tabs are one line that scrolls sideways on a phone,
and every tab shows whole on a desktop.

Seen on the demo: at 375 px the five prize tabs wrapped to five rows (about 240 px) before the
filters, as the edition's own tabs did before they became one scrolling line.
"""

from __future__ import annotations

import pytest

from tests.browser.demo_pages import open_as

pytestmark = pytest.mark.browser

TABS = """() => {
  const tabs = document.querySelector('#prize-tabs');
  const links = [...tabs.querySelectorAll('.nav-link')].map(a => a.getBoundingClientRect());
  return {
    rows: new Set(links.map(box => Math.round(box.top))).size,
    cut: links.filter(box => box.right > tabs.getBoundingClientRect().right + 1).length,
    page: document.documentElement.scrollWidth,
  };
}"""


def _tabs(browser, live_app, live_db, live_server, width: int) -> dict:
    from judging.devdata import demo

    edition = demo.load_demo(live_db)
    live_db.commit()
    context, page = open_as(browser, live_server.url, "organizer", "fr-CA", width)
    page.goto(f"{live_server.url}/organizer/editions/{edition.id}/applications")
    found = page.evaluate(TABS)
    context.close()
    return found


def test_on_a_phone_the_prize_tabs_are_one_line(browser, live_app, live_db, live_server):
    found = _tabs(browser, live_app, live_db, live_server, 375)
    assert found["rows"] == 1 and found["page"] == 375, found


def test_on_a_desktop_every_prize_tab_shows_whole(browser, live_app, live_db, live_server):
    found = _tabs(browser, live_app, live_db, live_server, 1280)
    assert found["cut"] == 0 and found["page"] == 1280, found
