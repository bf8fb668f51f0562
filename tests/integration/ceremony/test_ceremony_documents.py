"""The five ceremony PDFs read back with pdftotext: right names in the right order, frozen results only."""

from __future__ import annotations

import pytest

from judging.ceremony import documents
from judging.ceremony import plan as ceremony
from judging.ceremony.plan import CeremonyError
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

PRIZE_FR = [p[1] for p in PRIZES]
PRIZE_EN = [p[2] for p in PRIZES]


def _pdf(db, built, kind, *, language="fr", paper="letter", only_ready=True):
    plan = ceremony.ceremony_plan(db, built.edition, language=language, only_ready=only_ready)
    return pdf_text(documents.ceremony_pdf(plan, kind, paper=paper))


def test_plan_refuses_when_a_prize_is_not_frozen(app, db, make):
    built = ceremony_edition(make, db)
    with app.test_request_context(), pytest.raises(CeremonyError) as refused:
        ceremony.ceremony_plan(db, built.edition, language="fr")
    assert refused.value.prizes == ["Prix Confidentiel Zorglub"]
    assert "Prix Confidentiel Zorglub" in str(refused.value.message)


def test_plan_order_timings_and_people(app, db, make):
    built = ceremony_edition(make, db)
    with app.test_request_context():
        plan = ceremony.ceremony_plan(db, built.edition, language="en", only_ready=True)
    assert [p.code for p in plan.prizes] == [p[0] for p in PRIZES]
    assert [p.code for p in plan.skipped] == ["secret"]
    first = plan.prizes[0]
    assert [f.person for f in first.finalists] == [person_name(0, 2), person_name(0, 0), person_name(0, 1)]
    assert first.winner.person == person_name(0, 0)
    assert first.winner.citation == {
        "fr": "Pour l'audace de innovation",
        "en": "For the boldness of innovation",
    }
    assert [m.person for m in first.mentions] == [person_name(0, 3)]
    assert first.presenter == "Amélie Hautecoeur, vice-présidente, Banque Fictive du Québec"  # after a comma
    # 19:00 in Montréal, then 12, 10, 8 and 15 minutes
    starts = [p.starts_at.isoformat() for p in plan.prizes]
    assert starts == [
        "2025-10-16T23:00:00+00:00",
        "2025-10-16T23:12:00+00:00",
        "2025-10-16T23:22:00+00:00",
        "2025-10-16T23:30:00+00:00",
    ]
    assert plan.total_minutes == 45
    assert [f.person for f in first.others] == [person_name(0, 2), person_name(0, 1)]


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_run_of_show(app, db, make, paper):
    built = ceremony_edition(make, db)
    with app.test_request_context():
        text = squash(_pdf(db, built, "run-of-show", paper=paper))
    assert "Déroulement" in text or "Run of show" in text
    assert in_order(text, PRIZE_FR)
    assert in_order(text, ["19 h 00", "19 h 12", "19 h 22", "19 h 30"])  # Québec French hours
    assert "Cérémonie le jeudi 16 octobre 2025 à 19 h 00 (HAE)" in text
    assert "19:" not in text
    for i in range(4):
        # finalists in their pitch order, within their prize's segment
        segment = text[text.index(PRIZE_FR[i]) : text.index(PRIZE_FR[i + 1]) if i < 3 else len(text)]
        assert in_order(segment, [person_name(i, 2), person_name(i, 0), person_name(i, 1)])
        assert PRIZES[i][4][0] in segment  # presenter
        assert f"Place au {PRIZE_FR[i]} !" in segment  # host's lines
        assert person_name(i, 3) in segment  # the mention
    assert "Pour l'audace" not in text  # the winner's citation stays in the envelope


def test_the_fingerprints_line_names_the_prizes_not_their_codes(app, db, make):
    built = ceremony_edition(make, db)
    with app.test_request_context():
        french = squash(_pdf(db, built, "run-of-show"))
        english = squash(_pdf(db, built, "press", language="en"))
    footer = french[french.index("Établi à partir des résultats figés") :]
    assert footer.startswith("Établi à partir des résultats figés (empreintes : Prix de l'innovation : 00a")
    assert "Prix Femmes en Tech : 01ababababab" in footer
    assert "(fingerprints: Innovation Award: 00ababababab · Women in Tech Award: 01ababababab" in english
    for code, *_rest in PRIZES:
        assert f"{code} 0" not in french + english


