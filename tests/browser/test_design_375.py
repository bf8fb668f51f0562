"""At 375 px (a phone) and 1280 px, no page of the demo scrolls sideways, in French and in English.

The demo is loaded, each role logs in, and every page it can open by a GET whose address needs only
the demo's ids (``tests/browser/demo_pages.py``: taken from the app's URL map, so a new page is swept
without being listed here) is loaded at 375 px: the document must not be wider
than the screen. Wide tables scroll inside their own region, which is labelled and reachable by
keyboard (role="region", tabindex="0", a name).
"""

from __future__ import annotations

import pytest

from tests.browser.demo_pages import demo_urls, is_page, open_as

pytestmark = pytest.mark.browser

# The widest element of the page and the scroll regions that are not reachable or not named.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  let widest = null;
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && (!widest || box.right > widest.right)) {
      widest = {right: Math.round(box.right), tag: el.tagName, cls: String(el.className),
                text: (el.textContent || '').trim().slice(0, 40)};
    }
  }
  return {scroll: document.documentElement.scrollWidth, widest};
}"""
UNREACHABLE_REGIONS = """() => Array.from(document.querySelectorAll('.table-responsive'))
  .filter(el => el.getAttribute('role') !== 'region' || el.getAttribute('tabindex') !== '0'
                || !(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
  .map(el => (el.querySelector('table') || el).id || el.className)"""


@pytest.fixture
def demo_pages(live_app, live_db):
    """``{role: [url, ...]}`` for the demo edition."""
    from judging.devdata import demo

    edition = demo.load_demo(live_db)
    live_db.commit()
    return demo_urls(live_app, live_db, edition)


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("locale", ["fr-CA", "en-CA"])
def test_no_page_of_the_demo_scrolls_sideways(browser, live_server, demo_pages, locale, width):
    too_wide: dict[str, dict] = {}
    unreachable: dict[str, list] = {}
    swept: dict[str, int] = dict.fromkeys(demo_pages, 0)
    for role, urls in demo_pages.items():
        context, page = open_as(browser, live_server.url, role, locale, width)
        for url in urls:
            response = page.goto(live_server.url + url)
            if not is_page(response, page):
                continue
            swept[role] += 1
            result = page.evaluate(OVERFLOW)
            if result["scroll"] > width:
                too_wide[f"{role} {url}"] = result
            missing = page.evaluate(UNREACHABLE_REGIONS)
            if missing:
                unreachable[f"{role} {url}"] = missing
        context.close()
    # the sweep really ran through each role's pages
    assert min(swept.values()) >= 2 and sum(swept.values()) >= 30, swept
    assert too_wide == {}
    assert unreachable == {}
