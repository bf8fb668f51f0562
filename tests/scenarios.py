"""Scenario builders shared by tests and benchmarks: one module, never imported from a test module.

Each builder makes the data of a situation (people, applications, scorecards ...) and returns it;
the tests that use it assert on it. Sections: people (``login``), candidates (``contest``,
``form_for``, ``Clock``, the files a candidate uploads), conflicts (``large_jury``), results
(``five_by_four`` and the results page's readers), ceremony (``ceremony_edition`` and the PDF
readers), results document, exchange, concurrency (``race``), a database from last year.
"""

from __future__ import annotations

import io
import json
import random
import re
import subprocess
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, MetaData, Numeric, String, Table, inspect, select
from sqlalchemy.exc import SAWarning
from sqlalchemy.orm import object_session

from judging.applications.models import Application
from judging.core.migrate import current_revision, head_revision, upgrade
from judging.core.models import Base
from judging.db import make_engine
from judging.db import session as app_session
from judging.editions.models import Edition, Prize, Question
from judging.jury.engine.conflicts import ApplicantProfile, JurorProfile
from judging.results import operations as decisions_service
from judging.results.models import Decision, PitchSlot, ResultSnapshot
from tests.factories import aware

# --- people -------------------------------------------------------------------------------------

_FIRST_LOGIN = threading.Lock()


def login(client, user):
    """Log ``user`` in on ``client`` the way Flask-Login does (no password round trip); returns ``client``.

    The session carries the user's session token (``User.get_id``): the first login creates it,
    and it is committed so that the user loader (in any thread) accepts it. Race tests log one
    user in from several threads at once: only one of them may create and commit the token.
    """
    with _FIRST_LOGIN:
        had_token = bool(user.session_token)
        session_id = user.get_id()
        if not had_token:
            object_session(user).commit()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = session_id
        flask_session["_fresh"] = True
    return client


# --- candidates ---------------------------------------------------------------------------------

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
    """The draft the client's user starts by applying to the contest's prize."""
    response = client.post(f"/candidate/prizes/{c.prize.id}/apply")
    assert response.status_code == 302, response.get_data(as_text=True)
    application_id = int(response.headers["Location"].rstrip("/").split("/")[-2])
    return app_session.get(Application, application_id)


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


# --- conflicts ----------------------------------------------------------------------------------


def large_jury(seed: int = 7) -> tuple[list[JurorProfile], list[ApplicantProfile]]:
    """300 jurors and 25,000 applications spread over 5,000 organizations and their email domains."""
    rng = random.Random(seed)
    orgs = [f"Organisation {i} Inc." for i in range(5_000)]
    applications = [
        ApplicantProfile(id=a, org_name=rng.choice(orgs), contact_email=f"c{a}@org{rng.randrange(5_000)}.ca")
        for a in range(25_000)
    ]
    jurors = [
        JurorProfile(id=j, email=f"j{j}@org{rng.randrange(5_000)}.ca", organization_name=rng.choice(orgs))
        for j in range(300)
    ]
    return jurors, applications


# --- results -------------------------------------------------------------------------------------
# Builders shared by the results tests.
#
# ``five_by_four`` is the worked example of ``tests/unit/test_scoring.py``: 5 applications,
# 4 jurors, recusals; by the mean the top two are A and B, by per-juror standardisation
# C and A. One criterion on 0–100 makes each total equal to the score given.

FIVE_BY_FOUR = {
    "L": {"A": 95, "B": 75, "D": 75, "E": 75},
    "H": {"C": 50, "D": 40, "E": 30},
    "M1": {"A": 65, "B": 65, "C": 85, "D": 65},
    "M2": {"A": 75, "B": 80, "C": 70},
}


def five_by_four(
    make,
    db,
    *,
    method="mean",
    finalists=2,
    phase="deliberation",
    code="ed-5x4",
    language_of=None,
    matrix=None,
):
    """An edition with one prize, one round and the 5 × 4 matrix; missing cells are recused scorecards."""
    matrix = matrix or FIVE_BY_FOUR
    language_of = language_of or {}
    edition = make.edition(code=code)
    prize = make.prize(edition, code="innovation", finalists=finalists)
    rnd = make.round(prize, criteria=0, method=method, tie_break=[], phase=phase)
    make.criterion(rnd, code="overall", min_value=0, max_value=100, weight=1)
    refs = sorted({ref for row in matrix.values() for ref in row})
    apps = {
        ref: make.application(prize, ref=ref, title=f"Projet {ref}", language=language_of.get(ref, "fr"))
        for ref in refs
    }
    jurors = {
        name: make.user(email=f"{name.lower()}@jury.example", name=f"Juror {name}", roles=["juror"])
        for name in matrix
    }
    make.jury(rnd, *jurors.values())
    for name, row in matrix.items():
        for ref in refs:
            if ref in row:
                make.scorecard(rnd, jurors[name], apps[ref], scores={"overall": row[ref]})
            else:  # a recusal: its extreme score must not count
                make.scorecard(rnd, jurors[name], apps[ref], scores={"overall": 0}, status="recused")
    db.commit()
    return edition, prize, rnd, apps, jurors


