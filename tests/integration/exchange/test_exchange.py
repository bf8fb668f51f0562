"""Edition exchange format: import, export, round trip, all-or-nothing, CLI."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import event, func, select

from judging.accounts.models import EditionPerson, Organization, User
from judging.applications.models import Answer, Application
from judging.core.audit_event import AuditEvent
from judging.core.models import Base
from judging.db import get_engine
from judging.editions.models import Edition
from judging.exchange.common import FORMAT
from judging.exchange.export import export_edition, find_edition
from judging.exchange.import_ import ImportFailed, import_edition
from judging.exchange.validate import validate
from judging.jury.models import Assignment, Conflict, CriterionScore, JuryMembership
from judging.results.computation import results_document
from judging.results.engine.scoring import CriterionSpec, scorecard_total
from judging.results.models import Decision
from tests.scenarios import spec_document


def row_counts(db) -> dict[str, int]:
    return {
        table.name: db.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


# Round trip -------------------------------------------------------------------------------------


def test_spec_document_is_valid():
    assert [str(e.path) for e in validate(spec_document())] == []


def test_export_of_import_is_the_same_document(db):
    doc = spec_document()
    edition = import_edition(db, copy.deepcopy(doc))
    db.commit()
    exported = export_edition(db, edition)
    assert exported == doc
    # and the same as JSON text, so that numbers come back as written (35, 7.5, -1.5)
    assert json.dumps(exported, sort_keys=True) == json.dumps(doc, sort_keys=True)


def test_round_trip_from_a_fresh_session(app, db):
    doc = spec_document()
    import_edition(db, copy.deepcopy(doc))
    db.commit()
    from judging.db import get_session

    with app.app_context():  # a new session: nothing comes from the identity map
        fresh = get_session()
        assert fresh is not db
        assert export_edition(fresh, find_edition(fresh, "mtl-2023")) == doc


def test_import_and_export_share_no_objects_with_the_caller(db):
    doc = spec_document()
    edition = import_edition(db, doc)
    doc["prizes"][0]["name"]["fr"] = "changed after import"
    exported = export_edition(db, edition)
    assert exported["prizes"][0]["name"]["fr"] == "Prix de l'innovation"
    exported["prizes"][0]["name"]["fr"] = "changed after export"
    assert export_edition(db, edition)["prizes"][0]["name"]["fr"] == "Prix de l'innovation"


def test_times_are_exported_in_the_editions_time_zone(db):
    doc = spec_document()
    doc["edition"]["applications_open"] = "2023-05-01T13:00:00Z"
    doc["edition"]["ceremony_at"] = "2023-10-12T22:00:00+00:00"
    edition = import_edition(db, doc)
    exported = export_edition(db, edition)["edition"]
    assert exported["applications_open"] == "2023-05-01T09:00:00-04:00"
    assert exported["ceremony_at"] == "2023-10-12T18:00:00-04:00"


def test_optional_keys_left_out_stay_out_and_lists_are_always_written(db):
    doc = {
        "format": FORMAT,
        "edition": {
            "code": "bare",
            "name": "Bare",
            "applications_open": "2024-01-01T00:00:00-05:00",
            "applications_close": "2024-02-01T00:00:00-05:00",
        },
    }
    exported = export_edition(db, import_edition(db, doc))
    assert exported == {
        "format": FORMAT,
        "edition": {
            "code": "bare",
            "name": "Bare",
            "timezone": "America/Montreal",
            "applications_open": "2024-01-01T00:00:00-05:00",
            "applications_close": "2024-02-01T00:00:00-05:00",
        },
        "prizes": [],
        "people": [],
        "juries": [],
        "applications": [],
        "conflicts": [],
        "scorecards": [],
        "decisions": [],
    }


# What the import stores ------------------------------------------------------------------------


def test_import_stores_people_applications_and_scorecards(db):
    edition = import_edition(db, spec_document())
    db.commit()
    users = {u.email: u for u in db.scalars(select(User))}
    assert set(users) == {
        "juror@example.org",
        "Zoe.Chen@Example.org",
        "alpha@example.org",
        "founder@example.com",
    }
    assert all(u.password_hash is None for u in users.values())
    assert users["Zoe.Chen@Example.org"].roles == {"candidate", "juror"}
    assert users["Zoe.Chen@Example.org"].organization_name == "Serre Inc."
    # "Serre Inc." (a person's organization) and "SERRE" (an application's) are one registry row
    orgs = db.scalars(select(Organization)).all()
    assert sorted(o.normalized_name for o in orgs) == ["serre", "univ x"]
    serre = next(o for o in orgs if o.normalized_name == "serre")
    assert users["Zoe.Chen@Example.org"].organization_id == serre.id

    positions = db.execute(
        select(User.email, EditionPerson.position).join(EditionPerson).order_by(EditionPerson.position)
    ).all()
    assert [tuple(p) for p in positions] == [
        ("juror@example.org", 0),
        ("Zoe.Chen@Example.org", 1),
        ("alpha@example.org", 2),
        ("founder@example.com", 3),
    ]

    apps = {a.ref: a for a in db.scalars(select(Application).where(Application.edition_id == edition.id))}
    assert apps["INN-002"].applicant_id == users["founder@example.com"].id
    assert apps["INN-002"].contact_email == "founder@example.com"
    assert apps["INN-002"].organization_id == serre.id and apps["INN-001"].organization_id == serre.id
    assert apps["INN-001"].applicant_id is None  # the contact has no account
    assert apps["INN-002"].website == "https://serre.example"
    # the file answer is not carried; the four others are stored
    assert (
        db.scalar(select(func.count()).select_from(Answer).where(Answer.application_id == apps["INN-002"].id))
        == 5
    )

    conflicts = {c.application.ref: c for c in db.scalars(select(Conflict))}
    assert conflicts["INN-002"].source == "imported"
    assert conflicts["INN-002"].reason == "same organization"
    assert conflicts["WIT-002"].source == "declared" and conflicts["WIT-002"].lifted_at is not None

    chair = db.scalars(select(JuryMembership).where(JuryMembership.is_chair)).all()
    assert [m.user.email for m in chair] == ["juror@example.org"]
    statuses = [a.status for a in db.scalars(select(Assignment).order_by(Assignment.id))]
    assert statuses == ["submitted", "draft", "recused", "assigned"]
    assert db.scalar(select(func.count()).select_from(CriterionScore)) == 4
    assert db.scalar(select(func.count()).select_from(Decision)) == 2

    event_row = db.scalars(select(AuditEvent).where(AuditEvent.action == "edition.imported")).one()
    assert event_row.edition_id == edition.id
    assert event_row.after["applications"] == 4
    assert event_row.after["scorecards"] == 4
    assert event_row.after["people_created"] == 4


def test_existing_account_is_found_by_email_whatever_the_case(db, make):
    existing = make.user(email="ZOE.CHEN@example.org", name="Zoé C.", roles=["candidate"], language="fr")
    db.commit()
    import_edition(db, spec_document())
    db.commit()
    matching = db.scalars(select(User).where(func.lower(User.email) == "zoe.chen@example.org")).all()
    assert [u.id for u in matching] == [existing.id]
    assert existing.roles == {"candidate", "juror"}
    assert existing.name == "Zoé C."  # an existing account keeps its profile
    assert existing.password_hash is not None


# All or nothing ---------------------------------------------------------------------------------


def broken_document() -> dict:
    doc = spec_document()
    doc["prizes"][0]["rounds"][0]["criteria"][2]["max"] = -3  # max <= min
    doc["prizes"][0]["rounds"][1]["code"] = "preselection"  # duplicate code in its prize
    doc["people"][2]["roles"] = ["admin"]
    doc["applications"][1]["submitted_at"] = "2023-08-15 23:59"  # no offset
    doc["scorecards"][0]["scores"]["impact"] = 11  # above max
    doc["juries"][0]["jurors"].append("nobody@example.org")
    return doc


BROKEN_PATHS = [
    ("prizes[0].rounds[0].criteria[2].max", "range"),
    ("prizes[0].rounds[1].code", "duplicate"),
    ("people[2].roles[0]", "enum"),
    ("juries[0].jurors[2]", "unknown-person"),
    ("applications[1].submitted_at", "time"),
    ("scorecards[0].scores.impact", "range"),
]


def test_invalid_document_lists_every_error_and_changes_nothing(db, make):
    make.user(email="someone@example.org")
    db.commit()
    before = row_counts(db)
    with pytest.raises(ImportFailed) as failure:
        import_edition(db, broken_document())
    assert [(e.path, e.code) for e in failure.value.errors] == BROKEN_PATHS
    db.rollback()
    assert row_counts(db) == before


def test_existing_code_is_refused_without_replace(db):
    import_edition(db, spec_document())
    db.commit()
    before = row_counts(db)
    with pytest.raises(ImportFailed) as failure:
        import_edition(db, spec_document())
    assert [(e.path, e.code) for e in failure.value.errors] == [("edition.code", "exists")]
    db.rollback()
    assert row_counts(db) == before


def test_replace_deletes_the_old_edition_in_the_same_transaction(db):
    first = import_edition(db, spec_document())
    db.commit()
    changed = spec_document()
    changed["applications"] = changed["applications"][2:]  # keep the two women-in-tech ones
    changed["conflicts"] = changed["conflicts"][1:]
    changed["scorecards"], changed["decisions"] = [], []
    second = import_edition(db, changed, replace=True)
    db.commit()
    assert second is not first and first not in db  # the old objects left the session
    assert db.scalars(select(Edition.code)).all() == ["mtl-2023"]
    assert sorted(db.scalars(select(Application.ref))) == ["WIT-001", "WIT-002"]
    assert db.scalar(select(func.count()).select_from(Assignment)) == 0
    assert db.scalar(select(func.count()).select_from(User)) == 4  # people are not deleted with an edition
    assert export_edition(db, second) == changed


def test_replace_then_round_trip_in_one_session(db):
    """Stale objects of the replaced edition must not collide with the new rows (SQLite reuses ids)."""
    import_edition(db, spec_document())
    db.flush()
    edition = import_edition(db, spec_document(), replace=True)
    db.commit()
    assert export_edition(db, edition) == spec_document()


# Export -----------------------------------------------------------------------------------------


def count_queries(app, fn, *, kind: str = "") -> int:
    """How many SQL statements ``fn`` sends (only those starting with ``kind``, e.g. ``SELECT``)."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(kind):
            statements.append(statement)

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(statements)


