"""The juror's dashboard lists a round's scorecards 50 a page (a juror of a large edition has hundreds).

What stays whole across pages: the progress counts every scorecard, "Score the next application"
goes to the first one left to score in the juror's order whatever page it is on, the declared
conflicts are named apart on every page. The rows keep the juror's own order and their numbers.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest

from judging.core.models import utcnow
from judging.jury.queries import JUROR_PAGE_SIZE


def english(client) -> None:
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"


@pytest.fixture
def big_round(make, db, juror):
    """One round, 120 scorecards for the juror: the first 60 of the juror's order submitted, the others
    assigned; one more application declared in conflict (recused)."""
    prize = make.prize(name={"fr": "Prix Innovation", "en": "Innovation Award"})
    rnd = make.round(prize, judging_closes_at=utcnow() + timedelta(days=5))
    make.jury(rnd, juror)
    applications = [make.application(prize, ref=f"INN-{n:03d}", title=f"Projet {n}") for n in range(120)]
    declared = make.application(prize, ref="INN-999", title="Projet déclaré")
    db.flush()
    ordered = sorted(applications, key=lambda a: hashlib.sha256(f"{juror.id}:{a.id}".encode()).hexdigest())
    for position, application in enumerate(ordered):
        make.scorecard(rnd, juror, application, status="submitted" if position < 60 else "assigned")
    make.scorecard(rnd, juror, declared, status="recused")
    db.commit()
    return rnd, [a.ref for a in ordered], ordered


def listed(html: str) -> list[str]:
    return re.findall(r'href="/jury/rounds/\d+/applications/\d+">(INN-\d{3}) · ', html)


def test_the_dashboard_lists_one_page_of_the_juror_order_and_keeps_the_whole_progress(
    juror_client, big_round
):
    rnd, refs, ordered = big_round
    english(juror_client)
    html = juror_client.get("/jury/").get_data(as_text=True)
    assert JUROR_PAGE_SIZE == 50
    assert listed(html) == refs[:50]
    assert "60 of 120 submitted" in html
    assert "page 1 of 3" in html
    # the next one to score is the 61st of the order, on the second page
    assert f'id="next-{rnd.id}" href="/jury/rounds/{rnd.id}/applications/{ordered[60].id}"' in html
    assert "INN-999" in html.split("declared-conflicts")[1]  # named apart, not in the list
    assert f'href="/jury/?round={rnd.id}&amp;page=2#round-{rnd.id}"' in html


def test_later_pages_continue_the_order_and_the_numbers(juror_client, big_round):
    rnd, refs, ordered = big_round
    english(juror_client)
    second = juror_client.get(f"/jury/?round={rnd.id}&page=2").get_data(as_text=True)
    assert listed(second) == refs[50:100]
    assert "page 2 of 3" in second
    assert 'start="51"' in second and '<span aria-hidden="true">51.</span>' in second
    assert f'id="next-{rnd.id}" href="/jury/rounds/{rnd.id}/applications/{ordered[60].id}"' in second
    assert "60 of 120 submitted" in second and "INN-999" in second.split("declared-conflicts")[1]
    last = juror_client.get(f"/jury/?round={rnd.id}&page=3").get_data(as_text=True)
    assert listed(last) == refs[100:]
    # a page past the end shows the last one; a page that is not a number, the first
    assert listed(juror_client.get(f"/jury/?round={rnd.id}&page=99").get_data(as_text=True)) == refs[100:]
    for junk in ("?round=x&page=2", f"?round={rnd.id}&page=-2", f"?round={rnd.id}&page=²"):
        response = juror_client.get("/jury/" + junk)
        assert response.status_code == 200
        assert listed(response.get_data(as_text=True)) == refs[:50]