def results_json(runner, edition_code: str) -> dict:
    outcome = runner.invoke(args=["results", edition_code, "--json"])
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.output)


class RowParser(HTMLParser):
    """Collects the ``data-*`` attributes of the ranking rows (``tr.result-row``) of a results page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "tr" and "result-row" in (values.get("class") or "").split():
            self.rows.append({k.removeprefix("data-"): v for k, v in values.items() if k.startswith("data-")})


def page_rows(html: str) -> list[dict]:
    """The ranking of a results page, typed like the JSON document."""
    parser = RowParser()
    parser.feed(html)

    def number(text):
        if text == "null":
            return None
        value = float(text)
        return int(value) if re.fullmatch(r"-?\d+", text) else value

    return [
        {
            "application": row["application"],
            "rank": int(row["rank"]),
            "tied": row["tied"] == "true",
            "score": number(row["score"]),
            "raw_mean": number(row["raw-mean"]),
            "median": number(row["median"]),
            "count": int(row["count"]),
            "stdev": number(row["stdev"]),
        }
        for row in parser.rows
    ]


def results_url(edition, prize, rnd, suffix: str = "results") -> str:
    return f"/organizer/editions/{edition.id}/prizes/{prize.id}/rounds/{rnd.id}/{suffix}"


# --- ceremony ------------------------------------------------------------------------------------
# Builders shared by the ceremony, public results and notification tests.
#
# ``ceremony_edition`` makes an edition shaped like the real contest: four prizes, three
# finalists each (pitching in an order that is *not* the order of their references), a
# winner that is not the first finalist, a mention, sponsors, presenters and timings; each
# prize's final round frozen in a snapshot. With ``secret=True`` it adds a fifth prize
# whose results are decided but NOT frozen, with names that must never leak anywhere.

PRIZES = [
    # code, fr, en, sponsor, presenter (name, title, organization), minutes
    (
        "innovation",
        "Prix de l'innovation",
        "Innovation Award",
        "Banque Fictive du Québec",
        ("Amélie Hautecoeur", "Vice-présidente", "Banque Fictive du Québec"),
        12,
    ),
    (
        "femmes-tech",
        "Prix Femmes en Tech",
        "Women in Tech Award",
        "Réseau Elles Numériques",
        ("Béatrice Ouellon", "Directrice", "Réseau Elles Numériques"),
        10,
    ),
    (
        "litteratie",
        "Prix en littératie numérique jeunesse",
        "Youth Digital Literacy Award",
        "Fondation Lire Demain",
        ("Chloé Vandermeer", "Présidente", "Fondation Lire Demain"),
        8,
    ),
    (
        "decouvrabilite",
        "Prix Découvrabilité culturelle francophone",
        "French-Language Cultural Discoverability Award",
        "Ministère fictif de la Culture",
        ("Dominique Arsenault", "Sous-ministre", "Ministère fictif de la Culture"),
        15,
    ),
]

SECRET = {
    "prize_fr": "Prix Confidentiel Zorglub",
    "prize_en": "Zorglub Confidential Award",
    "people": ["Zébulon Secretus", "Ysolde Cachée", "Xavier Mystérieux"],
    "orgs": ["Cachette Zorglub inc.", "Ombre Quantique", "Labo Xyloglyphe"],
    "titles": ["Projet Zorglub-Alpha", "Projet Zorglub-Bêta", "Projet Zorglub-Gamma"],
    "citation": "Citation Zorglub ultra-secrète",
}


@dataclass
class Built:
    edition: object
    prizes: list = field(default_factory=list)
    rounds: list = field(default_factory=list)
    # per prize: finalists in pitch order (application objects), the winner, the mention
    finalists: list = field(default_factory=list)
    winners: list = field(default_factory=list)
    mentions: list = field(default_factory=list)
    secret_prize: object = None
    secret_round: object = None
    secret_apps: list = field(default_factory=list)


def person_name(i: int, k: int) -> str:
    first = [
        "Aline",
        "Bruno",
        "Céline",
        "Damien",
        "Élise",
        "Fabrice",
        "Gaëlle",
        "Hugo",
        "Inès",
        "Jasmin",
        "Karine",
        "Loïc",
        "Maëlle",
        "Nadir",
        "Odile",
        "Pascal",
    ]
    last = [
        "Arcand",
        "Bélanger",
        "Côté",
        "Dufresne",
        "Émond",
        "Fortier",
        "Gagnon",
        "Hébert",
        "Isabelle",
        "Joly",
        "Kirouac",
        "Lapointe",
        "Morin",
        "Nadeau",
        "Ouellet",
        "Paré",
    ]
    return f"{first[i * 4 + k]} {last[i * 4 + k]}"


def ceremony_edition(make, db, *, secret: bool = True, code: str = "mtl-2025", freeze: bool = True) -> Built:
    edition = make.edition(
        code=code,
        name={"fr": "Édition 2025 des MTL Tech Awards", "en": "2025 MTL Tech Awards"},
        applications_open=aware(2025, 5, 1, 13),
        applications_close=aware(2025, 8, 15, 3),
        ceremony_at=aware(2025, 10, 16, 23, 0),  # 19:00 in Montréal
        finalists_public_at=aware(2025, 9, 20, 14),
        winners_public_at=aware(2025, 10, 17, 1),  # 21:00 in Montréal
    )
    built = Built(edition=edition)
    for i, (pcode, fr, en, sponsor, (pname, ptitle, porg), minutes) in enumerate(PRIZES):
        prize = make.prize(
            edition,
            code=pcode,
            name={"fr": fr, "en": en},
            position=i,
            sponsor=sponsor,
            presenter_name=pname,
            presenter_title=ptitle,
            presenter_organization=porg,
            ceremony_minutes=minutes,
            ceremony_script={"fr": f"Place au {fr} !", "en": f"Here comes the {en}!"},
        )
        rnd = make.round(prize, code="final", phase="decided", criteria=1)
        apps = []
        for k in range(3):
            apps.append(
                make.application(
                    prize,
                    ref=f"{pcode[:3].upper()}-{k + 1:03d}",
                    title=f"Projet {pcode} {k + 1}",
                    contact_name=person_name(i, k),
                    org_name=f"Organisation {pcode} {k + 1} inc.",
                    city=["Montréal", "Québec", "Sherbrooke"][k],
                    language="fr" if k != 1 else "en",
                )
            )
        # the pitch order is 3, 1, 2: not the order of the references
        pitch = [apps[2], apps[0], apps[1]]
        for position, app in enumerate(pitch, start=1):
            db.add(PitchSlot(round_id=rnd.id, application_id=app.id, position=position))
        for app in apps:
            db.add(Decision(prize=prize, round_id=rnd.id, application=app, outcome="finalist"))
        winner = apps[0]
        db.add(
            Decision(
                prize=prize,
                round_id=rnd.id,
                application=winner,
                outcome="winner",
                citation={"fr": f"Pour l'audace de {pcode}", "en": f"For the boldness of {pcode}"},
            )
        )
        mention_app = make.application(
            prize,
            ref=f"{pcode[:3].upper()}-M01",
            title=f"Mention {pcode}",
            contact_name=person_name(i, 3),
            org_name=f"Mentionnée {pcode} coop",
            city="Gatineau",
            language="en",
        )
        db.add(
            Decision(
                prize=prize,
                round_id=rnd.id,
                application=mention_app,
                outcome="mention",
                citation={"fr": f"Mention pour {pcode}", "en": f"Mention for {pcode}"},
            )
        )
        db.add(
            Decision(
                prize=prize,
                round_id=rnd.id,
                application=make.application(
                    prize, ref=f"{pcode[:3].upper()}-N01", contact_name=f"Recalé {pcode}", language="en"
                ),
                outcome="not-selected",
            )
        )
        if freeze:
            db.add(
                ResultSnapshot(
                    round_id=rnd.id,
                    method="mean",
                    fingerprint=f"{i:02d}" + "ab" * 31,
                    payload={"code": "final", "ranking": []},
                )
            )
        built.prizes.append(prize)
        built.rounds.append(rnd)
        built.finalists.append(pitch)
        built.winners.append(winner)
        built.mentions.append(mention_app)
    if secret:
        prize = make.prize(
            edition,
            code="secret",
            name={"fr": SECRET["prize_fr"], "en": SECRET["prize_en"]},
            position=2,
            sponsor="Commanditaire Zorglub",  # in the middle of the others
            presenter_name="Présentatrice Zorglub",
            ceremony_minutes=5,
        )
        rnd = make.round(prize, code="final", phase="decided", criteria=1)
        apps = [
            make.application(
                prize,
                ref=f"SEC-{k + 1:03d}",
                title=SECRET["titles"][k],
                contact_name=SECRET["people"][k],
                org_name=SECRET["orgs"][k],
                city="Zorglubville",
            )
            for k in range(3)
        ]
        for app in apps:
            db.add(Decision(prize=prize, round_id=rnd.id, application=app, outcome="finalist"))
        db.add(
            Decision(
                prize=prize,
                round_id=rnd.id,
                application=apps[0],
                outcome="winner",
                citation={"fr": SECRET["citation"], "en": SECRET["citation"]},
            )
        )
        # a snapshot that was invalidated (the round was reopened): not frozen
        db.add(
            ResultSnapshot(
                round_id=rnd.id,
                method="mean",
                fingerprint="f" * 64,
                payload={},
                invalidated_at=aware(2025, 10, 1),
                invalidated_reason="reopened",
            )
        )
        built.secret_prize, built.secret_round, built.secret_apps = prize, rnd, apps
    db.commit()
    return built


def secret_strings() -> list[str]:
    return [
        SECRET["prize_fr"],
        SECRET["prize_en"],
        SECRET["citation"],
        "Zorglub",
        *SECRET["people"],
        *SECRET["orgs"],
        *SECRET["titles"],
    ]


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF"), data[:200]
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        result = subprocess.run(["pdftotext", "-layout", handle.name, "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def pages(text: str) -> list[str]:
    """pdftotext separates pages with form feeds."""
    return [page for page in text.split("\f") if page.strip()]


def squash(text: str) -> str:
    """Whitespace folded (layout mode spreads words over columns and lines)."""
    return " ".join(text.split())


def in_order(text: str, items: list[str]) -> bool:
    """Every item appears in ``text``, each after the previous one."""
    position = -1
    for item in items:
        found = text.find(item, position + 1)
        if found < 0:
            return False
        position = found
    return True


# --- results document (`judging results --json`) ----------------------------------------------


def shape_edition(make, db):
    """Three counted applications, plus scorecards that must not count (draft, abstained, recused,
    a withdrawn application), all with extreme scores."""
    edition = make.edition(code="shape-2026")
    prize = make.prize(edition, code="innovation", finalists=2)
    rnd = make.round(prize, criteria=0, method="mean", tie_break=["median"], phase="judging")
    make.criterion(rnd, code="impact", weight=3, min_value=0, max_value=10, position=0)
    make.criterion(rnd, code="market", weight=1, min_value=1, max_value=5, position=1)
    j1, j2, j3, j4 = (
        make.user(email=f"j{i}@jury.example", name=f"Juror {i}", roles=["juror"]) for i in range(1, 5)
    )
    inn1 = make.application(prize, ref="INN-001")
    inn2 = make.application(prize, ref="INN-002")
    inn3 = make.application(prize, ref="INN-003")
    withdrawn = make.application(prize, ref="INN-004", status="withdrawn")
    # totals: 100 × (3·(impact/10) + (market − 1)/4) / 4
    make.scorecard(rnd, j1, inn1, scores={"impact": 8, "market": 5})  # 85
    make.scorecard(rnd, j2, inn1, scores={"impact": 6, "market": 3})  # 57.5
    make.scorecard(rnd, j3, inn1, scores={"impact": 7, "market": 4})  # 71.25
    make.scorecard(rnd, j1, inn2, scores={"impact": 5, "market": 1})  # 37.5
    make.scorecard(rnd, j2, inn2, scores={"impact": 9, "market": 5})  # 92.5
    make.scorecard(rnd, j3, inn3, scores={"impact": 10, "market": 5})  # 100
    # none of these count:
    make.scorecard(rnd, j1, inn3, scores={"impact": 0, "market": 1}, status="draft")
    make.scorecard(rnd, j2, inn3, scores={"impact": 0, "market": 1}, status="abstained")
    make.scorecard(rnd, j4, inn1, scores={"impact": 0, "market": 1}, status="recused")
    make.scorecard(rnd, j4, inn2, scores={"impact": 10, "market": 5}, status="assigned")
    make.scorecard(rnd, j1, withdrawn, scores={"impact": 10, "market": 5})
    make.scorecard(rnd, j2, withdrawn, scores={"impact": 10, "market": 5})
    db.commit()
    return edition, prize, rnd


# --- ceremony on decisions made through the services ------------------------------------------


def decided_prize(app, make, db, organizer):
    """Preselection by the mean (A and B), a final won by A, a mention for C; everything frozen."""
    edition, prize, preselection, apps, jurors = five_by_four(make, db)
    for ref, person in zip(
        "ABCDE", ["Alix Aubry", "Basile Brun", "Cyrielle Caron", "Dina Drouin", "Éloi Éthier"], strict=True
    ):
        apps[ref].contact_name = person
    prize.name = {"fr": "Prix de l'innovation", "en": "Innovation Award"}
    prize.presenter_name = "Rémi Remettant"
    final = make.round(prize, code="final", criteria=0, method="mean", phase="judging", position=1)
    make.criterion(final, code="overall", min_value=0, max_value=100, weight=1)
    db.commit()
    with app.test_request_context():
        decisions_service.select_finalists(
            db, preselection, actor=organizer, chosen=[apps["A"].id, apps["B"].id]
        )
        decisions_service.announce_finalists(db, preselection, actor=organizer)
        db.commit()
        for juror, scores in zip(jurors.values(), [(90, 70), (85, 80), (88, 60), (92, 75)], strict=True):
            make.scorecard(final, juror, apps["A"], scores={"overall": scores[0]})
            make.scorecard(final, juror, apps["B"], scores={"overall": scores[1]})
        final.phase = "deliberation"
        db.commit()
        decisions_service.record_winner(
            db,
            final,
            actor=organizer,
            application=apps["A"],
            citation_fr="Une équipe <remarquable>",
            citation_en="A <remarkable> team",
        )
        decisions_service.add_mention(
            db,
            final,
            actor=organizer,
            application=apps["C"],
            citation_fr="Mention spéciale",
            citation_en="Special mention",
        )
        db.commit()
        decisions_service.freeze_final(db, final, actor=organizer)
        db.commit()
    return edition, prize, final, apps


# --- edition report, shaped like 2023 ---------------------------------------------------------


SPLIT = {"innovation": 30, "femmes-tech": 42, "litteratie": 25, "decouvrabilite": 50}


def build_2023(make, db):
    previous = make.edition(
        code="mtl-2022", applications_open=aware(2022, 5, 1, 13), applications_close=aware(2022, 8, 15, 3)
    )
    old_prize = make.prize(previous, code="innovation")
    for i in range(100):
        make.application(old_prize, ref=f"OLD-{i:03d}")
    edition = make.edition(
        code="mtl-2023", applications_open=aware(2023, 5, 1, 13), applications_close=aware(2023, 8, 16, 3)
    )
    regions = ["montreal"] * 73 + ["international"] * 39 + ["quebec"] * 32 + ["canada"] * 3
    types = ["startup"] * 60 + ["sme"] * 40 + ["nonprofit"] * 25 + ["academic"] * 12 + ["public"] * 10
    n = 0
    prizes = {}
    for position, (code, count) in enumerate(SPLIT.items()):
        prize = prizes[code] = make.prize(edition, code=code, position=position)
        for _ in range(count):
            make.application(
                prize,
                ref=f"A-{n:03d}",
                region=regions[n],
                org_type=types[n],
                led_by_woman=n < 87,
                status="ineligible" if n % 50 == 7 else "submitted",
            )
            n += 1
    # not received: drafts and withdrawn applications
    make.application(prizes["innovation"], ref="DRAFT-1", status="draft", led_by_woman=True)
    make.application(prizes["innovation"], ref="GONE-1", status="withdrawn", region="montreal")
    apps = {a.ref: a for a in edition_apps(db, edition)}
    for i, prize in enumerate(prizes.values()):
        for k in range(3):
            db.add(Decision(prize=prize, application=apps[f"A-{i * 20 + k:03d}"], outcome="finalist"))
        db.add(Decision(prize=prize, application=apps[f"A-{i * 20:03d}"], outcome="winner"))
    db.add(Decision(prize=prizes["innovation"], application=apps["A-100"], outcome="mention"))
    db.commit()
    return edition


def edition_apps(db, edition):
    from sqlalchemy import select

    from judging.applications.models import Application

    return db.scalars(select(Application).where(Application.edition_id == edition.id)).all()


# --- edition exchange (the spec's document) ---------------------------------------------------


def spec_document() -> dict:
    """The spec's example, completed: every section, every question type, and our added fields.

    Lists are deliberately not in alphabetical or id order, so that a round trip
    that re-sorted anything would fail.
    """
    return {
        "format": "judging-edition/1",
        "edition": {
            "code": "mtl-2023",
            "name": {"fr": "MTL Tech Awards 2023", "en": "MTL Tech Awards 2023"},
            "timezone": "America/Montreal",
            "applications_open": "2023-05-01T09:00:00-04:00",
            "applications_close": "2023-08-15T23:59:59-04:00",
            "ceremony_at": "2023-10-12T18:00:00-04:00",
        },
        "prizes": [
            {
                "code": "innovation",
                "name": {"fr": "Prix de l'innovation", "en": "Innovation Award"},
                "description": {"fr": "Un projet innovant.", "en": "An innovative project."},
                "eligibility": {
                    "fr": "Entreprises de moins de 10 ans.",
                    "en": "Companies under 10 years old.",
                },
                "sponsor": "Fictional Bank",
                "presenter": {"name": "Alex Martin", "title": "Director", "organization": "Fictional Bank"},
                "finalists": 3,
                "rounds": [
                    {
                        "code": "preselection",
                        "name": {"fr": "Présélection", "en": "Preselection"},
                        "method": "mean",
                        "jurors_per_application": 3,
                        "tie_break": ["criterion:impact", "median"],
                        "phase": "judging",
                        "criteria": [
                            {
                                "code": "impact",
                                "name": {"fr": "Impact", "en": "Impact"},
                                "guidance": {"fr": "Qui en profite ?", "en": "Who benefits?"},
                                "weight": 35,
                                "min": 0,
                                "max": 10,
                                "required": True,
                            },
                            {
                                "code": "novelty",
                                "name": "Nouveauté / Novelty",
                                "weight": 7.5,
                                "min": 1,
                                "max": 5,
                                "required": False,
                            },
                            {
                                "code": "feasibility",
                                "name": {"fr": "Faisabilité", "en": "Feasibility"},
                                "weight": 0.25,
                                "min": -2,
                                "max": 2.5,
                                "required": True,
                            },
                        ],
                    },
                    {
                        "code": "final",
                        "method": "schulze",
                        "tie_break": ["mean"],
                        "blind": True,
                        "judging_closes_at": "2023-10-11T12:00:00-04:00",
                        "criteria": [
                            {
                                "code": "pitch",
                                "name": {"fr": "Pitch", "en": "Pitch"},
                                "weight": 1,
                                "min": 0,
                                "max": 10,
                                "required": True,
                            },
                        ],
                    },
                ],
                "questions": [
                    {
                        "code": "website",
                        "label": {"fr": "Site web", "en": "Website"},
                        "help": {"fr": "", "en": ""},
                        "type": "url",
                        "required": False,
                    },
                    {
                        "code": "pitch",
                        "label": {"fr": "Votre projet", "en": "Your project"},
                        "type": "long-text",
                        "max_words": 300,
                        "required": True,
                    },
                    {
                        "code": "stage",
                        "label": {"fr": "Stade", "en": "Stage"},
                        "type": "choice",
                        "required": True,
                        "options": [
                            {"code": "idea", "label": {"fr": "Idée", "en": "Idea"}},
                            {"code": "market", "label": {"fr": "Marché", "en": "Market"}},
                        ],
                    },
                    {
                        "code": "lead",
                        "label": "Nom de la personne responsable",
                        "type": "text",
                        "required": True,
                        "identifying": True,
                    },
                    {
                        "code": "consent",
                        "label": {"fr": "Publication", "en": "Publication"},
                        "type": "yes-no",
                        "required": False,
                    },
                    {
                        "code": "deck",
                        "label": {"fr": "Présentation", "en": "Deck"},
                        "type": "file",
                        "required": False,
                    },
                ],
            },
            {
                "code": "women-in-tech",
                "name": {"fr": "Prix Femmes en Tech", "en": "Women in Tech Award"},
                "finalists": 2,
                "rounds": [
                    {
                        "code": "preselection",
                        "method": "zscore",
                        "tie_break": [],
                        "criteria": [
                            {
                                "code": "impact",
                                "name": "Impact",
                                "weight": 1,
                                "min": 1,
                                "max": 5,
                                "required": True,
                            },
                        ],
                    },
                ],
                "questions": [],
            },
        ],
        "people": [
            {
                "email": "juror@example.org",
                "name": "Sam Roy",
                "organization": "Univ. X",
                "roles": ["juror"],
                "language": "fr",
            },
            {
                "email": "Zoe.Chen@Example.org",
                "name": "Zoé Chen",
                "organization": "Serre Inc.",
                "title": "Chercheuse",
                "roles": ["candidate", "juror"],
                "language": "en",
            },
            {
                "email": "alpha@example.org",
                "name": "Alpha Organizer",
                "roles": ["organizer"],
                "language": "fr",
            },
            {
                "email": "founder@example.com",
                "name": "Flora Fondatrice",
                "roles": ["candidate"],
                "language": "fr",
            },
        ],
        "juries": [
            {
                "prize": "innovation",
                "round": "preselection",
                "jurors": ["juror@example.org", "Zoe.Chen@Example.org"],
                "chairs": ["juror@example.org"],
            },
            {"prize": "women-in-tech", "round": "preselection", "jurors": ["Zoe.Chen@Example.org"]},
        ],
        "applications": [
            {
                "ref": "INN-002",
                "prize": "innovation",
                "status": "submitted",
                "submitted_at": "2023-08-10T14:03:00-04:00",
                "title": "Greenhouse robot",
                "summary": "A robot for greenhouses.",
                "language": "fr",
                "contact": "founder@example.com",
                "contact_name": "Flora Fondatrice",
                "website": "https://serre.example",
                "organization": {
                    "name": "Serre Inc.",
                    "type": "startup",
                    "region": "montreal",
                    "country": "CA",
                    "city": "Montréal",
                },
                "led_by_woman": True,
                "answers": {
                    "website": "https://serre.example",
                    "pitch": "Nous cultivons mieux.",
                    "stage": "market",
                    "lead": "Flora Fondatrice",
                    "consent": True,
                },
            },
            {
                "ref": "INN-001",
                "prize": "innovation",
                "status": "submitted",
                "submitted_at": "2023-08-15T23:59:00-04:00",
                "title": "Bilingual chatbot",
                "language": "en",
                "contact": "someone@elsewhere.example",
                "organization": {"name": "SERRE", "region": "international", "country": "FR", "city": "Lyon"},
                "led_by_woman": False,
                "answers": {"pitch": "We chat.", "stage": "idea", "lead": "Someone", "consent": False},
            },
            {"ref": "WIT-001", "prize": "women-in-tech", "status": "draft", "title": "", "answers": {}},
            {
                "ref": "WIT-002",
                "prize": "women-in-tech",
                "status": "withdrawn",
                "submitted_at": "2023-07-01T10:00:00-04:00",
                "title": "Mentorat",
                "answers": {},
            },
        ],
        "conflicts": [
            {"juror": "Zoe.Chen@Example.org", "application": "INN-002", "reason": "same organization"},
            {
                "juror": "juror@example.org",
                "application": "WIT-002",
                "source": "declared",
                "lifted_at": "2023-07-02T10:00:00-04:00",
                "lift_reason": "Ended in 2020.",
            },
        ],
        "scorecards": [
            {
                "prize": "innovation",
                "round": "preselection",
                "juror": "juror@example.org",
                "application": "INN-002",
                "status": "submitted",
                "scores": {"feasibility": -1.5, "impact": 8, "novelty": 4.25},
                "comment": "Solide.",
                "submitted_at": "2023-09-01T10:00:00-04:00",
            },
            {
                "prize": "innovation",
                "round": "preselection",
                "juror": "juror@example.org",
                "application": "INN-001",
                "status": "draft",
                "scores": {"impact": 6.5},
            },
            {
                "prize": "innovation",
                "round": "preselection",
                "juror": "Zoe.Chen@Example.org",
                "application": "INN-002",
                "status": "recused",
                "scores": {},
                "abstain_reason": "Same organization.",
            },
            {
                "prize": "innovation",
                "round": "preselection",
                "juror": "Zoe.Chen@Example.org",
                "application": "INN-001",
                "status": "assigned",
                "scores": {},
            },
        ],
        "decisions": [
            {
                "prize": "innovation",
                "application": "INN-002",
                "outcome": "finalist",
                "reason": "Top score",
                "round": "preselection",
            },
            {
                "prize": "innovation",
                "application": "INN-001",
                "outcome": "mention",
                "citation": {"fr": "Pour son audace", "en": "For its boldness"},
            },
        ],
    }


# --- concurrency (real threads) ---------------------------------------------------------------


def race(app, user, requests: list) -> list:
    """Send each ``(method, url, data)`` from its own thread and client, all released at once."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def run(index: int, method: str, url: str, data) -> None:
        client = app.test_client()
        login(client, user)
        barrier.wait()
        try:
            response = getattr(client, method)(
                url, data=data() if callable(data) else data, content_type="multipart/form-data"
            )
            results[index] = (response.status_code, response.headers.get("Location"))
        except Exception as error:  # reported by the assertion below
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


