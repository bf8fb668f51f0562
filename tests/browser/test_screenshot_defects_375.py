"""The issue-15 screenshots' phone defects (docs/screenshots/README.md, items 4, 10 and 14), on the demo
at 375 px in French: the countdown and the dates never break inside, the cockpit's tabs take one
line that scrolls sideways and each prize's next step is on screen, the scorecard has a link at the
top that goes straight to the grille."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from judging.accounts.models import User
from judging.devdata import demo
from judging.jury.models import Assignment
from tests.browser.demo_pages import open_as

pytestmark = pytest.mark.browser

#: the distinct line tops of an element's text, or of the words ``words`` inside it
LINE_TOPS = """([selector, words]) => {
  const el = document.querySelector(selector);
  const range = document.createRange();
  if (words) {
    const node = Array.from(el.childNodes).find(n => n.nodeType === 3 && n.textContent.includes(words));
    const start = node.textContent.indexOf(words);
    range.setStart(node, start);
    range.setEnd(node, start + words.length);
  } else {
    range.selectNodeContents(el);
  }
  return Array.from(new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))));
}"""


@pytest.fixture
def demo_edition(live_app, live_db):
    edition = demo.load_demo(live_db, at="open")
    live_db.commit()
    return edition


def test_the_countdown_and_the_closing_date_stay_whole_on_a_phone(browser, live_server, demo_edition):
    context, page = open_as(browser, live_server.url, "candidate", "fr-CA", 375)
    page.goto(live_server.url + "/")
    assert len(page.evaluate(LINE_TOPS, ["#countdown", None])) == 1
    lead = page.text_content("#window")
    assert "15\u00a0décembre\u00a02026" in lead
    assert len(page.evaluate(LINE_TOPS, ["#window", "15\u00a0décembre\u00a02026"])) == 1
    context.close()


def test_the_cockpit_tabs_take_one_scrolling_line_and_the_next_step_is_on_screen(
    browser, live_server, demo_edition
):
    context, page = open_as(browser, live_server.url, "organizer", "fr-CA", 375)
    page.goto(f"{live_server.url}/organizer/editions/{demo_edition.id}")
    tabs = page.evaluate(
        """() => { const ul = document.querySelector('.edition-tabs');
                   const top = li => Math.round(li.getBoundingClientRect().top);
                   const tops = new Set(Array.from(ul.children).map(top));
                   return {rows: tops.size, height: ul.getBoundingClientRect().height,
                           scrolls: ul.scrollWidth > ul.clientWidth}; }"""
    )
    assert tabs["rows"] == 1 and tabs["scrolls"], tabs
    assert tabs["height"] < 60, tabs
    link = page.locator("#prize-standing .prize-next-step a").first
    box = link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    context.close()
    wide, wide_page = open_as(browser, live_server.url, "organizer", "fr-CA", 1280)
    wide_page.goto(f"{live_server.url}/organizer/editions/{demo_edition.id}")
    # at 1280 px every tab fits on the one line, none hidden off to the right
    widths = "tabs => [tabs.scrollWidth, tabs.clientWidth]"
    scroll_width, client_width = wide_page.locator(".edition-tabs").evaluate(widths)
    assert scroll_width <= client_width, (scroll_width, client_width)
    wide.close()


def test_on_a_phone_the_scorecard_offers_a_way_straight_to_the_grille(
    browser, live_server, live_db, demo_edition
):
    juror = live_db.scalar(select(User).where(User.email == demo.JUROR_EMAIL))
    card = live_db.scalars(select(Assignment).where(Assignment.juror_id == juror.id)).first()
    url = f"{live_server.url}/jury/rounds/{card.round_id}/applications/{card.application_id}"
    context, page = open_as(browser, live_server.url, "juror", "fr-CA", 375)
    page.goto(url)
    skip = page.locator("#skip-to-scorecard")
    assert skip.is_visible() and skip.text_content().strip().startswith("Aller à la grille d’évaluation")
    assert page.locator("#rubric-title").bounding_box()["y"] > 740  # the grille starts below the screen
    skip.click()
    page.wait_for_function("() => document.getElementById('rubric-title').getBoundingClientRect().top < 200")
    context.close()
    wide, wide_page = open_as(browser, live_server.url, "juror", "fr-CA", 1280)
    wide_page.goto(url)
    assert not wide_page.locator("#skip-to-scorecard").is_visible()  # beside the application on a wide screen
    wide.close()
