"""The organizer's jury page at scale: the assignment table in pages of 50 with filters and a search
by reference, counts computed in SQL, applications typed by reference instead of chosen in a list
of every application, and the same few SQL statements whatever the size of the round.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, select

from judging.applications.models import Application
from judging.core.audit_event import AuditEvent
from judging.db import get_engine
from judging.jury import operations as jury_service
from judging.jury import queries, rules
from judging.jury.models import Assignment, Conflict, CriterionScore
from judging.jury.queries import CONFLICTS_PAGE_SIZE, PAGE_SIZE
from judging.results.models import Decision, PitchSlot


def english(client) -> None:
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"


def jury_url(rnd, query: str = "") -> str:
    return f"/organizer/editions/{rnd.prize.edition_id}/prizes/{rnd.prize_id}/rounds/{rnd.id}/jury{query}"


def table_refs(html: str) -> list[str]:
    """The references of the assignment table's rows, in order."""
    return re.findall(r'<tr id="application-\d+" data-ref="([^"]+)"', html)


def page_html(client, rnd, query: str = "") -> str:
    response = client.get(jury_url(rnd, query))
    assert response.status_code == 200
    return response.get_data(as_text=True)


@contextmanager
def watching(app) -> Iterator[dict[str, list]]:
    """The SQL statements run, and the applications and scorecards loaded as ORM objects, inside."""
    seen: dict[str, list] = {"statements": [], "applications": [], "scorecards": []}

    def statement(_conn, _cursor, text, *_args) -> None:
        seen["statements"].append(text)

    def application(target, _context) -> None:
        seen["applications"].append(target.id)

    def scorecard(target, _context) -> None:
        seen["scorecards"].append(target.id)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(Application, "load", application)
    event.listen(Assignment, "load", scorecard)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(Application, "load", application)
        event.remove(Assignment, "load", scorecard)


def round_with(make, db, organizer, n_apps: int, *, seed: int = 7):
    """A round of ``n_apps`` applications (created in random order), 4 jurors, 2 per application,
    assigned; then every kind of row the page shows: a submitted scorecard with scores, a draft,
    a recusal, conflicts (active, lifted, and one found after assignment) and a juror to add."""
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    jurors = [make.user(name=f"Juror {letter}", roles=["juror"]) for letter in "ABCD"]
    make.jury(rnd, *jurors)
    numbers = list(range(1, n_apps + 1))
    random.Random(seed).shuffle(numbers)
    apps = {number: make.application(prize, ref=f"INN-{number:03d}") for number in numbers}
    make.conflict(jurors[0], apps[2], source="organizer", reason="board member")
    lifted = make.conflict(jurors[1], apps[3], source="organization", reason="same organization")
    db.commit()
    jury_service.auto_assign(db, rnd, actor=organizer)
    jury_service.lift_conflict(db, lifted, reason="left in 2019", actor=organizer)
    cards = list(db.scalars(select(Assignment).where(Assignment.round_id == rnd.id).order_by(Assignment.id)))
    cards[0].status = "draft"
    cards[1].status = "recused"
    cards[2].status = "submitted"
    db.add(CriterionScore(assignment=cards[2], criterion=rnd.criteria[0], value=Decimal("7")))
    # a conflict found after assignment: the scorecard stays, in conflict
    make.conflict(cards[3].juror, cards[3].application, source="organizer", reason="found later")
    make.user(name="Zoé Newcomer", roles=["juror"])
    db.commit()
    db.expunge_all()  # the request shares this session: start from an empty identity map
    return rnd, jurors, apps


VIEWS = (
    "",
    "?show=short",
    "?show=conflict",
    "?show=unfinished",
    "?q=inn-0",
    "?page=2",
    "?show=short&q=INN&page=2",
    "?cpage=2",
    "?page=999",
)


