"""``judging demo --at PHASE``: the demo edition as it stands at each point of the season.

Each point is reached through the organizers' operations (phase changes, finalist selection and
announcement, pitch order, winners, freezing, reveal), so the pages show what the real flow makes.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from judging.accounts.models import User
from judging.applications.models import Application, Submission
from judging.core.audit_event import AuditEvent
from judging.devdata import demo
from judging.editions.models import Round
from judging.mail.models import OutgoingMail
from judging.results.models import ResultSnapshot
from tests.conftest import login


def _organizer_page(client, db, url: str) -> str:
    login(client, db.scalar(select(User).where(User.email == demo.ORGANIZER_EMAIL)))
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _phases(db, edition) -> dict[str, set[str]]:
    rounds = db.scalars(select(Round).join(Round.prize).where(Round.prize.has(edition_id=edition.id))).all()
    found: dict[str, set[str]] = {}
    for rnd in rounds:
        found.setdefault(rnd.code, set()).add(rnd.phase)
    return found


def test_the_demo_candidates_submitted_application_has_its_receipt(app, db):
    edition = demo.load_demo(db)
    candidate = db.scalar(select(User).where(User.email == demo.CANDIDATE_EMAIL))
    submitted = db.scalars(
        select(Application).where(Application.applicant_id == candidate.id, Application.status == "submitted")
    ).all()
    assert len(submitted) == 1 and submitted[0].edition_id == edition.id
    receipt = db.scalar(select(Submission).where(Submission.application_id == submitted[0].id))
    assert receipt is not None and receipt.receipt_number == submitted[0].receipt_number
    assert receipt.submitted_at == submitted[0].submitted_at


@pytest.mark.parametrize("at", demo.SEASON)
def test_each_point_of_the_season_loads_with_its_rounds_in_their_phase(app, db, at):
    edition = demo.load_demo(db, at=at)
    db.commit()
    expected = {
        "open": ({"judging"}, {"setup"}),
        "screening": ({"judging"}, {"setup"}),
        "judging": ({"deliberation"}, {"setup"}),
        "finalists": ({"announced"}, {"judging"}),
        "final": ({"announced"}, {"decided"}),
        "ceremony": ({"announced"}, {"announced"}),
    }[at]
    assert _phases(db, edition) == {"preselection": expected[0], "final": expected[1]}
    snapshots = db.scalar(select(func.count()).select_from(ResultSnapshot)) or 0
    assert snapshots == {"finalists": 4, "final": 4, "ceremony": 8}.get(at, 0)
    call_open = edition.applications_close > demo.ANCHOR
    assert call_open == (at == "open")


def test_at_finalists_twelve_finalists_are_announced_mailed_and_public(app, db, client):
    demo.load_demo(db, at="finalists")
    db.commit()
    announced = db.scalars(select(AuditEvent).where(AuditEvent.action == "finalists.announced")).all()
    assert len(announced) == 4
    mailed = db.scalar(select(func.count()).select_from(OutgoingMail)) or 0
    assert mailed >= 147  # every candidate hears the outcome
    page = client.get(f"/editions/{demo.EDITION_CODE}/finalists")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('class="mb-2 finalist"') == 12
    assert html.count('class="withheld"') == 1  # INN-006 said no to publication


def test_at_ceremony_the_winners_are_public(app, db, client):
    edition = demo.load_demo(db, at="ceremony")
    db.commit()
    assert edition.winners_public_at is not None
    page = client.get(f"/editions/{demo.EDITION_CODE}/winners")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="mb-1 winner"') == 4
    assert "Pour un projet qui a convaincu le jury à l’unanimité." in html


def test_a_second_at_replaces_the_demo(app, db):
    demo.load_demo(db, at="ceremony")
    db.commit()
    edition = demo.load_demo(db, at="open")
    db.commit()
    assert _phases(db, edition) == {"preselection": {"judging"}, "final": {"setup"}}
    assert db.scalar(select(func.count()).select_from(ResultSnapshot)) == 0


# What the cockpit's "next actions" say at each point (the first action, for the first prize).
INNOVATION = demo.PRIZES[0]["name"]["fr"]
NEXT_ACTION = {
    "open": f"5 juré·e·s n’ont pas terminé {INNOVATION} · Présélection",
    "screening": f"5 juré·e·s n’ont pas terminé {INNOVATION} · Présélection",
    "judging": f"Délibération en cours : arrêtez les résultats {INNOVATION} · Présélection",
    "finalists": f"5 juré·e·s n’ont pas terminé {INNOVATION} · Finale",
    "final": f"Résultats prêts à annoncer {INNOVATION} · Finale",
    "ceremony": "Rien ne vous attend pour le moment.",
}


@pytest.mark.parametrize("at", demo.SEASON)
def test_the_organizers_cockpit_shows_the_point_of_the_season(app, db, client, at):
    edition = demo.load_demo(db, at=at)
    db.commit()
    html = _organizer_page(client, db, f"/organizer/editions/{edition.id}")
    main = html[html.find("<main") : html.find("</main>")]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&#39;", "'")
    assert NEXT_ACTION[at] in text
    closes = "15 décembre 2026" if at == "open" else "20 novembre 2026 à 12 h 00 (HNE)"
    assert f"au {closes}" in text


def test_the_demo_command_loads_a_point_of_the_season_without_serving(app, db, runner):
    result = runner.invoke(args=["demo", "--at", "final", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert f"Demo edition {demo.EDITION_CODE} loaded at final" in result.output
    edition = demo.find_demo(db)
    assert _phases(db, edition) == {"preselection": {"announced"}, "final": {"decided"}}
    refused = runner.invoke(args=["demo", "--at", "someday", "--no-serve"])
    assert refused.exit_code != 0 and "someday" in refused.output
