"""Builders shared by the ceremony, public results and notification tests (no test of its own).

``ceremony_edition`` makes an edition shaped like the real contest: four prizes, three
finalists each (pitching in an order that is *not* the order of their references), a
winner that is not the first finalist, a mention, sponsors, presenters and timings; each
prize's final round frozen in a snapshot. With ``secret=True`` it adds a fifth prize
whose results are decided but NOT frozen, with names that must never leak anywhere.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field

from judging.models import Decision, PitchSlot, ResultSnapshot
from tests.factories import aware

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