def test_the_documents_name_the_contest_once(app, db, make):
    built = ceremony_edition(make, db)  # « Édition 2025 des MTL Tech Awards » already names it
    with app.test_request_context():
        texts = [squash(_pdf(db, built, kind)) for kind in ("run-of-show", "presenters", "certificates")]
        for text in texts:
            assert "Édition 2025 des MTL Tech Awards" in text
            assert "MTL Tech Awards · Édition 2025 des MTL Tech Awards" not in text
        built.edition.name = {"fr": "Édition 2025", "en": "2025 edition"}
        db.commit()
        assert "MTL Tech Awards · Édition 2025 Déroulement" in squash(_pdf(db, built, "run-of-show"))


def test_the_embargo_time_has_no_seconds(app, db, make):
    from datetime import UTC, datetime

    built = ceremony_edition(make, db)
    # « Make the winners public now » stores the moment, seconds included
    built.edition.winners_public_at = datetime(2025, 10, 17, 1, 4, 37, 250000, tzinfo=UTC)
    db.commit()
    with app.test_request_context():
        french = squash(_pdf(db, built, "press"))
        english = squash(_pdf(db, built, "press", language="en"))
    assert "Sous embargo jusqu’au jeudi 16 octobre 2025 à 21 h 04 (HAE)." in french
    assert "Embargoed until Thursday, October 16, 2025 at 9:04 PM (EDT)." in english
    assert "min 37" not in french and ":37" not in english


def test_a_run_of_show_without_minutes_does_not_say_zero_minutes(app, db, make):
    built = ceremony_edition(make, db)
    with app.test_request_context():
        assert "Durée totale sur scène : 45 min" in squash(_pdf(db, built, "run-of-show"))
        for prize in built.prizes:
            prize.ceremony_minutes = 0
        db.commit()
        text = squash(_pdf(db, built, "run-of-show"))
    assert "Durée totale" not in text and "0 min" not in text


def test_the_english_run_of_show_writes_every_hour_the_same_way(app, db, make):
    built = ceremony_edition(make, db)
    with app.test_request_context():
        text = squash(_pdf(db, built, "run-of-show", language="en"))
        both = squash(_pdf(db, built, "run-of-show", language="bilingual"))
    assert "Ceremony on Thursday, October 16, 2025 at 7:00 PM (EDT)" in text
    assert in_order(text, ["7:00 PM", "7:12 PM", "7:22 PM", "7:30 PM"])
    assert "19:" not in text and "19 h" not in text  # not "6:00 PM" here and "18:00" there
    # bilingual: each language's header in its own way; the shared time lines in the first language
    assert "7:00 PM (EDT)" in both and "16 octobre 2025 à 19 h 00" in both
    assert "19 h 12" in both and "19:" not in both


def test_envelopes_one_page_per_prize_with_its_winner(app, db, make):
    built = ceremony_edition(make, db)
    with app.test_request_context():
        text = _pdf(db, built, "envelopes")
    cards = pages(text)
    assert len(cards) == 4
    for i, card in enumerate(cards):
        card = squash(card)
        assert f"Le {PRIZE_FR[i]} est décerné à" in card
        assert person_name(i, 0) in card
        for other in (person_name(i, 1), person_name(i, 2)):
            assert other not in card
        for j in range(4):
            if j != i:
                assert person_name(j, 0) not in card


def test_envelopes_in_english_and_bilingual(app, db, make):
    built = ceremony_edition(make, db)
    with app.test_request_context():
        english = [squash(p) for p in pages(_pdf(db, built, "envelopes", language="en"))]
        both = [squash(p) for p in pages(_pdf(db, built, "envelopes", language="bilingual", paper="a4"))]
    assert f"The {PRIZE_EN[0]} goes to" in english[0] and person_name(0, 0) in english[0]
    assert f"Le {PRIZE_FR[3]} est décerné à" in both[3] and f"The {PRIZE_EN[3]} goes to" in both[3]
    assert "For the boldness of decouvrabilite" in both[3] and "Pour l'audace de decouvrabilite" in both[3]