# --- a database from last year (migration 0001, a row in every table) -------------------------


WHEN = datetime(2025, 11, 23, 17, 45, 12, tzinfo=UTC)


TEXT = "Données « été » — ✓ 🎉 l'équipe"


#: Values the 0001 schema's CHECK constraints accept (everything else is generated by type).
ALLOWED = {
    "editions": {"applications_open": WHEN, "applications_close": WHEN + timedelta(days=60)},
    "users": {"language": "fr"},
    "applications": {"language": "en", "org_type": "nonprofit", "region": "quebec", "status": "submitted"},
    "questions": {"type": "long-text", "max_words": 250},
    "rounds": {"method": "trimmed", "phase": "judging", "jurors_per_application": 3},
    "user_roles": {"role": "juror"},
    "assignments": {"status": "submitted"},
    "conflicts": {"source": "declared", "lifted_at": None, "lift_reason": None},
    "criteria": {"min_value": 0, "max_value": 10, "weight": Decimal("1.5")},
    "decisions": {"outcome": "finalist"},
    "prizes": {"finalists": 3},
    "attachments": {"size_bytes": 40960},
}


#: Columns a migration drops, and why no data is lost (only these may be missing after the upgrade).
DROPPED = {
    ("assignments", "pitch_position"): "no release ever wrote it; 0002 moved the pitch order to pitch_slots",
    ("applications", "extra"): "0007 moves what it carried to submissions and columns (test_submissions.py)",
    ("applications", "led_by_woman"): "0007 keeps the answer in led_by_woman_answer (checked below)",
}


