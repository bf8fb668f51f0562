"""Issue 15, item 11, in Chromium: what only a browser can measure (contrast, layout on a phone)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

# WCAG 2 contrast ratio of an element's text on the first opaque background behind it.
CONTRAST = """(el) => {
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let node = el, bg = null;
  while (node && !bg) {
    const parts = rgb(getComputedStyle(node).backgroundColor);
    if (parts.length < 4 || parts[3] > 0.99) { if (parts.length < 4 || parts[3] > 0) bg = parts; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def test_the_reference_link_on_my_data_meets_4_5_to_1(live_server, live_make, live_db, page):
    candidate = live_make.user(email="lea@example.com")
    live_make.application(live_make.prize(), applicant=candidate, ref="INN-030")
    live_db.commit()
    log_in(page, live_server.url, "lea@example.com", PASSWORD)
    page.goto(f"{live_server.url}/candidate/my-data")
    link = page.locator("#deletion-blocked a", has_text="INN-030")
    assert link.evaluate(CONTRAST) >= 4.5


# The names, the value labels and the size their text is drawn at on the screen.
CHART_BOXES = r"""() => {
  const svg = document.querySelector('#leniency-chart svg');
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const texts = Array.from(svg.querySelectorAll('text'));
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return {
    names: texts.filter(t => t.textContent.startsWith('Juror')).map(box),
    // the figures beside the bars (the axis' 3 ticks are the last texts)
    values: texts.slice(0, -3).filter(t => /^[+\-−]\d/.test(t.textContent)).map(box),
    smallest: Math.min(...texts.map(t => Number(t.getAttribute('font-size')) * scale)),
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
}"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_leniency_chart_is_readable_on_a_phone_and_its_figures_never_cover_a_name(
    live_server, live_make, live_db, phone_page
):
    from tests.scenarios import five_by_four, results_url

    # J3 is 40 points harsher than the others: the widest bar, drawn to the left, towards the names
    matrix = {
        "J1": {"A": 90, "B": 80, "C": 70},
        "J2": {"A": 88, "B": 82, "C": 72},
        "J3": {"A": 40, "B": 40, "C": 30},
    }
    edition, prize, rnd, _apps, jurors = five_by_four(live_make, live_db, matrix=matrix, code="phone-2026")
    jurors["J3"].name = "Juror Marie-Ève Bélanger-Castonguay de la Durantaye"
    organizer = live_make.user(email="boss@example.org", roles=["organizer"])
    live_db.commit()
    log_in(phone_page, live_server.url, organizer.email, PASSWORD)
    phone_page.goto(live_server.url + results_url(edition, prize, rnd))
    found = phone_page.evaluate(CHART_BOXES)
    assert len(found["names"]) == 3 and len(found["values"]) == 3
    assert not [(n, v) for n in found["names"] for v in found["values"] if _overlap(n, v)]
    assert found["smallest"] >= 10  # px on the phone's screen
    assert found["overflow"] <= 0
