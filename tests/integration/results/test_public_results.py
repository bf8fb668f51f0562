"""Public finalists and winners pages: nothing before their time (the same 404 as an unknown page), for
anonymous visitors, candidates and jurors; organizers preview; only frozen results; text escaped."""

from __future__ import annotations

import html

import pytest

from judging.results.models import Decision
from tests.conftest import login
from tests.factories import aware
from tests.scenarios import (
    PRIZES,
    ceremony_edition,
    in_order,
    person_name,
    secret_strings,
)

BEFORE_FINALISTS = aware(2025, 9, 20, 13, 59)
AFTER_FINALISTS = aware(2025, 9, 20, 14, 0)  # finalists_public_at
BEFORE_WINNERS = aware(2025, 10, 17, 0, 59)
AFTER_WINNERS = aware(2025, 10, 17, 1, 0)  # winners_public_at


@pytest.fixture
def clock(monkeypatch):
    """Set the public pages' "now"."""

    def set_to(moment):
        monkeypatch.setattr("judging.core.clock.now", lambda: moment)

    return set_to


@pytest.fixture
def visitors(app, juror, candidate, make, db):
    """A client per kind of visitor: anonymous, a candidate (a finalist herself), a juror."""
    anonymous = app.test_client()
    candidate_client = app.test_client()
    login(candidate_client, candidate)
    juror_client = app.test_client()
    login(juror_client, juror)
    return {"anonymous": anonymous, "candidate": candidate_client, "juror": juror_client}


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


UNKNOWN = "/no-such-page-at-all"


def not_found_body(client) -> tuple[int, str]:
    """An unknown address's answer (its own path, echoed in the language switch, made neutral)."""
    response = client.get(UNKNOWN)
    return response.status_code, response.get_data(as_text=True).replace(UNKNOWN, "PATH")


def answer(client, path) -> tuple[int, str]:
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True).replace(path, "PATH")


@pytest.mark.parametrize("who", ["anonymous", "candidate", "juror"])
def test_nothing_before_its_time(app, db, make, visitors, clock, who, candidate):
    built = ceremony_edition(make, db)
    # the candidate is one of the finalists: even she sees nothing before the time
    built.finalists[0][0].applicant_id = candidate.id
    db.commit()
    client = visitors[who]
    expected = not_found_body(client)
    clock(BEFORE_FINALISTS)
    for path in (
        f"/editions/{built.edition.code}/finalists",
        f"/editions/{built.edition.code}/winners",
        "/editions/no-such-edition/finalists",
        "/editions/no-such-edition/winners",
    ):
        assert answer(client, path) == expected, path
    clock(AFTER_FINALISTS)
    assert client.get(f"/editions/{built.edition.code}/finalists").status_code == 200
    assert answer(client, f"/editions/{built.edition.code}/winners") == expected
    clock(BEFORE_WINNERS)
    assert answer(client, f"/editions/{built.edition.code}/winners") == expected
    clock(AFTER_WINNERS)
    assert client.get(f"/editions/{built.edition.code}/winners").status_code == 200


def test_no_public_time_means_never_public(app, db, make, visitors, clock):
    built = ceremony_edition(make, db, secret=False)
    built.edition.finalists_public_at = None
    built.edition.winners_public_at = None
    db.commit()
    clock(aware(2030, 1, 1))
    for client in visitors.values():
        assert client.get(f"/editions/{built.edition.code}/finalists").status_code == 404
        assert client.get(f"/editions/{built.edition.code}/winners").status_code == 404


def test_finalists_page_shows_frozen_finalists_only(app, db, make, visitors, clock):
    built = ceremony_edition(make, db)
    clock(AFTER_WINNERS)
    text = page(visitors["anonymous"].get(f"/editions/{built.edition.code}/finalists"))
    assert in_order(text, [p[1] for p in PRIZES])
    for i in range(4):
        assert in_order(text, [PRIZES[i][1], person_name(i, 2), person_name(i, 0), person_name(i, 1)])
        assert person_name(i, 3) not in text  # mentions are for the winners page
    assert "Pour l'audace" not in text and "Lauréat" not in text
    for secret in secret_strings():
        assert secret not in text


