"""The organizer's ceremony pages: arrangement, PDF downloads, the reveal screen, the explicit reveal."""

from __future__ import annotations

import html
import subprocess
import tempfile

import pytest
from sqlalchemy import event, select

from judging.ceremony import plan as ceremony
from judging.core.audit_event import AuditEvent
from judging.db import get_engine
from judging.editions.models import Prize
from tests.conftest import login
from tests.factories import aware
from tests.scenarios import (
    PRIZES,
    ceremony_edition,
    in_order,
    pages,
    pdf_text,
    person_name,
    secret_strings,
    squash,
)


def url(built, suffix=""):
    return f"/organizer/editions/{built.edition.id}/ceremony{suffix}"


def text_of(response) -> str:
    """The page's HTML with entities decoded (names hold apostrophes)."""
    return html.unescape(response.get_data(as_text=True))


def count_queries(app, client, path) -> tuple[int, int]:
    from judging.db import session

    session.expunge_all()
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", before)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return response.status_code, len(statements)


# --- access ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix",
    [
        "",
        "/reveal",
        "/documents/envelopes.pdf",
        "/notifications",
        "/comments",
        "/notifications/outcome_winner/fr",
    ],
)
def test_only_organizers(app, db, make, client, juror, candidate, suffix):
    built = ceremony_edition(make, db, secret=False)
    anonymous = client.get(url(built, suffix))
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    for person in (juror, candidate):
        login(client, person)
        assert client.get(url(built, suffix)).status_code == 403
    for path in (
        f"/organizer/editions/{built.edition.id}/report",
        f"/organizer/editions/{built.edition.id}/report.pdf",
    ):
        assert client.get(path).status_code == 403


def test_unknown_edition_is_404(organizer_client):
    assert organizer_client.get("/organizer/editions/999999/ceremony").status_code == 404
    assert organizer_client.get("/organizer/editions/999999/ceremony/reveal").status_code == 404


# --- arrangement ----------------------------------------------------------------------------------------


def _arrangement_form(built, order, **overrides):
    data = {}
    for index, prize in enumerate(built.prizes):
        data.update(
            {
                f"prizes-{index}-prize_id": str(prize.id),
                f"prizes-{index}-order": str(order[index]),
                f"prizes-{index}-minutes": "7",
                f"prizes-{index}-sponsor": prize.sponsor,
                f"prizes-{index}-presenter_name": prize.presenter_name,
                f"prizes-{index}-presenter_title": prize.presenter_title,
                f"prizes-{index}-presenter_organization": prize.presenter_organization,
                f"prizes-{index}-script_fr": f"Texte {index}",
                f"prizes-{index}-script_en": f"Lines {index}",
            }
        )
    data.update(overrides)
    return data


def test_arrange_the_ceremony(app, db, make, organizer_client):
    built = ceremony_edition(make, db, secret=False)
    page = organizer_client.get(url(built))
    assert page.status_code == 200
    assert in_order(text_of(page), [p[1] for p in PRIZES])
    # the last prize first; the presenter of the second changes
    response = organizer_client.post(
        url(built),
        data=_arrangement_form(
            built,
            [2, 3, 4, 1],
            **{"prizes-1-presenter_name": "Nouvelle Remettante", "prizes-1-minutes": "20"},
        ),
    )
    assert response.status_code == 302
    db.expire_all()
    prizes = db.scalars(
        select(Prize).where(Prize.edition_id == built.edition.id).order_by(Prize.position)
    ).all()
    assert [p.code for p in prizes] == ["decouvrabilite", "innovation", "femmes-tech", "litteratie"]
    assert prizes[2].presenter_name == "Nouvelle Remettante" and prizes[2].ceremony_minutes == 20
    assert prizes[0].ceremony_script == {"fr": "Texte 3", "en": "Lines 3"}
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "ceremony.arranged")).one()
    assert event.after["order"] == ["decouvrabilite", "innovation", "femmes-tech", "litteratie"]
    with app.test_request_context():
        plan = ceremony.ceremony_plan(db, built.edition, language="fr")
    assert [p.code for p in plan.prizes] == ["decouvrabilite", "innovation", "femmes-tech", "litteratie"]
    assert [p.starts_at.isoformat() for p in plan.prizes][:3] == [
        "2025-10-16T23:00:00+00:00",
        "2025-10-16T23:07:00+00:00",
        "2025-10-16T23:14:00+00:00",
    ]


