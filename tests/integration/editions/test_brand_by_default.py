"""Pages about no edition wear the current edition's brand (issue 15 item 15).

Seen on the demo: the header navy (the edition's brand) on the home page, the cockpit and every
edition page, then Bootstrap-like blue on « Mes candidatures », the organizer's dashboard and the
error pages: the header changed colour as one navigated. Those pages now wear the brand of the
edition the home page presents; a page about an edition still wears that edition's own (none: the
platform's look).
"""

from __future__ import annotations

import re
from datetime import timedelta

from judging.core.models import utcnow
from judging.editions import brand
from tests.conftest import login

NAVY = "#1b2a4a"


def linked_brand(response) -> str | None:
    """The edition id of the brand stylesheet the page links, None when it links none."""
    found = re.search(
        r'href="/editions/(\d+)/brand\.css[^"]*" id="edition-brand-css"', response.get_data(as_text=True)
    )
    return found.group(1) if found else None


def test_pages_about_no_edition_wear_the_current_editions_brand(client, db, make, organizer, candidate):
    long_ago = utcnow() - timedelta(days=400)
    past = make.edition(code="past-2025", open_now=False, brand_primary="#5d1049", applications_open=long_ago)
    current = make.edition(code="mtl-2026", brand_primary=NAVY, brand_accent="#b0122f")
    plain = make.edition(code="plain-2025", open_now=False, applications_open=long_ago)
    db.commit()
    assert brand.current_brand(db).primary == NAVY
    seen = {"home": linked_brand(client.get("/")), "missing page": linked_brand(client.get("/no-such-page"))}
    seen["login"] = linked_brand(client.get("/auth/login"))
    login(client, candidate)
    seen["my applications"] = linked_brand(client.get("/candidate/"))
    login(client, organizer)
    seen["organizer dashboard"] = linked_brand(client.get("/organizer/"))
    assert seen == dict.fromkeys(seen, str(current.id))
    # a page about an edition wears that edition's brand, or none of the current one
    assert linked_brand(client.get(f"/organizer/editions/{past.id}")) == str(past.id)
    assert linked_brand(client.get(f"/organizer/editions/{plain.id}")) is None
