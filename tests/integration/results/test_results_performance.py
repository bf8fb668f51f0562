"""The fast results path gives exactly what the reference path gives; the page keeps and pages it.

``services/results.py`` loads a round as arrays (one row per scorecard), makes the engine's input
with ``scorecards_from_arrays``, writes the fingerprint from the arrays, and the results page keeps
what it computed per fingerprint. Each of these is compared here with the reference it replaced:
the query with one row per score, ``make_scorecard`` one by one, ``fingerprint()`` over cards, and
every method computed afresh.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser

import numpy as np
from sqlalchemy import select

from judging.accounts.models import User
from judging.applications.models import Application
from judging.editions.models import Criterion
from judging.jury import scoring as jury_scoring
from judging.jury.models import Assignment, CriterionScore
from judging.results import computation as results_service
from judging.results import views as results_page
from judging.results.engine import scoring
from judging.results.engine.scoring import round_half_up
from tests.scenarios import five_by_four, page_rows, results_url


def reference_cards(db, rnd) -> list[results_service.Card]:
    """The cards as the service loaded them before: one row per score, joined, in assignment order."""
    criteria = {c.id: c.code for c in db.scalars(select(Criterion).where(Criterion.round_id == rnd.id))}
    conflicted = results_service._in_active_conflict()
    rows = db.execute(
        select(
            Assignment.id,
            Application.id,
            Application.ref,
            Application.title,
            User.id,
            User.email,
            User.name,
            CriterionScore.criterion_id,
            CriterionScore.value,
        )
        .join(Application, Application.id == Assignment.application_id)
        .join(User, User.id == Assignment.juror_id)
        .outerjoin(CriterionScore, CriterionScore.assignment_id == Assignment.id)
        .where(
            Assignment.round_id == rnd.id,
            Assignment.status == "submitted",
            Application.status == "submitted",
            ~conflicted,
        )
        .order_by(Assignment.id, CriterionScore.id)
    ).all()
    cards: dict[int, results_service.Card] = {}
    for assignment_id, app_id, ref, title, juror_id, email, name, criterion_id, value in rows:
        card = cards.setdefault(
            assignment_id,
            results_service.Card(
                assignment_id=assignment_id,
                application_id=app_id,
                ref=ref,
                title=title or "",
                juror_id=juror_id,
                email=email,
                name=name or email,
                scores={},
            ),
        )
        if criterion_id in criteria and value is not None:
            card.scores[criteria[criterion_id]] = value
    return list(cards.values())


def awkward_edition(make, db, *, seed: int = 7, applications: int = 24):
    """Two rounds sharing criterion codes; awkward labels; decimals; unanswered criteria; scorecards
    that cannot count (nothing answered, a score above a scale lowered after scoring); a conflict;
    drafts and a withdrawn application."""
    rng = random.Random(seed)
    edition = make.edition(code="awkward-2026")
    prize = make.prize(edition, code="innovation", finalists=4)
    first = make.round(prize, criteria=0, method="mean", tie_break=["criterion:impact", "median"])
    second = make.round(prize, criteria=0, method="zscore", tie_break=["first-places"], code="second")
    for rnd in (first, second):
        make.criterion(rnd, code="impact", weight=Decimal("3.5"), min_value=0, max_value=10, position=0)
        make.criterion(rnd, code="market", weight=1, min_value=1, max_value=5, position=1)
        make.criterion(
            rnd, code="clarity", weight=Decimal("0.25"), min_value=0, max_value=Decimal("7.5"), required=False
        )
    people = [
        ("zoé@jury.example", 'Zoé "Z" Ärger'),
        ("ANNE@Jury.Example", "Anne"),
        ("bob@jury.example", "bob"),
        ("o'neil@jury.example", "Ça va\\"),
        ("Dan@jury.example", "dan"),
        ("eve@jury.example", "Ève"),
    ]
    jurors = [make.user(email=email, name=name, roles=["juror"]) for email, name in people]
    jurors[2].name = ""  # shown by their email
    apps = [
        make.application(prize, ref=f"INN-{n:03d}{'é' if n % 5 == 0 else ''}{chr(34) if n == 7 else ''}")
        for n in range(applications)
    ]
    withdrawn = make.application(prize, ref="INN-W", status="withdrawn")
    for rnd in (first, second):
        for application in [*apps, withdrawn]:
            for juror in rng.sample(jurors, 3):
                scores = {
                    "impact": rng.choice([0, 3, Decimal("7.5"), 9, 10]),
                    "market": rng.choice([1, 2, Decimal("3.25"), 5]),
                }
                if rng.random() < 0.7:
                    scores["clarity"] = rng.choice([0, Decimal("2.5"), Decimal("7.5")])
                if rng.random() < 0.15:
                    del scores["market"]
                status = "draft" if rng.random() < 0.1 else "submitted"
                make.scorecard(rnd, juror, application, scores=scores, status=status)
    # cannot count: nothing answered, and a clarity of 7.5 after the scale was lowered to 5
    make.scorecard(first, jurors[0], make.application(prize, ref="INN-EMPTY"), scores={})
    for criterion in second.criteria:
        if criterion.code == "clarity":
            criterion.max_value = Decimal(5)
    make.conflict(jurors[1], apps[3])
    db.commit()
    return edition, prize, (first, second)


def same_results(one: scoring.RoundResult | None, other: scoring.RoundResult | None) -> None:
    if one is None or other is None:
        assert one is other
        return
    assert one.rows == other.rows
    assert list(one.juror_offsets.items()) == list(other.juror_offsets.items())
    assert (one.offsets_basis, one.reliability, one.juror_flags) == (
        other.offsets_basis,
        other.reliability,
        other.juror_flags,
    )


def test_the_arrays_give_exactly_what_the_scorecards_one_by_one_give(app, db, make):
    _edition, _prize, rounds = awkward_edition(make, db)
    inputs = results_service.load_inputs(db, rounds)
    for rnd in rounds:
        loaded = inputs[rnd.id]
        cards = reference_cards(db, rnd)
        assert loaded.cards == cards
        assert loaded.count == len(cards) > 50
        assert loaded.fingerprint == results_service.fingerprint(rnd, loaded.criteria, cards)
        reference = results_service._scorecards(loaded)
        assert isinstance(loaded.prepared.scorecards, scoring.ScorecardBatch)
        for method in results_service.COMPARED_METHODS:
            fast = results_service.compute(loaded, method=method)
            slow = results_service.compute(loaded, method=method, prepared=reference)
            same_results(fast.result, slow.result)
            assert (fast.error, str(fast.disconnected)) == (slow.error, str(slow.disconnected))
            assert fast.excluded == slow.excluded
            assert dict(fast.totals) == slow.totals
            assert results_service.round_document(fast) == results_service.round_document(slow)
    excluded = results_service.compute(inputs[rounds[1].id]).excluded
    assert excluded and all("for criterion 'clarity' is outside" in reason for _card, reason in excluded)
    assert [c.ref for c, _ in results_service.compute(inputs[rounds[0].id]).excluded] == ["INN-EMPTY"]


def test_the_fingerprint_from_the_arrays_is_the_reference_fingerprint_after_any_change(app, db, make):
    _edition, _prize, (rnd, _second) = awkward_edition(make, db, applications=6)

    def both():
        loaded = results_service.load_inputs(db, [rnd])[rnd.id]
        return loaded.fingerprint, results_service.fingerprint(rnd, loaded.criteria, reference_cards(db, rnd))

    fast, slow = both()
    assert fast == slow
    seen = {fast}
    score = db.scalars(select(CriterionScore).order_by(CriterionScore.id)).first()
    score.value = Decimal("4.0000") if score.value != 4 else Decimal(5)
    db.commit()
    changes = [both()]
    user = db.scalars(select(User).where(User.email.like("bob%"))).first()
    user.email = "Bob2@JURY.example"
    db.commit()
    changes.append(both())
    rnd.tie_break = ["count"]
    db.commit()
    changes.append(both())
    for fast, slow in changes:
        assert fast == slow and fast not in seen
        seen.add(fast)


def test_numbers_are_rounded_half_up_exactly_as_before():
    rng = random.Random(3)
    values = [Fraction(rng.randint(-(10**9), 10**9), rng.randint(1, 10**6)) for _ in range(3000)]
    values += [Fraction(2 * k + 1, 20_000) for k in range(-100, 100)]  # exact halves at the 5th decimal
    values += [rng.uniform(-150, 150) for _ in range(3000)] + [1e-05, -1e-05, 0.00005, -0.00005, -0.0, 2.5e-5]
    values += [7, Decimal("0.00005"), Decimal("-12.34565"), None]
    for value in values:
        rounded = round_half_up(value) if not isinstance(value, int) else value
        expected = None if value is None else value if isinstance(value, int) else float(rounded)
        assert repr(results_service.number(value)) == repr(expected), value


def _computations(monkeypatch) -> dict[str, int]:
    calls: dict[str, int] = defaultdict(int)
    for name in ("round_results", "round_rankings"):
        original = getattr(scoring, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(scoring, name, counted)
    return calls


def test_the_results_page_reads_what_was_stored_until_a_write_or_a_setting_changes_it(
    app, db, make, organizer_client, monkeypatch
):
    results_service.round_cache.clear()
    edition, prize, rnd, apps, jurors = five_by_four(make, db, method="mean", finalists=2)
    calls = _computations(monkeypatch)
    url = results_url(edition, prize, rnd)
    first = organizer_client.get(url).get_data(as_text=True)
    assert dict(calls) == {"round_results": 1, "round_rankings": 1}
    again = organizer_client.get(url).get_data(as_text=True)
    assert dict(calls) == {"round_results": 1, "round_rankings": 1}  # read, nothing computed again
    assert page_rows(again) == page_rows(first)
    sensitivity = re.findall(r'data-method="(\w+)" data-same="(\w+)"', again)
    assert sensitivity == re.findall(r'data-method="(\w+)" data-same="(\w+)"', first)

    # the same as computing every method afresh
    loaded = results_service.load_inputs(db, [rnd])[rnd.id]
    fresh = results_service.sensitivity(
        results_service.compute_all_methods(loaded), current="mean", cut=2, final=False
    )
    report = results_service.round_report(db, rnd, prize, [rnd])
    assert [(s.method, s.same, s.above, s.message) for s in report.sensitivity] == [
        (s.method, s.same, s.above, s.message) for s in fresh
    ]

    # a score changed through the scoring service marks the stored results stale: computed again
    card = db.scalars(
        select(Assignment).where(
            Assignment.juror_id == jurors["H"].id, Assignment.application_id == apps["C"].id
        )
    ).one()
    rnd.phase = "judging"
    db.commit()
    calls.clear()
    with app.test_request_context():
        jury_scoring.save(db, card, actor=jurors["H"], scores={"overall": "99"}, submit=True)
    db.commit()
    changed = organizer_client.get(url).get_data(as_text=True)
    assert dict(calls) == {"round_results": 1, "round_rankings": 1}
    assert page_rows(changed) != page_rows(first)
    # a score changed behind the application's back is not seen: the stored results are read
    card.scores[0].value = Decimal(10)
    db.commit()
    assert page_rows(organizer_client.get(url).get_data(as_text=True)) == page_rows(changed)
    assert calls["round_results"] == 1
    # a changed method is a changed setting, seen on read
    rnd.method = "median"
    db.commit()
    organizer_client.get(url)
    assert calls["round_results"] == 2


class FormInputs(HTMLParser):
    """The inputs of the finalist form: (type, name, value, checked)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.inputs: list[tuple[str, str, str, bool]] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "form":
            self.inside = values.get("id") == "selection-form"
        elif tag == "input" and self.inside:
            self.inputs.append(
                (
                    values.get("type", "text"),
                    values.get("name", ""),
                    values.get("value") or "",
                    "checked" in values,
                )
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False

    def submitted(self) -> tuple[set[str], dict[str, str]]:
        """What the browser posts: checked boxes and hidden finalists; non-empty reasons."""
        chosen = {
            value
            for kind, name, value, checked in self.inputs
            if name == "finalist" and (kind == "hidden" or checked)
        }
        reasons = {
            name: value for _kind, name, value, _c in self.inputs if name.startswith("reason-") and value
        }
        return chosen, reasons


def form_of(html: str) -> FormInputs:
    parser = FormInputs()
    parser.feed(html)
    return parser


def test_the_ranking_is_paged_and_a_selection_made_on_one_page_survives_the_others(
    app, db, make, organizer_client, monkeypatch
):
    monkeypatch.setattr(results_page, "RANKING_PAGE_SIZE", 2)
    edition, prize, rnd, apps, _jurors = five_by_four(make, db, method="mean", finalists=2)
    url = results_url(edition, prize, rnd)
    pages = [organizer_client.get(f"{url}?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    everything = [row["application"] for html in pages for row in page_rows(html)]
    assert everything == ["A", "B", "C", "D", "E"]  # the whole ranking, two rows a page
    assert [len(page_rows(html)) for html in pages] == [2, 2, 1]
    assert 'id="cut-line"' in pages[0] and 'id="cut-line"' not in pages[1]
    assert "Lignes 3 à 4 sur 5" in pages[1]  # the pager, in French (rows 3–4 of 5)
    assert page_rows(organizer_client.get(f"{url}?page=99").get_data(as_text=True)) == page_rows(pages[2])
    assert page_rows(organizer_client.get(f"{url}?page=x").get_data(as_text=True)) == page_rows(pages[0])
    # A and B proposed on page 1: from page 2 they travel hidden, and saving from there keeps them
    ids = {str(a.id): ref for ref, a in apps.items()}
    for html in pages:
        chosen, reasons = form_of(html).submitted()
        assert {ids[i] for i in chosen} == {"A", "B"}
        assert reasons == {}
    # a refused override keeps what was typed on every page, and says what is wrong elsewhere
    data = {
        "finalist": [str(apps[r].id) for r in ("A", "E")],
        "tie_reason": "",
        f"reason-{apps['E'].id}": "Best pitch deck",
    }
    refused = organizer_client.post(results_url(edition, prize, rnd, "results/finalists"), data=data)
    assert refused.status_code == 422
    chosen, reasons = form_of(refused.get_data(as_text=True)).submitted()
    assert {ids[i] for i in chosen} == {"A", "E"}
    assert reasons == {f"reason-{apps['E'].id}": "Best pitch deck"}
    assert 'id="errors-elsewhere"' not in refused.get_data(as_text=True)  # B's error is on page 1
    # an error on a row of another page is said at the top of the form
    data = {"finalist": [str(apps[r].id) for r in ("A", "B", "E")], "tie_reason": ""}
    refused = organizer_client.post(results_url(edition, prize, rnd, "results/finalists"), data=data)
    assert refused.status_code == 422
    elsewhere = refused.get_data(as_text=True).split('id="errors-elsewhere"')[1].split("</div>")[0]
    [item] = re.findall(r"<li>(.*?)</li>", elsewhere)
    assert item.startswith("E ")  # « E est sous la coupe… »: E is on page 3, the form on page 1


def test_the_page_reads_each_row_s_juror_totals_only_for_the_rows_it_shows(app, db, make, organizer_client):
    edition, prize, rnd, *_ = five_by_four(make, db, method="mean")
    report = results_service.round_report(db, rnd, prize, [rnd])
    line = report.lines[0]
    assert callable(line._juror_totals)
    assert line.juror_totals == sorted(line.juror_totals, key=lambda t: (t[0].lower(), t[1]))
    assert [total for _name, _email, total in line.juror_totals] == [
        Fraction(95),
        Fraction(65),
        Fraction(75),
    ]  # L, M1, M2
    # every line's totals are the exact totals of the computation
    totals = report.computation.totals
    for line in report.lines:
        for _name, email, total in line.juror_totals:
            assert totals[(email, line.ref)] == total


def test_an_empty_round_and_a_round_without_criteria_load(app, db, make):
    edition = make.edition(code="empty-2026")
    prize = make.prize(edition, code="innovation")
    empty = make.round(prize, criteria=2)
    bare = make.round(prize, criteria=0, code="bare")
    juror = make.user(roles=["juror"])
    make.scorecard(bare, juror, make.application(prize, ref="X-1"), scores={})
    db.commit()
    inputs = results_service.load_inputs(db, [empty, bare])
    assert inputs[empty.id].count == 0 and inputs[empty.id].value_codes.shape == (0, 2)
    comp = results_service.compute(inputs[empty.id])
    assert comp.result is not None and comp.result.rows == ()
    assert comp.fingerprint == results_service.fingerprint(empty, inputs[empty.id].criteria, [])
    bare_comp = results_service.compute(inputs[bare.id])
    assert [(c.ref, reason) for c, reason in bare_comp.excluded] == [
        ("X-1", "the scorecard of '" + juror.email + "' for 'X-1' answers no criterion")
    ]
    assert np.array_equal(inputs[bare.id].assignment_ids, [c.assignment_id for c in inputs[bare.id].cards])
    assert results_service.load_inputs(db, []) == {}
