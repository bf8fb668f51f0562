"""Times shown to people are Montréal times written the Montréal way (issue 10, item 12): « 15 décembre
2026 à 23 h 59 (HNE) » in French, "December 15, 2026 at 11:59 PM (EST)" in English; never "-0500"."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from judging.core.templating import local_datetime
from judging.mail.models import OutgoingMail
from tests.factories import aware
from tests.scenarios import ceremony_edition

WINTER = aware(2026, 12, 16, 4, 59)  # 23:59 on December 15 in Montréal (EST, UTC-5)
SUMMER = aware(2026, 7, 16, 13, 5, 30)  # 9:05:30 on July 16 (EDT, UTC-4)


@pytest.mark.parametrize(
    ("language", "moment", "style", "expected"),
    [
        ("fr", WINTER, "long", "15 décembre 2026 à 23 h 59 (HNE)"),
        ("fr", SUMMER, "long", "16 juillet 2026 à 9 h 05 min 30 s (HAE)"),
        ("fr", WINTER, "medium", "15 déc. 2026 à 23 h 59 (HNE)"),
        ("fr", WINTER, "time", "23 h 59"),
        ("en", WINTER, "long", "December 15, 2026 at 11:59\u202fPM (EST)"),
        ("en", SUMMER, "long", "July 16, 2026 at 9:05:30\u202fAM (EDT)"),
        # the short date in the order no Canadian misreads (en's "12/15/26" is December or the 12th)
        ("en", WINTER, "short", "2026-12-15 at 11:59\u202fPM (EST)"),
        ("fr", WINTER, "short", "2026-12-15 à 23 h 59 (HNE)"),
    ],
)
def test_one_helper_writes_montreal_time_in_each_language(app, language, moment, style, expected):
    with app.test_request_context(), force_locale(language):
        assert local_datetime(moment, style) == expected


def test_a_french_outcome_mail_gives_the_ceremony_in_quebec_french(app, db, make, organizer_client):
    built = ceremony_edition(make, db)
    response = organizer_client.post(
        f"/organizer/editions/{built.edition.id}/ceremony/notifications",
        data={"keys": ["outcome_finalist"], "send_after": "2099-06-01T09:00"},
    )
    assert response.status_code == 302
    mails = db.scalars(select(OutgoingMail).where(OutgoingMail.template == "outcome_finalist")).all()
    french = [m for m in mails if m.language == "fr"]
    english = [m for m in mails if m.language == "en"]
    assert french and english
    assert all("16 octobre 2025 à 19 h 00 (HAE)" in m.body_text for m in french)
    assert all("October 16, 2025 at 7:00\u202fPM (EDT)" in m.body_text for m in english)
    assert not any("-0400" in m.body_text or "19:00:00" in m.body_text for m in mails)