def test_statement_count_is_the_same_with_5_and_120_applications(app, organizer_client, make, db, organizer):
    def counts(n_apps: int) -> dict[str, int]:
        rnd, _jurors, _apps = round_with(make, db, organizer, n_apps)
        out = {}
        for query in VIEWS:
            organizer_client.get(jury_url(rnd, query))  # warm-up: templates compiled
            db.expunge_all()
            with watching(app) as seen:
                assert organizer_client.get(jury_url(rnd, query)).status_code == 200
            out[query] = len(seen["statements"])
            # only the rows shown are loaded: never every application or scorecard of the round
            assert seen["scorecards"] == [], query
            assert len(set(seen["applications"])) <= PAGE_SIZE + CONFLICTS_PAGE_SIZE, query
        return out

    small = counts(5)
    large = counts(120)
    assert small == large
    assert max(large.values()) <= 20


def test_pages_of_50_by_reference_keep_the_filter_and_the_search(organizer_client, make, db, organizer):
    rnd, _jurors, _apps = round_with(make, db, organizer, 120)
    english(organizer_client)
    first = page_html(organizer_client, rnd)
    assert table_refs(first) == [f"INN-{n:03d}" for n in range(1, 51)]
    assert "120 applications · page 1 of 3" in first
    assert table_refs(page_html(organizer_client, rnd, "?page=2")) == [f"INN-{n:03d}" for n in range(51, 101)]
    last = page_html(organizer_client, rnd, "?page=3")
    assert table_refs(last) == [f"INN-{n:03d}" for n in range(101, 121)]
    # a page past the end shows the last one; nonsense shows the first
    assert table_refs(page_html(organizer_client, rnd, "?page=999")) == table_refs(last)
    assert table_refs(page_html(organizer_client, rnd, "?page=abc")) == table_refs(first)

    # the search by reference (any case, any part) and its pages keep the filter
    found = page_html(organizer_client, rnd, "?q=inn-1")
    assert table_refs(found) == [f"INN-{n:03d}" for n in range(100, 121)]
    assert "21 applications" in found
    assert table_refs(page_html(organizer_client, rnd, "?q=-05")) == [f"INN-{n:03d}" for n in range(50, 60)]
    assert table_refs(page_html(organizer_client, rnd, "?q=%25")) == []  # a LIKE wildcard is a character
    pager = page_html(organizer_client, rnd, "?show=unfinished&q=INN").split('id="coverage-pages"')
    if len(pager) > 1:
        for link in re.findall(r'class="page-link" (?:rel="\w+" )?href="([^"#]+)', pager[1]):
            args = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
            assert args["show"] == ["unfinished"] and args["q"] == ["INN"]


def test_filters_are_counted_in_sql_and_list_the_right_applications(organizer_client, make, db, organizer):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    ana, ben, cy = (make.user(name=name, roles=["juror"]) for name in ("Ana", "Ben", "Cy"))
    make.jury(rnd, ana, ben, cy)
    full = make.application(prize, ref="INN-001")
    half = make.application(prize, ref="INN-002")
    make.application(prize, ref="INN-003")  # no juror at all
    conflicted = make.application(prize, ref="INN-004")
    withdrawn = make.application(prize, ref="INN-005")
    make.scorecard(rnd, ana, full, scores={"c1": 5})
    make.scorecard(rnd, ben, full, status="draft")
    make.scorecard(rnd, ana, half, status="assigned")
    make.scorecard(rnd, cy, half, status="abstained", abstain_reason="no time")  # does not count
    make.scorecard(rnd, ana, conflicted)
    make.scorecard(rnd, cy, conflicted)
    make.conflict(cy, conflicted, source="organizer", reason="found after assignment")
    make.scorecard(rnd, ana, withdrawn, status="assigned")
    withdrawn.status = "withdrawn"  # no longer judged: counted nowhere
    db.commit()
    english(organizer_client)

    html = page_html(organizer_client, rnd)
    assert table_refs(html) == ["INN-001", "INN-002", "INN-003", "INN-004"]
    counts = dict(re.findall(r'id="show-(\w+)".*?<span class="badge[^"]*">(\d+)</span>', html, re.S))
    assert counts == {"all": "4", "short": "2", "conflict": "1", "unfinished": "2"}
    assert "2 of 4 applications are short of jurors (3 places to fill)." in html
    assert table_refs(page_html(organizer_client, rnd, "?show=short")) == ["INN-002", "INN-003"]
    assert table_refs(page_html(organizer_client, rnd, "?show=conflict")) == ["INN-004"]
    assert table_refs(page_html(organizer_client, rnd, "?show=unfinished")) == ["INN-001", "INN-002"]
    assert table_refs(page_html(organizer_client, rnd, "?show=bogus")) == table_refs(html)
    # the warning names the scorecard in conflict and links to the filter
    warning = html.split('id="in-conflict"')[1].split("</div>")[0]
    assert "Cy → INN-004" in warning and "show=conflict" in warning
    # a row's badges: what is missing, the conflict, each status
    row = html.split(f'id="application-{half.id}"')[1].split("</tr>")[0]
    assert "1 missing" in row and "To score" in row and "Abstained" in row
    row = html.split(f'id="application-{conflicted.id}"')[1].split("</tr>")[0]
    assert ">conflict<" in row
    # a scorecard holding scores is removed through the confirmation page, keeping the view
    row = html.split(f'id="application-{full.id}"')[1].split("</tr>")[0]
    assert re.search(r'href="[^"]+/scorecards/\d+/remove"', row)