def bigger_document(copies: int) -> dict:
    doc = spec_document()
    doc["edition"]["code"] = f"big-{copies}"
    for n in range(copies):
        for email in (f"extra{n}@example.org",):
            doc["people"].append({"email": email, "name": f"Extra {n}", "roles": ["juror"], "language": "en"})
            doc["juries"][1]["jurors"].append(email)
        ref = f"WIT-X{n:03d}"
        doc["applications"].append(
            {"ref": ref, "prize": "women-in-tech", "status": "submitted", "title": f"P{n}", "answers": {}}
        )
        doc["scorecards"].append(
            {
                "prize": "women-in-tech",
                "round": "preselection",
                "juror": f"extra{n}@example.org",
                "application": ref,
                "status": "submitted",
                "scores": {"impact": 1 + n % 5},
            }
        )
    return doc


def test_export_uses_a_fixed_number_of_queries(app, db):
    small = import_edition(db, bigger_document(1))
    large = import_edition(db, bigger_document(40))
    db.commit()
    db.expunge_all()
    small = find_edition(db, "big-1")
    large = find_edition(db, "big-40")
    small_count = count_queries(app, lambda: export_edition(db, small))
    db.expunge_all()
    large = find_edition(db, "big-40")
    large_count = count_queries(app, lambda: export_edition(db, large))
    assert small_count == large_count
    assert large_count <= 20


