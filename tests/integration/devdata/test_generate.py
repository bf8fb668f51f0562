"""``judging generate``: a small generated edition is valid, and the same seed gives the same data."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from judging.accounts.models import User
from judging.applications.models import Answer, Application
from judging.devdata import generate
from judging.editions.models import Criterion, Edition, Prize, Round
from judging.exchange.export import export_edition
from judging.exchange.validate import validate
from judging.jury.models import Assignment, Conflict, CriterionScore, JuryMembership

TODAY = date(2026, 11, 23)
SIZE = {"applications": 240, "jurors": 40}


def run(db, code="gen-test", seed=7, **options):
    values = {**SIZE, "seed": seed, "today": TODAY, "password_method": "pbkdf2:sha256:1000", **options}
    report = generate.generate_edition(db, code=code, **values)
    db.commit()
    return report


def dump(db, code: str) -> dict:
    """The edition's content without database ids (which differ from one run to the next)."""
    edition = db.scalar(select(Edition).where(Edition.code == code))
    apps = db.execute(
        select(
            Application.ref,
            Application.status,
            Application.title,
            Application.org_name,
            Application.region,
            Application.submitted_at,
            Application.receipt_number,
            User.email,
            User.name,
        )
        .join(User, User.id == Application.applicant_id)
        .where(Application.edition_id == edition.id)
        .order_by(Application.ref)
    ).all()
    answers = db.execute(
        select(Application.ref, Answer.value)
        .join(Application, Application.id == Answer.application_id)
        .where(Application.edition_id == edition.id)
        .order_by(Application.ref, Answer.question_id)
    ).all()
    cards = db.execute(
        select(
            User.email,
            Application.ref,
            Assignment.status,
            Assignment.comment,
            Criterion.code,
            CriterionScore.value,
        )
        .join(User, User.id == Assignment.juror_id)
        .join(Application, Application.id == Assignment.application_id)
        .outerjoin(CriterionScore, CriterionScore.assignment_id == Assignment.id)
        .outerjoin(Criterion, Criterion.id == CriterionScore.criterion_id)
        .where(Application.edition_id == edition.id)
        .order_by(User.email, Application.ref, Criterion.code)
    ).all()
    conflicts = db.execute(
        select(User.email, Application.ref, Conflict.source)
        .join(User, User.id == Conflict.user_id)
        .join(Application, Application.id == Conflict.application_id)
        .where(Application.edition_id == edition.id)
        .order_by(User.email, Application.ref)
    ).all()
    return {"apps": apps, "answers": answers, "cards": cards, "conflicts": conflicts}