def test_no_list_of_every_application_only_typed_references(organizer_client, make, db, organizer):
    rnd, jurors, _apps = round_with(make, db, organizer, 60)
    html = page_html(organizer_client, rnd)
    assert 'name="application_id"' not in html
    options = re.findall(r"<option[^>]*>([^<]*)</option>", html)
    assert not [text for text in options if "INN-" in text]
    # the manual assignment and the conflict recorded by hand: a typed reference
    assert len(re.findall(r'<input[^>]+name="application_ref"', html)) == 2
    # each row's button posts the juror chosen in the manual-assignment form, to the row's address
    buttons = re.findall(r'<button[^>]+form="add-assignment" formaction="([^"]+)"', html)
    assert len(buttons) == PAGE_SIZE
    assert all(re.search(r"/applications/\d+/jurors$", url) for url in buttons)
    # the juror select lists the jury (and a choice to make first)
    select_html = html.split('id="add-assignment"')[1].split("</select>")[0]
    assert len(re.findall(r"<option", select_html)) == len(jurors) + 1


def test_manual_add_by_reference(organizer_client, make, db, organizer):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    juror = make.user(name="Nadia Noor", roles=["juror"])
    make.jury(rnd, juror)
    target = make.application(prize, ref="INN-042")
    make.application(prize, ref="INN-043")
    db.commit()
    english(organizer_client)
    response = organizer_client.post(
        jury_url(rnd) + "/assignments", data={"juror_id": juror.id, "application_ref": "  inn-042 "}
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert parse_qs(location.query) == {"q": ["INN-042"]} and location.fragment == f"application-{target.id}"
    db.expire_all()
    card = db.scalars(select(Assignment)).one()
    assert (card.juror_id, card.application_id, card.status) == (juror.id, target.id, "assigned")
    assert db.scalars(select(AuditEvent.action)).all() == ["scorecard.assigned"]
    html = organizer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Juror assigned to INN-042." in html
    assert table_refs(html) == ["INN-042"]
    assert "Nadia Noor" in html.split(f'id="application-{target.id}"')[1].split("</tr>")[0]
    # twice: refused, said next to the juror
    again = organizer_client.post(
        jury_url(rnd) + "/assignments", data={"juror_id": juror.id, "application_ref": "INN-042"}
    )
    assert again.status_code == 422
    assert "Nadia Noor is already assigned to this application." in again.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["NOPE-999", "INN-900", "INN-901", "INN-042x"])