def test_arrangement_errors_keep_what_was_typed(app, db, make, organizer_client):
    built = ceremony_edition(make, db, secret=False)
    response = organizer_client.post(
        url(built),
        data=_arrangement_form(
            built, [1, 2, 3, 4], **{"prizes-2-minutes": "999", "prizes-0-presenter_name": "Tapé à la main"}
        ),
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "Tapé à la main" in page and "is-invalid" in page
    db.expire_all()
    assert db.get(Prize, built.prizes[0].id).presenter_name == PRIZES[0][4][0]


def test_public_times(app, db, make, organizer_client):
    built = ceremony_edition(make, db, secret=False)
    response = organizer_client.post(
        url(built),
        data={
            "action": "times",
            "finalists_public_at": "2025-10-20T09:00",
            "winners_public_at": "2025-10-19T09:00",
        },
    )
    assert response.status_code == 422
    response = organizer_client.post(
        url(built),
        data={
            "action": "times",
            "finalists_public_at": "2025-09-20T09:00",
            "winners_public_at": "2025-10-16T21:30",
        },
    )
    assert response.status_code == 302
    db.expire_all()
    assert built.edition.winners_public_at.isoformat() == "2025-10-17T01:30:00+00:00"
    assert built.edition.finalists_public_at.isoformat() == "2025-09-20T13:00:00+00:00"


# --- documents --------------------------------------------------------------------------------------------


def test_a_pdf_of_an_unfrozen_prize_is_refused_with_a_clear_message(app, db, make, organizer_client):
    built = ceremony_edition(make, db)
    response = organizer_client.get(url(built, "/documents/envelopes.pdf"))
    assert response.status_code == 409
    assert response.mimetype == "text/html"
    page = text_of(response)
    assert "ne sont pas encore figés" in page and "Prix Confidentiel Zorglub" in page
    for secret in ["Zébulon Secretus", "Projet Zorglub-Alpha", "Citation Zorglub"]:
        assert secret not in page


def test_pdf_download_with_options(app, db, make, organizer_client):
    built = ceremony_edition(make, db)
    response = organizer_client.get(url(built, "/documents/envelopes.pdf?scope=ready&language=en&paper=a4"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "mtl-2025-envelopes-en-a4.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert f"The {PRIZES[0][2]} goes to" in squash(text)
    for secret in secret_strings():
        assert secret not in text
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(response.data)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, check=True, text=True).stdout
    assert "(A4)" in info
    letter = organizer_client.get(url(built, "/documents/run-of-show.pdf?scope=ready"))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(letter.data)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, check=True, text=True).stdout
    assert "(letter)" in info
    assert organizer_client.get(url(built, "/documents/nope.pdf")).status_code == 404
    assert organizer_client.get(url(built, "/documents/press.pdf?paper=legal")).status_code == 400


def test_ceremony_cli_writes_a_pdf_or_explains(app, db, make, runner, tmp_path):
    built = ceremony_edition(make, db)
    target = tmp_path / "env.pdf"
    refused = runner.invoke(args=["ceremony", built.edition.code, "--pdf", "envelopes", "-o", str(target)])
    assert refused.exit_code == 1 and "Prix Confidentiel Zorglub" in refused.output and not target.exists()
    done = runner.invoke(
        args=["ceremony", built.edition.code, "--pdf", "envelopes", "-o", str(target), "--only-ready"]
    )
    assert done.exit_code == 0, done.output
    cards = pages(pdf_text(target.read_bytes()))
    assert len(cards) == 4 and person_name(3, 0) in cards[3]


# --- reveal screen ------------------------------------------------------------------------------------------


def test_reveal_screen_finalists_then_winner(app, db, make, organizer_client):
    built = ceremony_edition(make, db, secret=False)
    title = organizer_client.get(url(built, "/reveal?language=fr"))
    assert title.status_code == 200 and "Édition 2025 des MTL Tech Awards" in text_of(title)
    assert f'href="/organizer/editions/{built.edition.id}/ceremony/reveal?step=1&language=fr"' in text_of(
        title
    )
    finalists = text_of(organizer_client.get(url(built, "/reveal?step=1&language=fr")))
    assert PRIZES[0][1] in finalists
    assert in_order(finalists, [person_name(0, 2), person_name(0, 0), person_name(0, 1)])
    assert 'id="winner"' not in finalists and "est décerné à" not in finalists
    assert "Pour l'audace" not in finalists
    assert "Dévoiler le ou la lauréat·e" in finalists  # the plain link to the next step
    winner = text_of(organizer_client.get(url(built, "/reveal?step=2&language=fr")))
    assert f"Le {PRIZES[0][1]} est décerné à" in winner
    assert f'<p class="winner" id="winner">{person_name(0, 0)}</p>' in winner
    assert person_name(0, 3) in winner  # the mention
    second = text_of(organizer_client.get(url(built, "/reveal?step=3&language=en")))
    assert PRIZES[1][2] in second and person_name(1, 0) in second and 'id="winner"' not in second
    last = text_of(organizer_client.get(url(built, "/reveal?step=99")))
    assert 'id="exit"' in last and 'id="next"' not in last
    assert "<style" not in winner and "style=" not in winner  # the CSP forbids inline styles


def test_the_reveal_screen_names_the_contest_once(app, db, make, organizer_client):
    """« MTL Tech Awards » over « Édition 2025 des MTL Tech Awards » said the contest's name twice."""
    built = ceremony_edition(make, db, secret=False)
    for step in ("", "&step=99"):
        page = text_of(organizer_client.get(url(built, f"/reveal?language=fr{step}")))
        stage = page[page.index('<main class="stage"') : page.index("</main>")]
        assert stage.count("MTL Tech Awards") == 1, stage


def test_the_mail_texts_links_name_their_language_in_words(app, db, make, organizer_client):
    """Each « texte par défaut » link said « (Finalistes, fr) » to a screen reader: a code."""
    built = ceremony_edition(make, db, secret=False)
    page = html.unescape(organizer_client.get(url(built, "/notifications")).get_data(as_text=True))
    assert '<span class="visually-hidden"> (Finalistes, Français)</span>' in page
    assert ", fr)</span>" not in page and ", en)</span>" not in page


def test_reveal_screen_is_refused_while_a_prize_is_not_frozen(app, db, make, organizer_client):
    built = ceremony_edition(make, db)
    response = organizer_client.get(url(built, "/reveal?step=2"))
    assert response.status_code == 409
    for secret in ["Zébulon Secretus", "Projet Zorglub-Alpha"]:
        assert secret not in text_of(response)


def test_explicit_reveal_makes_the_winners_public_now(app, db, make, organizer_client, monkeypatch):
    built = ceremony_edition(make, db, secret=False)
    moment = aware(2025, 10, 16, 23, 50)
    monkeypatch.setattr("judging.core.clock.now", lambda: moment)
    monkeypatch.setattr("judging.core.clock.now", lambda: moment)
    response = organizer_client.post(url(built, "/reveal-winners"))
    assert response.status_code == 302
    db.expire_all()
    assert built.edition.winners_public_at == moment
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "ceremony.winners_revealed")).one()
    assert event.actor_id is not None and event.after["winners_public_at"] == moment.isoformat()
    public = app.test_client().get(f"/editions/{built.edition.code}/winners")  # anonymous
    assert public.status_code == 200 and person_name(2, 0) in text_of(public)
    again = organizer_client.post(url(built, "/reveal-winners"), follow_redirects=True)
    assert "La liste des lauréat·e·s est déjà publique." in text_of(again)


