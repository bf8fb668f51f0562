"""The header keeps the current edition's colours on pages about no edition, and a juror's progress
bars wear the brand's primary (issue 15 item 15).

Seen on the demo: the navy header of the edition's pages turned Bootstrap-like blue on « Mes
candidatures », the juror's dashboard and the error pages, and the juror's progress bars stayed the
browser's bright blue.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.scenarios import five_by_four

pytestmark = pytest.mark.browser

HEADER = "() => getComputedStyle(document.querySelector('.app-header')).backgroundColor"
PROGRESS = "() => [...document.querySelectorAll('progress')].map(bar => getComputedStyle(bar).accentColor)"
NAVY = "#1b2a4a"
NAVY_HEADER = "rgb(20, 32, 56)"  # the primary darkened by a quarter (brand.stylesheet)


def test_the_jurors_dashboard_and_an_error_page_wear_the_current_editions_navy(
    page, live_server, live_make, live_db
):
    edition, _prize, _rnd, _apps, jurors = five_by_four(live_make, live_db, phase="judging")
    edition.brand_primary = NAVY
    live_db.commit()
    log_in(page, live_server.url, jurors["L"].email, PASSWORD)
    page.goto(f"{live_server.url}/jury/")
    seen = {"dashboard": page.evaluate(HEADER), "bars": page.evaluate(PROGRESS)}
    page.goto(f"{live_server.url}/no-such-page")
    seen["missing page"] = page.evaluate(HEADER)
    assert seen["dashboard"] == seen["missing page"] == NAVY_HEADER, seen
    assert seen["bars"] and set(seen["bars"]) == {"rgb(27, 42, 74)"}, seen