def test_an_unknown_reference_gives_a_message_and_keeps_what_was_typed(organizer_client, make, db, typed):
    prize = make.prize()
    other_prize = make.prize(prize.edition)
    rnd = make.round(prize, jurors_per_application=2)
    juror = make.user(name="Omar Ouellet", roles=["juror"])
    make.jury(rnd, juror)
    make.application(prize, ref="INN-042")
    make.application(prize, ref="INN-900", status="draft")  # not judged: a draft
    make.application(other_prize, ref="INN-901")  # not judged here: another prize
    db.commit()
    english(organizer_client)
    response = organizer_client.post(
        jury_url(rnd) + "/assignments?show=short&page=1",
        data={"juror_id": juror.id, "application_ref": typed},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"No application judged in this round has the reference “{typed}”." in html
    field = re.search(r'<input[^>]+name="application_ref"[^>]*>', html.split('id="add-assignment"')[1])
    assert f'value="{typed}"' in field.group(0) and "is-invalid" in field.group(0)
    assert re.search(rf'<option value="{juror.id}" selected>', html)  # the juror stays chosen
    db.expire_all()
    assert db.scalars(select(Assignment)).all() == []


def test_manual_add_needs_a_juror_and_a_reference(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    make.jury(rnd, make.user(roles=["juror"]))
    make.application(prize, ref="INN-001")
    db.commit()
    english(organizer_client)
    response = organizer_client.post(
        jury_url(rnd) + "/assignments", data={"juror_id": "", "application_ref": ""}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a juror." in html
    assert "Type the reference of an application, for example INN-0042." in html
    outsider = make.user(roles=["juror"])
    db.commit()
    response = organizer_client.post(
        jury_url(rnd) + "/assignments", data={"juror_id": outsider.id, "application_ref": "INN-001"}
    )
    assert response.status_code == 422
    assert "Choose a juror of this round." in response.get_data(as_text=True)
    # the row's button without a juror chosen
    app_id = db.scalar(select(Application.id).where(Application.ref == "INN-001"))
    response = organizer_client.post(jury_url(rnd) + f"/applications/{app_id}/jurors", data={"juror_id": ""})
    assert response.status_code == 422
    row = response.get_data(as_text=True).split(f'id="application-{app_id}"')[1].split("</tr>")[0]
    assert "Choose a juror." in row
    assert db.scalars(select(Assignment)).all() == []


def test_a_row_button_comes_back_to_the_same_view(organizer_client, make, db, organizer):
    rnd, jurors, apps = round_with(make, db, organizer, 120)
    html = page_html(organizer_client, rnd, "?show=short&page=1&cpage=1")
    short = table_refs(html)
    assert short, "the round has applications short of jurors"
    target = next(app for app in apps.values() if app.ref == short[0])
    action = re.search(rf'formaction="([^"]+/applications/{target.id}/jurors[^"]*)"', html).group(1)
    assert "show=short" in action
    assigned = set(
        db.scalars(
            select(Assignment.juror_id).where(
                Assignment.application_id == target.id, Assignment.round_id == rnd.id
            )
        )
    )
    free = next(j for j in jurors if j.id not in assigned and not rules.is_in_conflict(db, j.id, target.id))
    response = organizer_client.post(action.replace("&amp;", "&"), data={"juror_id": free.id})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert parse_qs(location.query) == {"show": ["short"]} and location.fragment == f"application-{target.id}"
    db.expire_all()
    assert db.scalar(
        select(Assignment.id).where(
            Assignment.round_id == rnd.id,
            Assignment.juror_id == free.id,
            Assignment.application_id == target.id,
        )
    )


def test_record_a_conflict_by_reference(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    juror = make.user(name="Pia Paquette", roles=["juror"])
    make.jury(rnd, juror)
    target = make.application(prize, ref="INN-007")
    db.commit()
    english(organizer_client)
    response = organizer_client.post(
        jury_url(rnd) + "/conflicts",
        data={"user_id": juror.id, "application_ref": "INN-077", "reason": "cousin"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "No application judged in this round has the reference “INN-077”." in html
    assert re.search(r"<details open>", html)
    assert re.search(r'<input[^>]+name="application_ref"[^>]+value="INN-077"', html)
    assert db.scalars(select(Conflict)).all() == []
    response = organizer_client.post(
        jury_url(rnd) + "/conflicts",
        data={"user_id": juror.id, "application_ref": "inn-007", "reason": "cousin"},
    )
    assert response.status_code == 302
    db.expire_all()
    conflict = db.scalars(select(Conflict)).one()
    assert (conflict.user_id, conflict.application_id, conflict.source) == (juror.id, target.id, "organizer")


def test_conflicts_are_listed_in_pages(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    juror = make.user(name="Quinn Quesnel", roles=["juror"])
    make.jury(rnd, juror)
    for number in range(1, 61):
        make.conflict(juror, make.application(prize, ref=f"INN-{number:03d}"), source="organizer", reason="x")
    db.commit()
    english(organizer_client)
    first = page_html(organizer_client, rnd)
    assert len(re.findall(r'<tr id="conflict-\d+"', first)) == 50
    assert "60 conflicts · page 1 of 2" in first
    second = page_html(organizer_client, rnd, "?cpage=2&page=1")
    assert len(re.findall(r'<tr id="conflict-\d+"', second)) == 10
    assert "INN-060" in second.split('id="conflicts"')[1].split("</section>")[0]
    assert table_refs(second) == [f"INN-{n:03d}" for n in range(1, 51)]  # the table keeps its own page
    assert table_refs(page_html(organizer_client, rnd, "?cpage=2&page=2")) == [
        f"INN-{n:03d}" for n in range(51, 61)
    ]


def test_viewing_the_page_never_assigns(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    make.jury(rnd, *(make.user(roles=["juror"]) for _ in range(3)))
    for number in range(1, 8):
        make.application(prize, ref=f"INN-{number:03d}")
    db.commit()
    for query in VIEWS:
        page_html(organizer_client, rnd, query)
    db.expire_all()
    assert db.scalars(select(Assignment)).all() == []
    assert db.scalars(select(AuditEvent)).all() == []


def test_the_sql_scope_is_the_rounds_applications(make, db):
    """``round_scope`` (conditions, for counting and paging) selects what ``round_application_ids``
    lists: every submitted application, the finalists of a later round, or the pitch order."""
    prize = make.prize()
    preselection = make.round(prize, position=1, jurors_per_application=2)
    final = make.round(prize, position=2, code="final", jurors_per_application=2)
    live = make.round(prize, position=3, code="live", jurors_per_application=2)
    apps = [make.application(prize, ref=f"INN-{n:03d}") for n in range(1, 7)]
    make.application(prize, ref="INN-900", status="withdrawn")
    make.application(make.prize(prize.edition), ref="INN-901")
    db.flush()
    for app in (*apps[:3], apps[5]):
        db.add(Decision(prize_id=prize.id, application_id=app.id, outcome="finalist"))
    apps[5].status = "withdrawn"  # a finalist withdrawn since: no longer judged
    for position, app in enumerate((apps[2], apps[0])):
        db.add(PitchSlot(round_id=live.id, application_id=app.id, position=position))
    db.commit()

    def scoped(rnd) -> set[int]:
        return set(db.scalars(select(Application.id).where(*queries.round_scope(db, rnd))))

    assert scoped(preselection) == set(queries.round_application_ids(db, preselection))
    assert scoped(preselection) == {app.id for app in apps[:5]}
    assert scoped(final) == set(queries.round_application_ids(db, final)) == {a.id for a in apps[:3]}
    assert scoped(live) == set(queries.round_application_ids(db, live)) == {apps[0].id, apps[2].id}
    assert queries.in_round(db, live, apps[2].id) and not queries.in_round(db, live, apps[1].id)
    assert queries.find_round_application(db, final, "inn-002").id == apps[1].id
    assert queries.find_round_application(db, final, "INN-004") is None  # not a finalist