def _value(table: Table, column) -> Any:
    if column.name in ALLOWED.get(table.name, {}):
        return ALLOWED[table.name][column.name]
    if column.foreign_keys:
        return 1  # every table's row has id 1
    if isinstance(column.type, Boolean):
        return True
    if isinstance(column.type, Integer):
        return 1 if column.primary_key else 7
    if isinstance(column.type, Numeric):
        return Decimal("2.5")
    if isinstance(column.type, DateTime):
        return WHEN
    if isinstance(column.type, JSON):
        return {"fr": f"{TEXT} ({column.name})", "en": f"{column.name} in English"}
    length = getattr(column.type, "length", None) or 200
    return f"{table.name}.{column.name} {TEXT}"[:length] if isinstance(column.type, String) else TEXT


def _fill_every_table(url: str) -> dict[str, dict[str, Any]]:
    """One row per table of the 0001 schema, with a value in every column; returns what was written."""
    engine = make_engine(url)
    metadata = MetaData()
    with warnings.catch_warnings():  # expression indexes (lower(email)) are not reflected
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
        metadata.reflect(engine)
    written = {}
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            row = {column.name: _value(table, column) for column in table.columns}
            connection.execute(table.insert().values(row))
            written[table.name] = row
    engine.dispose()
    return written


def _same(stored: Any, written: Any) -> bool:
    if isinstance(written, datetime) and isinstance(stored, datetime):
        stored = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
        return stored == written
    return stored == written