def test_explicit_reveal_is_refused_while_a_prize_is_not_frozen(app, db, make, organizer_client, monkeypatch):
    built = ceremony_edition(make, db)
    monkeypatch.setattr("judging.core.clock.now", lambda: aware(2025, 10, 16, 23, 50))
    response = organizer_client.post(url(built, "/reveal-winners"), follow_redirects=True)
    assert "Prix Confidentiel Zorglub" in text_of(response)
    db.expire_all()
    assert built.edition.winners_public_at == aware(2025, 10, 17, 1)


# --- fixed number of queries ------------------------------------------------------------------------------


def test_pages_run_a_fixed_number_of_queries(app, db, make, organizer_client):
    small = ceremony_edition(make, db, secret=False, code="small")
    # a larger edition: the same four prizes and 30 more finalists and mentions each
    large = ceremony_edition(make, db, secret=False, code="large")
    from judging.results.models import Decision

    for i, prize in enumerate(large.prizes):
        for k in range(30):
            extra = make.application(prize, ref=f"X{i}-{k:03d}", contact_name=f"Extra {i} {k}")
            db.add(
                Decision(
                    prize=prize,
                    round_id=large.rounds[i].id,
                    application=extra,
                    outcome="finalist" if k % 2 else "mention",
                    citation={"fr": "c", "en": "c"},
                )
            )
    db.commit()
    for suffix in ("", "/reveal?step=1", "/notifications", "/comments"):
        status_small, queries_small = count_queries(app, organizer_client, url(small, suffix))
        status_large, queries_large = count_queries(app, organizer_client, url(large, suffix))
        assert (status_small, status_large) == (200, 200), suffix
        assert queries_small == queries_large, suffix
