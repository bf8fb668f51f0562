"""Helpers shared by the candidate tests (this module holds no test).

``contest`` builds an open edition with one prize and one question of each type; ``form_for``
gives the POST data of a complete application; ``Clock`` makes the one clock
(``judging.core.clock.now``) return a chosen instant.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from judging.applications.models import Application
from judging.editions.models import Edition, Prize, Question
from tests.conftest import login

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
RECEIPT_RE = re.compile(r"MTL-\d{4}-[A-Z0-9]{3}-\d{3,}-[0-9A-F]{4}")


@dataclass
class Contest:
    edition: Edition
    prize: Prize
    pitch: Question  # long-text, required, 20 words max
    stage: Question  # choice
    public: Question  # yes-no
    video: Question  # url
    deck: Question  # file (PDF), required
    logo: Question  # file (PNG/JPEG)
    tagline: Question  # text


def contest(
    make, db, *, prize_code: str = "innovation", edition: Edition | None = None, **edition_fields
) -> Contest:
    edition = edition or make.edition(**edition_fields)
    prize = make.prize(
        edition,
        code=prize_code,
        name={"fr": "Prix de l'innovation", "en": "Innovation Award"},
        description={
            "fr": "Pour les projets qui changent la ville.",
            "en": "For projects that change the city.",
        },
        eligibility={
            "fr": "Organisations du Québec et d'ailleurs.",
            "en": "Organizations from Québec and abroad.",
        },
    )
    pitch = make.question(
        prize,
        code="pitch",
        type="long-text",
        required=True,
        max_words=20,
        position=1,
        label={"fr": "Votre projet", "en": "Your project"},
    )
    stage = make.question(
        prize,
        code="stage",
        type="choice",
        position=2,
        label={"fr": "Stade", "en": "Stage"},
        options=[
            {"code": "idea", "label": {"fr": "Idée", "en": "Idea"}},
            {"code": "market", "label": {"fr": "En marché", "en": "On the market"}},
        ],
    )
    public = make.question(
        prize,
        code="public",
        type="yes-no",
        position=3,
        label={"fr": "Projet public ?", "en": "Public project?"},
    )
    video = make.question(prize, code="video", type="url", position=4, label={"fr": "Vidéo", "en": "Video"})
    deck = make.question(
        prize,
        code="deck",
        type="file",
        required=True,
        position=5,
        label={"fr": "Présentation (PDF)", "en": "Pitch deck (PDF)"},
    )
    logo = make.question(prize, code="logo", type="file", position=6, label={"fr": "Logo", "en": "Logo"})
    tagline = make.question(
        prize, code="tagline", type="text", position=7, label={"fr": "Slogan", "en": "Tagline"}
    )
    db.commit()
    return Contest(edition, prize, pitch, stage, public, video, deck, logo, tagline)


def form_for(c: Contest, **overrides: Any) -> dict[str, Any]:
    """The POST data of a complete application (files as ``(BytesIO, name)``)."""
    data: dict[str, Any] = {
        "title": "Serre urbaine connectée",
        "summary": "Une serre qui nourrit le quartier.",
        "language": "en",
        "org_name": "Serre Inc.",
        "org_type": "startup",
        "region": "montreal",
        "country": "CA",
        "city": "Montréal",
        "website": "https://serre.example",
        "contact_name": "Léa Tremblay",
        "contact_email": "lea@example.com",
        "led_by_woman": "yes",
        "consent": "y",
        "publication_consent": "yes",
        f"q_{c.pitch.id}": "Robots tend the greenhouse and share the harvest with neighbours.",
        f"q_{c.stage.id}": "market",
        f"q_{c.public.id}": "no",
        f"q_{c.video.id}": "https://video.example/serre",
        f"q_{c.tagline.id}": "Grow local",
        f"q_{c.deck.id}": (io.BytesIO(PDF), "deck.pdf"),
        "action": "submit",
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def start(client, c: Contest) -> Application:
    from judging.db import session

    response = client.post(f"/candidate/prizes/{c.prize.id}/apply")
    assert response.status_code == 302, response.get_data(as_text=True)
    application_id = int(response.headers["Location"].rstrip("/").split("/")[-2])
    return session.get(Application, application_id)


def post_form(client, application: Application, data: dict[str, Any], **kwargs):
    return client.post(
        f"/candidate/applications/{application.id}/edit",
        data=data,
        content_type="multipart/form-data",
        **kwargs,
    )


def text_of(html_or_response) -> str:
    return (
        html_or_response.get_data(as_text=True) if hasattr(html_or_response, "get_data") else html_or_response
    )


def pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        result = subprocess.run(["pdftotext", "-layout", handle.name, "-"], capture_output=True, check=True)
    return result.stdout.decode()


def uploaded_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


class Clock:
    """``clock.set(moment)`` makes the one clock (``judging.core.clock.now``) return ``moment``: the services,
    the pages and the time requests are stamped with when they reach the application all follow it."""

    def __init__(self, monkeypatch) -> None:
        self.moment: datetime | None = None
        from judging.core import clock

        monkeypatch.setattr(clock, "now", self)

    def __call__(self) -> datetime:
        return self.moment or datetime.now(UTC)

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, **delta: float) -> None:
        self.moment = (self.moment or datetime.now(UTC)) + timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def alice(make, db):
    user = make.user(email="alice@example.org", name="Alice Applicant", language="en")
    db.commit()
    return user


@pytest.fixture
def alice_client(client, alice):
    login(client, alice)
    return client
