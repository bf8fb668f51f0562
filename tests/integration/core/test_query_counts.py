"""Every main page runs the same few SQL statements whatever the size of the edition.

Counting statements is not timing: it belongs in the suite. Two editions made by ``judging
generate``, one ten times the other; each page of the catalogue in ``tests/bench/bench_pages.py``
(the juror's, the candidate's and the organizer's main pages) is requested once per edition with
a ``before_cursor_execute`` listener on the engine. The counts must be equal (a count that grows
with the data is an N+1) and at most 20. The timings are in docs/performance.md.
"""

from __future__ import annotations

from datetime import date

import pytest

from judging.devdata.generate import generate_edition
from tests.bench.bench_pages import QUERY_LIMIT, counting, login, query_counts, resolve

# The larger one passes SQLAlchemy's selectinload batch of 500 ids (over 500 scorecards in a round,
# over 500 staff): a page whose eager load is split in batches runs more statements there.
SIZES = {"qc-small": (40, 16), "qc-large": (1000, 520)}


@pytest.fixture
def editions(app):
    """Generated in an app context of their own: each request then starts from an empty session,
    as in production (the ``db`` fixture's context would outlive the requests and cache objects)."""
    from judging.db import session

    with app.app_context():
        for code, (applications, jurors) in SIZES.items():
            generate_edition(
                session,
                code=code,
                applications=applications,
                jurors=jurors,
                seed=3,
                today=date.today(),
                password_method="pbkdf2:sha256:1000",
            )
        session.commit()
    return list(SIZES)


def test_main_pages_run_the_same_few_queries_at_both_sizes(app, editions):
    small, large = (query_counts(app, code) for code in editions)
    assert set(small) == set(large)
    assert len(small) >= 20  # the catalogue really ran (juror, candidate and organizer pages)
    assert {name: status for name, (status, _n, _s) in small.items()} == dict.fromkeys(small, 200)
    assert {name: status for name, (status, _n, _s) in large.items()} == dict.fromkeys(large, 200)
    counts_small = {name: n for name, (_status, n, _s) in small.items()}
    counts_large = {name: n for name, (_status, n, _s) in large.items()}
    assert counts_large == counts_small
    assert {name: n for name, n in counts_small.items() if n > QUERY_LIMIT} == {}


# The jury page's table in pages, filtered and searched (the catalogue has its first page only).
JURY_VIEWS = (
    "?page=2",
    "?show=short&page=2",
    "?show=conflict",
    "?show=unfinished&q=0",
    "?page=999&cpage=999",
)


def test_the_jury_page_in_pages_runs_the_same_few_queries_at_both_sizes(app, editions):
    counts: dict[str, dict[str, int]] = {}
    for code in editions:
        page, url = next((page, url) for page, url in resolve(app, code) if page.endpoint == "organizer.jury")
        client = app.test_client()
        login(client, page.user_id)
        counts[code] = {}
        for view in JURY_VIEWS:
            client.get(url + view)  # warm-up
            with counting(app) as statements:
                assert client.get(url + view).status_code == 200
            counts[code][view] = len(statements)
    small, large = (counts[code] for code in editions)
    assert small == large
    assert max(large.values()) <= QUERY_LIMIT
