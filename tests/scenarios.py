"""Scenario builders shared by tests and benchmarks: one module, never imported from a test module.

Each builder makes the data of a situation (people, applications, scorecards ...) and returns it;
the tests that use it assert on it. Sections: conflicts (``large_jury``), results
(``five_by_four`` and the results page's readers), ceremony (``ceremony_edition`` and the PDF
readers).
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser

from judging.domain.conflicts import ApplicantProfile, JurorProfile
from judging.models import Decision, PitchSlot, ResultSnapshot
from tests.factories import aware

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