def test_winners_page_in_french_and_english(app, db, make, visitors, clock):
    built = ceremony_edition(make, db)
    clock(AFTER_WINNERS)
    client = visitors["anonymous"]
    french = page(client.get(f"/editions/{built.edition.code}/winners"))
    assert in_order(
        french,
        [
            PRIZES[0][1],
            person_name(0, 0),
            "Pour l'audace de innovation",
            person_name(0, 3),
            "Mention pour innovation",
            PRIZES[1][1],
        ],
    )
    assert "Remis par Amélie Hautecoeur, vice-présidente, Banque Fictive du Québec" in french  # after a comma
    client.post("/language", data={"language": "en", "next": "/"})
    english = page(client.get(f"/editions/{built.edition.code}/winners"))
    assert in_order(english, [PRIZES[0][2], person_name(0, 0), "For the boldness of innovation"])
    assert "Pour l'audace" not in english
    for text in (french, english):
        for secret in secret_strings():
            assert secret not in text
        assert 'id="preview-banner"' not in text


def test_organizers_preview_with_a_banner(app, db, make, organizer_client, clock):
    built = ceremony_edition(make, db)
    clock(BEFORE_FINALISTS)
    for stage in ("finalists", "winners"):
        response = organizer_client.get(f"/editions/{built.edition.code}/{stage}")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"
        text = page(response)
        assert 'id="preview-banner"' in text and "Aperçu" in text
        for secret in secret_strings():
            assert secret not in text  # even the preview holds only frozen results
    winners = page(organizer_client.get(f"/editions/{built.edition.code}/winners"))
    assert person_name(0, 0) in winners
    clock(AFTER_WINNERS)
    assert 'id="preview-banner"' not in page(organizer_client.get(f"/editions/{built.edition.code}/winners"))


def test_markup_in_a_citation_is_escaped(app, db, make, visitors, clock):
    built = ceremony_edition(make, db, secret=False)
    winner = db.query(Decision).filter_by(prize_id=built.prizes[1].id, outcome="winner").one()
    winner.citation = {"fr": '<script>alert("x")</script><b>gras</b>', "en": "<i>en</i>"}
    built.prizes[1].sponsor = "<img src=x onerror=alert(1)>"
    db.commit()
    clock(AFTER_WINNERS)
    raw = visitors["anonymous"].get(f"/editions/{built.edition.code}/winners").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;gras&lt;/b&gt;" in raw
    assert "<script>alert" not in raw and "<img src=x" not in raw


def test_a_reopened_round_disappears_from_the_public_pages(app, db, make, visitors, clock):
    from judging.results.models import ResultSnapshot

    built = ceremony_edition(make, db, secret=False)
    clock(AFTER_WINNERS)
    snapshot = db.query(ResultSnapshot).filter_by(round_id=built.rounds[2].id).one()
    snapshot.invalidated_at = aware(2025, 10, 17, 2)
    snapshot.invalidated_reason = "a scorecard was wrong"
    db.commit()
    for stage in ("finalists", "winners"):
        text = page(visitors["anonymous"].get(f"/editions/{built.edition.code}/{stage}"))
        assert PRIZES[1][1] in text and PRIZES[2][1] not in text and person_name(2, 0) not in text


def test_public_pages_run_a_fixed_number_of_queries(app, db, make, clock):
    from tests.integration.ceremony.test_ceremony_pages import count_queries

    ceremony_edition(make, db, secret=False, code="small")
    large = ceremony_edition(make, db, secret=True, code="large")
    for i, prize in enumerate(large.prizes):
        for k in range(20):
            extra = make.application(prize, ref=f"X{i}-{k:03d}", contact_name=f"Extra {i} {k}")
            db.add(Decision(prize=prize, round_id=large.rounds[i].id, application=extra, outcome="finalist"))
    db.commit()
    clock(AFTER_WINNERS)
    client = app.test_client()
    for stage in ("finalists", "winners"):
        assert count_queries(app, client, f"/editions/small/{stage}") == count_queries(
            app, client, f"/editions/large/{stage}"
        )
