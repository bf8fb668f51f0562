"""What a candidate sees of their application's progress: never an outcome before its announcement,
never a score, a juror or another application; list pages in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from judging.results.models import Decision
from tests.conftest import login
from tests.factories import aware
from tests.scenarios import text_of

NOW = aware(2031, 10, 1, 12)


@pytest.fixture
def setup(client, make, db, clock):
    clock.set(NOW)
    edition = make.edition(
        applications_open=NOW - timedelta(days=90),
        applications_close=NOW - timedelta(days=30),
        finalists_public_at=NOW + timedelta(days=5),
        winners_public_at=NOW + timedelta(days=10),
        ceremony_at=NOW + timedelta(days=10),
    )
    prize = make.prize(edition, code="innovation")
    rnd = make.round(prize, phase="setup", code="preselection")
    final = make.round(prize, phase="setup", code="final", criteria=1)
    user = make.user(email="me@example.org", language="en")
    juror = make.user(email="juror-secret@example.org", name="Juré Secret", roles=["juror"])
    mine = make.application(prize, applicant=user, title="Mon projet", status="submitted")
    theirs = make.application(prize, title="Projet-Voisin-3141", status="submitted")
    make.jury(rnd, juror)
    make.scorecard(rnd, juror, mine, scores={"c1": 7.25, "c2": 3}, comment="Commentaire-Juré-Privé-2718")
    db.commit()
    login(client, user)
    return {
        "edition": edition,
        "prize": prize,
        "round": rnd,
        "final": final,
        "mine": mine,
        "theirs": theirs,
        "juror": juror,
    }


def page(client, application) -> str:
    return text_of(client.get(f"/candidate/applications/{application.id}"))


def test_status_moves_from_submitted_to_under_review(client, db, setup):
    html = page(client, setup["mine"])
    assert '<span class="badge text-bg-success" id="status">Submitted</span>' in html
    setup["round"].phase = "judging"
    db.commit()
    html = page(client, setup["mine"])
    assert '<span class="badge text-bg-primary" id="status">Under review</span>' in html
    assert "Under review" in text_of(client.get("/candidate/"))


def test_outcomes_show_only_once_announced(client, db, setup, clock):
    s = setup
    s["round"].phase = "decided"
    db.add(
        Decision(
            prize_id=s["prize"].id, round_id=s["round"].id, application_id=s["mine"].id, outcome="finalist"
        )
    )
    db.add(
        Decision(
            prize_id=s["prize"].id, round_id=s["final"].id, application_id=s["mine"].id, outcome="winner"
        )
    )
    db.add(
        Decision(
            prize_id=s["prize"].id,
            round_id=s["round"].id,
            application_id=s["theirs"].id,
            outcome="not-selected",
        )
    )
    db.commit()

    for url in (f"/candidate/applications/{s['mine'].id}", "/candidate/"):
        html = text_of(client.get(url))
        for word in ("Finalist", "Winner", "Congratulations", "Not selected", "Honourable mention"):
            assert word not in html, (url, word)

    clock.set(s["edition"].finalists_public_at - timedelta(seconds=1))
    assert "Finalist" not in page(client, s["mine"])
    clock.set(s["edition"].finalists_public_at)
    html = page(client, s["mine"])
    assert 'id="outcome-finalist"' in html and "your project is a finalist" in html
    assert "Winner" not in html

    clock.set(s["edition"].winners_public_at + timedelta(seconds=1))
    html = page(client, s["mine"])
    assert 'id="outcome-winner"' in html and "your project won this prize" in html
    assert "Winner" in text_of(client.get("/candidate/"))


def test_an_announced_round_shows_its_outcome_before_the_editions_date(client, db, setup):
    s = setup
    db.add(
        Decision(
            prize_id=s["prize"].id, round_id=s["round"].id, application_id=s["mine"].id, outcome="finalist"
        )
    )
    db.commit()
    assert "Finalist" not in page(client, s["mine"])
    s["round"].phase = "announced"
    db.commit()
    assert 'id="outcome-finalist"' in page(client, s["mine"])


def test_not_selected_shows_with_the_finalists(client, db, setup, clock):
    s = setup
    db.add(
        Decision(
            prize_id=s["prize"].id,
            round_id=s["round"].id,
            application_id=s["mine"].id,
            outcome="not-selected",
        )
    )
    db.commit()
    assert "Not selected" not in page(client, s["mine"])
    clock.set(s["edition"].finalists_public_at)
    assert 'id="outcome-not-selected"' in page(client, s["mine"])


def test_an_application_told_it_is_not_selected_is_no_longer_under_review(client, db, setup, clock):
    """While the final is judged, a candidate not selected read « Under review · Not selected »."""
    s = setup
    s["round"].phase = "announced"
    s["final"].phase = "judging"
    db.add(
        Decision(
            prize_id=s["prize"].id,
            round_id=s["round"].id,
            application_id=s["mine"].id,
            outcome="not-selected",
        )
    )
    db.commit()
    html = page(client, s["mine"])
    assert 'id="outcome-not-selected"' in html
    assert '<span class="badge text-bg-success" id="status">Submitted</span>' in html
    assert "Under review" not in html and "Under review" not in text_of(client.get("/candidate/"))


def test_nothing_about_scores_jurors_or_other_applications(client, db, setup, clock):
    s = setup
    s["round"].phase = "announced"
    db.add(
        Decision(
            prize_id=s["prize"].id,
            round_id=s["round"].id,
            application_id=s["mine"].id,
            outcome="finalist",
            reason="Raison-Interne-1618",
        )
    )
    db.commit()
    clock.set(s["edition"].winners_public_at + timedelta(days=1))
    for url in ("/candidate/", f"/candidate/applications/{s['mine'].id}", "/candidate/my-data"):
        html = text_of(client.get(url))
        for secret in (
            "7.25",
            "7,25",
            "Commentaire-Juré-Privé-2718",
            "Juré Secret",
            "juror-secret@example.org",
            "Projet-Voisin-3141",
            "Raison-Interne-1618",
        ):
            assert secret not in html, (url, secret)
    assert client.get(f"/candidate/applications/{s['theirs'].id}").status_code == 404


def count_queries(app, client, url: str) -> int:
    from judging.db import get_engine

    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(statements)


def test_the_dashboard_needs_the_same_number_of_queries_for_1_or_4_applications(app, client, make, db, setup):
    s = setup
    db.add(
        Decision(
            prize_id=s["prize"].id, round_id=s["round"].id, application_id=s["mine"].id, outcome="finalist"
        )
    )
    db.commit()
    base = count_queries(app, client, "/candidate/")
    for n in range(3):
        other_prize = make.prize(s["edition"], code=f"other-{n}")
        other_round = make.round(other_prize, phase="judging")
        other = make.application(other_prize, applicant=s["mine"].applicant, status="submitted")
        db.add(
            Decision(
                prize_id=other_prize.id, round_id=other_round.id, application_id=other.id, outcome="mention"
            )
        )
    db.commit()
    assert count_queries(app, client, "/candidate/") == base