def test_generated_edition_has_the_asked_size_and_keeps_the_rules(db):
    report = run(db)
    edition = report.edition
    counts = generate.table_counts(db, edition)
    assert counts["applications"] == 240
    assert counts["prizes"] == 4 and counts["rounds"] == 8
    assert counts["criteria"] == 4 * 5 + 4 * 3  # five criteria per preselection, three per final
    assert (
        db.scalar(select(func.count()).select_from(User).where(User.email.like("%@jury.gen-test.example")))
        == 40
    )
    assert (
        db.scalar(
            select(func.count()).select_from(User).where(User.email.like("%@candidates.gen-test.example"))
        )
        == 240
    )
    statuses = Counter(db.scalars(select(Application.status).where(Application.edition_id == edition.id)))
    assert statuses["submitted"] > 0.9 * 240 and set(statuses) <= {
        "submitted",
        "draft",
        "withdrawn",
        "ineligible",
    }

    prize_of = dict(
        db.execute(
            select(Application.id, Application.prize_id).where(Application.edition_id == edition.id)
        ).all()
    )
    status_of = dict(
        db.execute(
            select(Application.id, Application.status).where(Application.edition_id == edition.id)
        ).all()
    )
    round_prize = dict(
        db.execute(select(Round.id, Round.prize_id).join(Prize).where(Prize.edition_id == edition.id)).all()
    )
    members = set(db.execute(select(JuryMembership.round_id, JuryMembership.user_id)).all())
    cards = db.execute(
        select(
            Assignment.id,
            Assignment.round_id,
            Assignment.juror_id,
            Assignment.application_id,
            Assignment.status,
        ).where(Assignment.application_id.in_(list(prize_of)))
    ).all()
    conflicts = set(
        db.execute(
            select(Conflict.user_id, Conflict.application_id).where(
                Conflict.application_id.in_(list(prize_of))
            )
        ).all()
    )
    assert len(conflicts) >= 40  # about 1.5 per juror

    per_app = Counter(card.application_id for card in cards)
    submitted = [a for a, s in status_of.items() if s == "submitted"]
    assert {per_app[a] for a in submitted} == {3}  # three jurors on every submitted application
    assert all(status_of[a] == "submitted" for a in per_app)  # and none on the others
    for card in cards:
        assert (card.round_id, card.juror_id) in members  # a juror of that round
        assert round_prize[card.round_id] == prize_of[card.application_id]
        if (card.juror_id, card.application_id) in conflicts:
            assert card.status == "recused"  # a conflict declared on the scorecard itself, never assigned
    loads = defaultdict(Counter)
    for card in cards:
        loads[card.round_id][card.juror_id] += 1
    for per_juror in loads.values():
        assert max(per_juror.values()) - min(per_juror.values()) <= 3

    statuses = Counter(card.status for card in cards)
    assert statuses["submitted"] > 0.7 * len(cards)
    scores = db.execute(
        select(
            Assignment.status,
            Assignment.id,
            Criterion.required,
            Criterion.min_value,
            Criterion.max_value,
            CriterionScore.value,
        )
        .join(CriterionScore, CriterionScore.assignment_id == Assignment.id)
        .join(Criterion, Criterion.id == CriterionScore.criterion_id)
        .where(Assignment.application_id.in_(list(prize_of)))
    ).all()
    assert {row.status for row in scores} == {"submitted", "draft"}  # no score on the others
    assert all(row.min_value <= row.value <= row.max_value for row in scores)
    required = db.scalar(
        select(func.count())
        .select_from(Criterion)
        .join(Round)
        .join(Prize)
        .where(Prize.edition_id == edition.id, Round.code == "preselection", Criterion.required.is_(True))
    )
    answered_required = Counter(row.id for row in scores if row.status == "submitted" and row.required)
    per_round_required = dict(
        db.execute(
            select(Criterion.round_id, func.count())
            .where(Criterion.required.is_(True))
            .group_by(Criterion.round_id)
        ).all()
    )
    round_of = {card.id: card.round_id for card in cards}
    for card_id, n in answered_required.items():
        assert (
            n == per_round_required[round_of[card_id]]
        )  # a submitted scorecard answers every required criterion
    assert required > 0

    user = db.scalar(select(User).where(User.email == generate.juror_email("gen-test", 1)))
    assert check_password_hash(user.password_hash, generate.PASSWORD)
    assert [str(e) for e in validate(export_edition(db, edition))] == []


def test_same_seed_same_data_and_replace(db):
    run(db, seed=11)
    first = dump(db, "gen-test")
    with pytest.raises(generate.GenerateError):
        run(db, seed=11)
    run(db, seed=11, replace=True)
    assert dump(db, "gen-test") == first
    run(db, seed=12, replace=True)
    assert dump(db, "gen-test") != first
    assert db.scalar(select(func.count()).select_from(Edition).where(Edition.code == "gen-test")) == 1


def test_generate_command_prints_rows_per_table(runner, app):
    result = runner.invoke(
        args=[
            "generate",
            "--applications",
            "60",
            "--jurors",
            "16",
            "--edition",
            "gen-cli",
            "--today",
            "2026-11-23",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "applications" in result.output and "criterion_scores" in result.output
    assert "generated in" in result.output
    refused = runner.invoke(
        args=["generate", "--applications", "60", "--jurors", "4", "--edition", "gen-small"]
    )
    assert refused.exit_code == 1
    assert "jurors are needed" in refused.output