def test_import_looks_up_with_a_fixed_number_of_queries(app, db, make):
    for n in range(60):  # people who already have an account are looked up, not created
        make.user(email=f"extra{n}@example.org", roles=["juror"])
    db.commit()
    small = count_queries(app, lambda: import_edition(db, bigger_document(1)), kind="SELECT")
    large = count_queries(app, lambda: import_edition(db, bigger_document(60)), kind="SELECT")
    assert large == small
    assert small <= 5


def test_export_lists_people_the_app_added_without_the_document(db, make):
    edition = make.edition(code="live")
    prize = make.prize(edition, code="p")
    rnd = make.round(prize, code="preselection", criteria=1)
    juror = make.user(email="late.juror@example.org", roles=["juror"])
    application = make.application(prize, ref="P-1")
    make.jury(rnd, juror)
    make.scorecard(rnd, juror, application, scores={"c1": 7})
    db.commit()
    exported = export_edition(db, edition)
    assert [p["email"] for p in exported["people"]] == ["late.juror@example.org"]
    assert [str(e) for e in validate(exported)] == []


# Command line ------------------------------------------------------------------------------------


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "edition.json"
    path.write_text(json.dumps(spec_document(), ensure_ascii=False), encoding="utf-8")
    return path


def test_cli_import_then_export(runner, db, spec_file, tmp_path):
    result = runner.invoke(args=["import", str(spec_file)])
    assert result.exit_code == 0, result.output
    assert "mtl-2023" in result.output
    assert "4 applications" in result.output
    out = tmp_path / "out.json"
    result = runner.invoke(args=["export", "mtl-2023", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Prix de l'innovation" in text and "Montréal" in text  # UTF-8, not \u escapes
    assert json.loads(text) == spec_document()
    result = runner.invoke(args=["export", "mtl-2023"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == spec_document()


def test_cli_import_lists_every_error_and_exits_1(runner, db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken_document()), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    for error_path, _code in BROKEN_PATHS:
        assert f"{error_path}: " in result.output
    assert "6 error" in result.output
    assert db.scalar(select(func.count()).select_from(Edition)) == 0
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_cli_import_refuses_existing_code_unless_replace(runner, db, spec_file):
    assert runner.invoke(args=["import", str(spec_file)]).exit_code == 0
    refused = runner.invoke(args=["import", str(spec_file)])
    assert refused.exit_code == 1
    assert "edition.code: " in refused.output and "--replace" in refused.output
    replaced = runner.invoke(args=["import", str(spec_file), "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert db.scalar(select(func.count()).select_from(Edition)) == 1


def test_cli_import_rejects_a_file_that_is_not_json(runner, db, tmp_path):
    path = tmp_path / "nope.json"
    path.write_text('{"format": "judging-edition/1",', encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "not valid JSON" in result.output
    missing = runner.invoke(args=["import", str(tmp_path / "missing.json")])
    assert missing.exit_code != 0


def test_cli_export_of_an_unknown_edition_fails(runner, db):
    result = runner.invoke(args=["export", "nope-1999"])
    assert result.exit_code == 1
    assert "nope-1999" in result.output


def test_cli_import_lists_hostile_values_with_their_paths_and_exits_1(runner, db, tmp_path):
    doc = spec_document()
    doc["edition"]["applications_open"] = "0001-01-01T00:00:00+00:00"
    doc["edition"]["ceremony_at"] = "9999-12-31T23:59:00-05:00"
    doc["prizes"][0]["finalists"] = 10**40
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for where in ("edition.applications_open: ", "edition.ceremony_at: ", "prizes[0].finalists: "):
        assert where in result.output
    assert "3 error(s)" in result.output
    assert db.scalar(select(func.count()).select_from(Edition)) == 0


def test_cli_import_of_a_lone_surrogate_is_refused_and_nothing_is_stored(runner, db, tmp_path):
    path = tmp_path / "surrogate.json"
    text = json.dumps(spec_document()).replace('"MTL Tech Awards 2023"', '"MTL \\ud800 Awards"', 1)
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1, result.output
    assert "edition.name.fr: " in result.output and "U+D800" in result.output
    assert db.scalar(select(func.count()).select_from(Edition)) == 0


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"format": ' + "9" * 5000 + "}"],
    ids=["nested-100000", "integer-5000-digits"],
)
def test_cli_import_of_json_past_its_limits_fails_without_a_traceback(runner, db, tmp_path, text):
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert str(path) in result.output


def scored_then_withdrawn_document() -> dict:
    """The spec's document where a recused and an abstained scorecard still carry scores (a juror
    scored, then stepped back, in another tool): high scores that would change the ranking if they
    counted."""
    doc = spec_document()
    recused, assigned = doc["scorecards"][2], doc["scorecards"][3]
    recused["scores"] = {"feasibility": 2.5, "impact": 10, "novelty": 5}
    assigned.update(status="abstained", scores={"impact": 10}, abstain_reason="Changed my mind.")
    return doc


def test_abstained_or_recused_scorecards_with_scores_import_and_their_scores_never_count(db):
    doc = scored_then_withdrawn_document()
    assert [str(e.path) for e in validate(doc)] == []
    edition = import_edition(db, copy.deepcopy(doc))
    db.commit()

    # the scores are kept as a record: the export gives them back as they were
    assert export_edition(db, edition) == doc
    kept = db.execute(
        select(Assignment.status, func.count(CriterionScore.id))
        .join(CriterionScore, CriterionScore.assignment_id == Assignment.id)
        .group_by(Assignment.status)
    ).all()
    assert dict(kept) == {"submitted": 3, "draft": 1, "recused": 3, "abstained": 1}

    # ... and never count: INN-002 is ranked on its one submitted scorecard, INN-001 (a draft and an
    # abstention) is not ranked at all
    [preselection, _final] = results_document(db, edition)["prizes"][0]["rounds"]
    [row] = preselection["ranking"]
    assert row["application"] == "INN-002" and row["count"] == 1
    criteria = [
        {"code": c["code"], "weight": c["weight"], "min": c["min"], "max": c["max"]}
        for c in doc["prizes"][0]["rounds"][0]["criteria"]
    ]
    submitted = scorecard_total(
        criteria=[CriterionSpec(**c) for c in criteria], scores=doc["scorecards"][0]["scores"]
    )
    assert row["raw_mean"] == pytest.approx(float(submitted))


def test_a_jury_whose_list_of_jurors_is_empty_or_left_out_imports(db):
    """The spec: "Any list may be empty or left out". A jury not chosen yet stores no member."""
    doc = spec_document()
    doc["scorecards"] = [s for s in doc["scorecards"] if s["prize"] != "innovation"]
    doc["juries"][0]["jurors"], doc["juries"][0]["chairs"] = [], []
    del doc["juries"][1]["jurors"]
    assert [str(e.path) for e in validate(doc)] == []
    edition = import_edition(db, copy.deepcopy(doc))
    db.commit()
    assert db.scalar(select(func.count()).select_from(JuryMembership)) == 0
    # a jury without a member is not written back (nothing stored says it was listed)
    assert export_edition(db, edition)["juries"] == []
