"""Every CSV export says its charset once: ``text/csv; charset=utf-8``.

Seen on the results CSV: ``Content-Type: text/csv; charset=utf-8; charset=utf-8`` (the view wrote the
charset and Werkzeug added it again to a ``text/*`` type). The audit CSV had the same; the
applications and audience CSVs did not. Every export now takes its media type from
``judging.core.exports``.
"""

from __future__ import annotations

from tests.integration.audience.conftest import finalist_setup
from tests.scenarios import five_by_four, results_url

CSV_TYPE = "text/csv; charset=utf-8"


def test_each_csv_export_says_its_charset_once(db, make, organizer_client):
    edition, prize, rnd, _apps, _jurors = five_by_four(make, db)
    evening = finalist_setup(make, db)
    urls = {
        "ranking": results_url(edition, prize, rnd, "results/export.csv"),
        "leniency": results_url(edition, prize, rnd, "results/leniency.csv"),
        "scorecards": results_url(edition, prize, rnd, "scorecards/export.csv"),
        "audit": f"/organizer/editions/{edition.id}/audit/export.csv",
        "applications": f"/organizer/editions/{edition.id}/applications/export.csv",
    }
    found = {name: organizer_client.get(url) for name, url in urls.items()}
    found["audience"] = organizer_client.post(f"/organizer/editions/{evening.edition.id}/audience/export.csv")
    assert {name: r.status_code for name, r in found.items()} == dict.fromkeys(found, 200)
    assert {name: r.headers["Content-Type"] for name, r in found.items()} == dict.fromkeys(found, CSV_TYPE)
