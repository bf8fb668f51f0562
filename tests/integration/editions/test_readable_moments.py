"""Moments the app records show to the minute, the exact time on demand; receipts keep their seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import render_template_string
from flask_babel import force_locale

from judging.core.audit_event import AuditEvent
from judging.core.templating import local_datetime, recorded_moment

MOMENT = datetime(2026, 12, 6, 14, 3, 9, tzinfo=UTC)  # 9 h 03 min 09 s in Montréal


def test_a_recorded_moment_shows_minutes_and_keeps_the_exact_time_on_demand(app):
    with app.test_request_context():
        with force_locale("fr"):
            html = str(recorded_moment(MOMENT, "long"))
            assert ">6 décembre 2026 à 9 h 03 (HNE)</time>" in html
            assert 'title="6 décembre 2026 à 9 h 03 min 09 s (HNE)"' in html
            assert 'datetime="2026-12-06T14:03:09+00:00"' in html
            # a receipt's timestamp still has its seconds
            assert local_datetime(MOMENT, "long") == "6 décembre 2026 à 9 h 03 min 09 s (HNE)"
        with force_locale("en"):
            html = str(recorded_moment(MOMENT, "long"))
            assert re.search(r">December 6, 2026 at 9:03\W?AM \(EST\)</time>", html)
        with force_locale("fr"):
            after_colon = render_template_string("{{ m|moment|colon }}", m=MOMENT)
    assert after_colon.startswith("<time ") and after_colon.endswith("</time>\u00a0:")


def test_the_audit_trail_dates_events_to_the_minute(app, db, make, organizer, organizer_client):
    edition = make.edition()
    db.add(
        AuditEvent(
            action="edition.updated",
            at=MOMENT,
            object_type="edition",
            object_id=edition.id,
            edition_id=edition.id,
            actor_id=organizer.id,
            before={},
            after={},
        )
    )
    db.commit()
    page = organizer_client.get(f"/organizer/editions/{edition.id}/audit").get_data(as_text=True)
    cell = re.search(r'<td class="text-nowrap">(<time [^>]+>[^<]+</time>)</td>', page).group(1)
    visible = re.sub(r"<[^>]+>", "", cell)
    assert "9 h 03" in visible and "09 s" not in visible
    assert "9 h 03 min 09 s" in cell  # in the title