def database_at_0001(url: str) -> dict[str, dict[str, Any]]:
    """A database at the first migration with a row in every table; returns what was written."""
    upgrade(url, "0001")
    written = _fill_every_table(url)
    assert {"users", "applications", "answers", "attachments", "criterion_scores"} <= set(written)
    assert len(written) >= 20  # every table of the first schema (mail_templates, pitch_slots… came later)
    return written


def assert_rows_intact(url: str, written: dict[str, dict[str, Any]]) -> None:
    """The database is at head and holds exactly the rows written at 0001, every value unchanged."""
    engine = make_engine(url)
    metadata = MetaData()
    with warnings.catch_warnings():  # expression indexes (lower(email)) are not what is compared
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
        metadata.reflect(engine)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        for name, row in written.items():
            table = metadata.tables[name]
            stored = connection.execute(select(table)).mappings().all()
            assert len(stored) == 1, name
            kept = {c: v for c, v in row.items() if (name, c) not in DROPPED}
            changed = {
                c: (stored[0].get(c, "<dropped>"), v)
                for c, v in kept.items()
                if not _same(stored[0].get(c), v)
            }
            assert changed == {}, name
            if "version" in table.columns and "version" not in row:  # added by 0006: starts at 1
                assert stored[0]["version"] == 1, name
            if name == "applications":  # 0007: the boolean became the answer it stood for
                assert stored[0]["led_by_woman_answer"] == ("yes" if row["led_by_woman"] else "no")
        assert set(inspect(connection).get_table_names()) >= set(Base.metadata.tables)
    engine.dispose()
