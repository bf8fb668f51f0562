"""Dates are shown and read in the edition's time zone (``Edition.timezone``), Montréal otherwise.

An edition held in Paris closes at 23 h 59 in Paris: its pages say so, with Paris's zone named in
words, and its organizer's form shows and reads that same wall-clock time. The same instant in a
Montréal edition reads 17 h 59 (HNE).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest

from judging.core import clock
from tests.conftest import login

CLOSE = datetime(2026, 12, 15, 22, 59, tzinfo=UTC)  # 23 h 59 in Paris, 17 h 59 in Montréal
PARIS_WORDS = "15 décembre 2026 à 23 h 59 (heure normale de l’Europe centrale)"
MONTREAL_WORDS = "15 décembre 2026 à 17 h 59 (HNE)"


@pytest.fixture
def editions(db, make, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 1, 12, tzinfo=UTC))
    paris = make.edition(
        code="paris-2026", applications_open=datetime(2026, 5, 1, tzinfo=UTC), applications_close=CLOSE
    )
    paris.timezone = "Europe/Paris"
    montreal = make.edition(
        code="mtl-2026", applications_open=datetime(2026, 5, 1, tzinfo=UTC), applications_close=CLOSE
    )
    db.commit()
    return paris, montreal


def text(response) -> str:
    assert response.status_code == 200
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_the_public_page_of_an_edition_shows_its_own_zone(client, editions):
    paris_page = text(client.get("/editions/paris-2026"))
    montreal_page = text(client.get("/editions/mtl-2026"))
    assert PARIS_WORDS in paris_page and "(HNE)" not in paris_page
    assert MONTREAL_WORDS in montreal_page and "Europe centrale" not in montreal_page
    assert "heure de Montréal" not in paris_page + montreal_page  # the zone is said once


def test_the_organizer_reads_and_writes_the_edition_s_wall_clock_time(db, client, organizer, editions):
    paris, _ = editions
    login(client, organizer)
    assert PARIS_WORDS in text(client.get(f"/organizer/editions/{paris.id}"))
    form = client.get(f"/organizer/editions/{paris.id}/edit").get_data(as_text=True)
    assert re.search(r'name="applications_close"[^>]*value="2026-12-15T23:59"', form) or re.search(
        r'value="2026-12-15T23:59"[^>]*name="applications_close"', form
    )
    assert "Heure du fuseau Europe/Paris." in unescape(form) and "Heure de Montréal." not in unescape(form)
    assert "Les heures sont dans le fuseau horaire Europe/Paris." in text(
        client.get(f"/organizer/editions/{paris.id}")
    )
    # a page about no edition goes back to Montréal time
    assert "Les heures sont celles de Montréal (America/Montreal)." in text(client.get("/organizer/"))
