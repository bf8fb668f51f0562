"""The audit trail page: filters return exactly the right events; pages; exports neutralise formulas."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from judging.core.audit_event import AuditEvent
from tests.factories import aware


@pytest.fixture
def trail(make, db, organizer):
    edition = make.edition(code="audit-2026")
    innovation = make.prize(edition, code="innovation")
    youth = make.prize(edition, code="youth")
    pre = make.round(innovation, code="preselection")
    final = make.round(innovation, code="final")
    youth_pre = make.round(youth, code="preselection")
    jules = make.user(email="jules@jury.example", name="Jules", roles=["juror"])
    other_edition = make.edition(code="other-2026")

    def event(name, action, at, actor, rnd=None, prize=None, reason=None, edition_id=edition.id, **extra):
        row = AuditEvent(
            action=action,
            at=at,
            actor_id=actor.id if actor else None,
            object_type="round",
            object_id=rnd.id if rnd else None,
            edition_id=edition_id,
            prize_id=(rnd.prize_id if rnd else prize.id if prize else None),
            round_id=rnd.id if rnd else None,
            reason=reason,
            **extra,
        )
        db.add(row)
        db.flush()
        events[name] = row.id

    events: dict[str, int] = {}
    event(
        "submitted",
        "scorecard.submitted",
        aware(2026, 10, 5, 15),
        jules,
        pre,
        before={"status": "draft", "scores": {"c1": "7"}},
        after={"status": "submitted", "scores": {"c1": "8"}},
    )
    event("changed", "scorecard.changed", aware(2026, 10, 10, 3, 30), jules, pre)  # Oct 9, 23:30 in Montréal
    event("override", "finalist.overridden", aware(2026, 10, 12, 14), organizer, pre, reason="=1+2")
    event("frozen", "results.frozen", aware(2026, 10, 13, 14), organizer, final)
    event("youth", "scorecard.submitted", aware(2026, 10, 14, 14), jules, youth_pre)
    event("prize", "prize.updated", aware(2026, 10, 15, 14), organizer, prize=youth, reason="@SUM(A1)")
    event("elsewhere", "scorecard.submitted", aware(2026, 10, 5, 15), jules, edition_id=other_edition.id)
    db.commit()
    return {
        "edition": edition,
        "innovation": innovation,
        "youth": youth,
        "pre": pre,
        "final": final,
        "jules": jules,
        "organizer": organizer,
        "events": events,
    }


def shown(response) -> set[int]:
    assert response.status_code == 200, response.get_data(as_text=True)[-500:]
    return {int(i) for i in re.findall(r'data-event="(\d+)"', response.get_data(as_text=True))}


def ids(trail, *names) -> set[int]:
    return {trail["events"][name] for name in names}


def test_filters_return_exactly_the_right_events(app, organizer_client, trail):
    url = f"/organizer/editions/{trail['edition'].id}/audit"
    everything = ids(trail, "submitted", "changed", "override", "frozen", "youth", "prize")
    assert shown(organizer_client.get(url)) == everything  # never another edition's events
    assert shown(organizer_client.get(url, query_string={"prize": trail["innovation"].id})) == ids(
        trail, "submitted", "changed", "override", "frozen"
    )
    assert shown(organizer_client.get(url, query_string={"prize": trail["youth"].id})) == ids(
        trail, "youth", "prize"
    )
    assert shown(organizer_client.get(url, query_string={"round": trail["pre"].id})) == ids(
        trail, "submitted", "changed", "override"
    )
    assert shown(organizer_client.get(url, query_string={"person": trail["jules"].id})) == ids(
        trail, "submitted", "changed", "youth"
    )
    assert shown(organizer_client.get(url, query_string={"action": "scorecard.submitted"})) == ids(
        trail, "submitted", "youth"
    )
    # dates are Montréal days, both ends included: 03:30 UTC on the 10th is still the 9th in Montréal
    assert shown(organizer_client.get(url, query_string={"date_from": "2026-10-10"})) == ids(
        trail, "override", "frozen", "youth", "prize"
    )
    assert shown(organizer_client.get(url, query_string={"date_to": "2026-10-09"})) == ids(
        trail, "submitted", "changed"
    )
    assert shown(
        organizer_client.get(url, query_string={"date_from": "2026-10-12", "date_to": "2026-10-13"})
    ) == ids(trail, "override", "frozen")
    assert shown(
        organizer_client.get(
            url,
            query_string={
                "prize": trail["innovation"].id,
                "person": trail["organizer"].id,
                "action": "results.frozen",
            },
        )
    ) == ids(trail, "frozen")
    # a filter value that is not of this edition is refused, not silently ignored
    response = organizer_client.get(url, query_string={"prize": 99999})
    assert response.status_code == 422
    assert 'data-event="' not in response.get_data(as_text=True)


def test_before_and_after_are_shown(app, organizer_client, trail):
    html = organizer_client.get(
        f"/organizer/editions/{trail['edition'].id}/audit",
        query_string={"action": "scorecard.submitted", "round": trail["pre"].id},
    ).get_data(as_text=True)
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    # before → after in words (no JSON): the scores the juror gave
    assert "les notes : Critère c1 : 7 → Critère c1 : 8" in text  # criteria by name, not code
    assert "&#34;" not in html and '{"' not in html


def test_pages_of_fifty(app, db, organizer_client, trail):
    for n in range(114):
        db.add(
            AuditEvent(
                action="scorecard.draft_saved",
                at=aware(2026, 9, 1, 12, n % 60),
                object_type="x",
                edition_id=trail["edition"].id,
                actor_id=trail["jules"].id,
            )
        )
    db.commit()
    url = f"/organizer/editions/{trail['edition'].id}/audit"
    query = {"action": "scorecard.draft_saved"}
    first = shown(organizer_client.get(url, query_string=query))
    second = shown(organizer_client.get(url, query_string={**query, "page": 2}))
    third = shown(organizer_client.get(url, query_string={**query, "page": 3}))
    assert (len(first), len(second), len(third)) == (50, 50, 14)
    assert not (first & second or second & third)
    html = organizer_client.get(url, query_string=query).get_data(as_text=True)
    assert "114 events" in html or "114 évènements" in html or "114 événements" in html
    assert "page=2" in html and "action=scorecard.draft_saved" in html


def test_export_keeps_the_filters_and_neutralises_formulas(app, organizer_client, trail):
    url = f"/organizer/editions/{trail['edition'].id}/audit/export.csv"
    response = organizer_client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == 1 + 6
    reasons = {row[3]: row[8] for row in rows[1:]}
    assert reasons["finalist.overridden"] == "'=1+2"
    assert reasons["prize.updated"] == "'@SUM(A1)"
    filtered = list(
        csv.reader(
            io.StringIO(
                organizer_client.get(url, query_string={"person": trail["jules"].id})
                .get_data()
                .decode("utf-8-sig")
            )
        )
    )
    assert sorted(row[3] for row in filtered[1:]) == [
        "scorecard.changed",
        "scorecard.submitted",
        "scorecard.submitted",
    ]
    # Montréal time
    times = {row[3]: row[0] for row in filtered[1:]}
    assert times["scorecard.changed"] == "2026-10-09 23:30:00"
    from openpyxl import load_workbook

    response = organizer_client.get(
        url.replace(".csv", ".xlsx"), query_string={"action": "finalist.overridden"}
    )
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.max_row == 2
    assert sheet.cell(row=2, column=9).value == "'=1+2"
    assert sheet.cell(row=2, column=9).data_type == "s"


def test_the_page_runs_the_same_queries_for_few_and_many_events(app, db, make, organizer_client, trail):
    from tests.integration.results.test_results_page import _count_queries

    url = f"/organizer/editions/{trail['edition'].id}/audit"
    few = _count_queries(app, organizer_client, url)
    people = [make.user(roles=["juror"]) for _ in range(30)]
    for n in range(200):
        db.add(
            AuditEvent(
                action=f"scorecard.action{n % 7}",
                at=aware(2026, 9, 2, 12, n % 60),
                object_type="x",
                edition_id=trail["edition"].id,
                actor_id=people[n % 30].id,
                prize_id=trail["innovation"].id,
                round_id=trail["pre"].id,
            )
        )
    db.commit()
    assert _count_queries(app, organizer_client, url) == few
    export = f"/organizer/editions/{trail['edition'].id}/audit/export.csv"
    assert _count_queries(app, organizer_client, export) <= few + 1