def test_presenter_cards_say_whom_to_call_not_who_wins(app, db, make):
    built = ceremony_edition(make, db)
    with app.test_request_context():
        cards = [squash(p) for p in pages(_pdf(db, built, "presenters"))]
    assert len(cards) == 4
    for i, card in enumerate(cards):
        assert PRIZES[i][4][0] in card  # the presenter's own name
        assert in_order(card, [person_name(i, 2), person_name(i, 0), person_name(i, 1)])
        assert person_name(i, 3) in card and f"Mention pour {PRIZES[i][0]}" in card
        assert "Pour l'audace" not in card and "est décerné à …" in card


def test_certificates_for_winners_mentions_and_finalists(app, db, make):
    built = ceremony_edition(make, db)
    with app.test_request_context():
        sheets = [squash(p) for p in pages(_pdf(db, built, "certificates"))]
    # per prize: the winner (« Lauréat·e »: no form of address set), one mention, the two other finalists
    assert len(sheets) == 16
    assert person_name(0, 0) in sheets[0] and "Lauréat·e du Prix de l'innovation" in sheets[0]
    assert "Pour l'audace de innovation" in sheets[0]
    assert person_name(0, 3) in sheets[1] and "Mention d’honneur du Prix de l'innovation" in sheets[1]
    assert "Mention pour innovation" in sheets[1]
    assert person_name(0, 2) in sheets[2] and "Finaliste du Prix de l'innovation" in sheets[2]
    assert person_name(0, 1) in sheets[3] and "Finaliste du Prix de l'innovation" in sheets[3]
    assert (
        person_name(3, 0) in sheets[12]
        and "Lauréat·e du Prix Découvrabilité culturelle francophone" in sheets[12]
    )
    # a winner gets only the winner's certificate
    assert sum(person_name(0, 0) in sheet for sheet in sheets) == 1


def test_press_sheet(app, db, make):
    built = ceremony_edition(make, db)
    with app.test_request_context():
        text = squash(_pdf(db, built, "press", language="bilingual"))
    assert in_order(text, PRIZE_FR) and in_order(text, PRIZE_EN)
    for i in range(4):
        assert person_name(i, 0) in text and person_name(i, 3) in text


@pytest.mark.parametrize("kind", documents.KINDS)
def test_nothing_of_an_unfrozen_prize_reaches_a_pdf(app, db, make, kind):
    built = ceremony_edition(make, db)
    with app.test_request_context():
        text = _pdf(db, built, kind, language="bilingual")
    for secret in secret_strings():
        assert secret not in text


def test_html_in_a_citation_is_printed_as_text(app, db, make):
    from judging.results.models import Decision

    built = ceremony_edition(make, db, secret=False)
    winner = db.query(Decision).filter_by(prize_id=built.prizes[0].id, outcome="winner").one()
    winner.citation = {"fr": "<b>Gras</b> & <script>alert(1)</script>", "en": "x"}
    db.commit()
    with app.test_request_context():
        plan = ceremony.ceremony_plan(db, built.edition, language="fr")
        html = documents.ceremony_html(plan, "envelopes")
        text = squash(pdf_text(documents.ceremony_pdf(plan, "envelopes")))
    assert "&lt;b&gt;Gras&lt;/b&gt; &amp; &lt;script&gt;" in html and "<b>Gras" not in html
    assert "<b>Gras</b> & <script>alert(1)</script>" in text


def test_the_bilingual_press_sheet_writes_each_language_s_colon(app, db, make):
    built = ceremony_edition(make, db)
    with app.test_request_context():
        text = squash(_pdf(db, built, "press", language="bilingual"))
    assert "Finalistes :" in text and "Finalists:" in text  # French typography in the French half only
    assert "Finalistes:" not in text and "Finalists :" not in text
