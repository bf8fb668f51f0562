"""The first view after a change (issue 14): storing a round computes only what is stored.

The results page recomputes a round whose stored results are stale and stores them: the rows of
the ranking (each with its document entry, its jurors' totals and the other methods' ranks) and
what the page shows besides them. The sentences of the sensitivity panel (in the reader's
language) and the applications without a ranked row are made by the read, from what is stored:
the computation that stores must not make them too. The rows' JSON columns are encoded by the
store itself from pieces made once per juror, per distinct total and per method: they must decode
to exactly what the live computation gives, names with quotes, backslashes and accents included.
"""

from __future__ import annotations

import gc
import json
import re
from fractions import Fraction

from sqlalchemy import event, select

from judging.accounts.models import User
from judging.db import get_engine
from judging.editions.models import Round
from judging.jury import scoring
from judging.results import computation
from judging.results.models import RoundResultRow
from tests.scenarios import five_by_four, page_rows, results_url


def _statements(app, action) -> list[tuple[str, object, bool]]:
    """(statement, parameters, executemany) of every SQL statement ``action`` runs."""
    seen: list[tuple[str, object, bool]] = []

    def before(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        seen.append((statement, parameters, executemany))

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return seen


def _change_a_score(app, db, rnd, jurors, apps) -> None:
    card = db.scalars(
        select(computation.Assignment).where(
            computation.Assignment.round_id == rnd.id,
            computation.Assignment.juror_id == jurors["H"].id,
            computation.Assignment.application_id == apps["C"].id,
        )
    ).one()
    with app.test_request_context():
        scoring.save(db, card, actor=jurors["H"], scores={"overall": "100"}, submit=True)
        db.commit()


def test_storing_a_round_words_no_sentence_and_lists_no_unscored_application(
    app, db, make, organizer_client, monkeypatch
):
    edition, prize, rnd, apps, jurors = five_by_four(make, db, phase="judging")
    url = results_url(edition, prize, rnd)
    organizer_client.get(url)
    _change_a_score(app, db, rnd, jurors, apps)

    worded = []
    real_line = computation.sensitivity_line

    def counting_line(*args, **kwargs):
        worded.append(args[0] if args else kwargs["method"])
        return real_line(*args, **kwargs)

    monkeypatch.setattr(computation, "sensitivity_line", counting_line)
    responses = []
    statements = _statements(app, lambda: responses.append(organizer_client.get(url)))
    html = responses[0].get_data(as_text=True)

    others = [m for m in computation.COMPARED_METHODS if m != "mean"]
    assert sorted(worded) == sorted(others)  # each other method's sentence once: the read's
    assert "Avec la médiane" in html  # and the panel shows them
    listing = re.compile(r"applications\.prize_id = \S+ AND applications\.status IN")
    in_running = [s for s, _p, _many in statements if listing.search(s)]
    assert len(in_running) == 1  # the read's list of applications without a ranked row, only
    assert page_rows(html)[0]["application"] == "C"  # the page shows the new ranking


def test_the_rows_are_written_in_one_statement_with_every_ranked_application(app, db, make, organizer_client):
    edition, prize, rnd, apps, jurors = five_by_four(make, db, phase="judging")
    url = results_url(edition, prize, rnd)
    organizer_client.get(url)
    _change_a_score(app, db, rnd, jurors, apps)

    statements = _statements(app, lambda: organizer_client.get(url))

    inserts = [
        (p, many)
        for s, p, many in statements
        if s.lstrip().upper().startswith("INSERT INTO ROUND_RESULT_ROWS")
    ]
    assert len(inserts) == 1
    parameters, executemany = inserts[0]
    assert executemany and len(parameters) == len(apps)


def test_stored_rows_decode_to_the_live_computation_names_and_accents_included(
    app, db, make, organizer_client
):
    edition, prize, rnd, apps, jurors = five_by_four(make, db)
    names = {"L": 'Zoé "Zed" Tremblay', "H": "Émilie \\ Côté", "M1": "", "M2": "éric <b>Roy</b> 🎤"}
    for key, name in names.items():
        db.get(User, jurors[key].id).name = name
    apps["A"].ref = 'A "quoted" \\ réf'
    apps["B"].ref = 'B}, {"application": "B'  # what separates two entries of the ranking's JSON
    db.commit()

    html = organizer_client.get(results_url(edition, prize, rnd)).get_data(as_text=True)
    assert "Émilie \\ Côté" in html

    db.expire_all()
    rnd = db.get(Round, rnd.id)
    live = computation.round_report(db, rnd, rnd.prize, [rnd])
    stored = db.scalars(
        select(RoundResultRow).where(RoundResultRow.round_id == rnd.id).order_by(RoundResultRow.position)
    ).all()
    assert [row.entry for row in stored] == live.document["ranking"]
    assert [row.application_id for row in stored] == [line.application_id for line in live.lines]
    for row, line in zip(stored, live.lines, strict=True):
        assert row.totals == [
            [name, email, computation.number(total)] for name, email, total in line.juror_totals
        ]
        assert row.others == {
            method: int(ranking.ranks[ranking.applications.index(line.ref)])
            for method, ranking in live.other_rankings.items()
            if ranking.ok
        }
    totals_of_a = next(row.totals for row in stored if row.entry["application"] == apps["A"].ref)
    # jurors by name as a dictionary orders them (É with E); a juror without a name by their email
    assert [name for name, _email, _total in totals_of_a] == [
        "éric <b>Roy</b> 🎤",
        "m1@jury.example",
        'Zoé "Zed" Tremblay',
    ]


def test_the_cycle_collector_is_paused_while_ranking_and_left_as_it_was_found(app, db, make, monkeypatch):
    edition, prize, rnd, apps, jurors = five_by_four(make, db)
    during = []
    real = computation.round_cache.rankings

    def rankings(*args, **kwargs):
        during.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(computation.round_cache, "rankings", rankings)
    computation.round_cache.clear()
    rnd = db.get(Round, rnd.id)
    outcome = computation.round_outcome(db, rnd, rnd.prize, [rnd])
    assert during == [False] and gc.isenabled()
    assert [row["application"] for row in outcome.document["ranking"]][0] == "A"

    gc.disable()  # a caller who paused it keeps it paused
    try:
        with computation.without_cycle_collection():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_remembered_numbers_print_as_number_prints_them_type_for_type():
    values = [
        2,
        2.0,
        Fraction(2),
        Fraction(1, 3),
        1 / 3,
        0.00005,
        Fraction(-1, 20000),
        None,
    ]
    remembered = computation.remembered_number()
    for _ in range(2):  # the second time from what was remembered
        got = [remembered(v) for v in values]
        assert json.dumps(got) == json.dumps([computation.number(v) for v in values])
        assert [type(g) for g in got] == [type(computation.number(v)) for v in values]
