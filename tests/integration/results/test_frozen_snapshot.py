"""Frozen means frozen: what is announced or printed comes from the round's snapshot, not from live rows.

After the announcement a live score and decision rows are changed directly in the database (as a
bug or a hand edit would): the public finalists and winners pages, the reveal screen, every ceremony
PDF (read with ``pdftotext``) and the edition report (page and PDF) stay exactly as they were.
The organizer's live results page says that live differs from frozen, with both fingerprints.
``judging results EDITION --verify`` recomputes each frozen round's fingerprint (from the database,
or from an export with ``--from FILE``) and says « same » or « differs ».
"""

from __future__ import annotations

import html
import json
import logging
import re

from sqlalchemy import select

from judging.accounts.models import User
from judging.ceremony import plan as ceremony
from judging.exchange.export import export_edition
from judging.jury.models import Assignment, CriterionScore
from judging.results import operations as decisions_service
from judging.results import snapshots
from judging.results.models import Decision, ResultSnapshot
from tests.factories import aware
from tests.scenarios import decided_prize, pdf_text, results_url, squash

KINDS = ("run-of-show", "envelopes", "presenters", "certificates", "press")


def publish(db, edition, apps) -> None:
    """Public pages open, every candidate consents to publication (so names show)."""
    edition.finalists_public_at = aware(2025, 9, 20, 14)
    edition.winners_public_at = aware(2025, 10, 17, 1)
    for application in apps.values():
        application.publication_consent = True
    db.commit()


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    if response.mimetype == "application/pdf":
        return squash(pdf_text(response.data))
    body = html.unescape(response.get_data(as_text=True))
    body = re.sub(r'name="csrf_token" [^>]*>', "", body)
    return re.sub(r"chart-\d+-", "chart-N-", body)  # the charts' ids count up in the process


def outputs(app, organizer_client, edition) -> dict[str, str]:
    """The text of everything announced or printed: public pages, reveal steps, ceremony PDFs, report."""
    anonymous = app.test_client()
    base = f"/organizer/editions/{edition.id}"
    shown = {
        "finalists page": text_of(anonymous.get(f"/editions/{edition.code}/finalists")),
        "winners page": text_of(anonymous.get(f"/editions/{edition.code}/winners")),
        "report page": text_of(organizer_client.get(f"{base}/report")),
        "report pdf": text_of(organizer_client.get(f"{base}/report.pdf?language=fr")),
    }
    for step in range(4):  # title, finalists, winner, end
        shown[f"reveal {step}"] = text_of(
            organizer_client.get(f"{base}/ceremony/reveal?step={step}&language=fr")
        )
    for kind in KINDS:
        shown[kind] = text_of(organizer_client.get(f"{base}/ceremony/documents/{kind}.pdf?language=fr"))
    return shown


def tamper(db, prize, final, apps) -> None:
    """After the announcement, change live rows behind the application's back."""
    score = db.scalars(
        select(CriterionScore)
        .join(Assignment, Assignment.id == CriterionScore.assignment_id)
        .where(Assignment.round_id == final.id, Assignment.application_id == apps["A"].id)
    ).first()
    score.value = 1  # A no longer wins the final on the scores
    winner = db.scalars(
        select(Decision).where(Decision.prize_id == prize.id, Decision.outcome == "winner")
    ).one()
    winner.application_id = apps["B"].id
    winner.citation = {"fr": "Citation trafiquée", "en": "Tampered citation"}
    mention = db.scalars(
        select(Decision).where(Decision.prize_id == prize.id, Decision.outcome == "mention")
    ).one()
    db.delete(mention)
    finalist_b = db.scalars(
        select(Decision).where(Decision.application_id == apps["B"].id, Decision.outcome == "finalist")
    ).one()
    finalist_b.application_id = apps["D"].id  # D becomes a finalist in the live rows, B is no longer one
    db.commit()


def test_nothing_public_or_printed_changes_after_the_announcement(app, db, make, organizer, organizer_client):
    edition, prize, final, apps = decided_prize(app, make, db, organizer)
    publish(db, edition, apps)
    before = outputs(app, organizer_client, edition)
    assert "Alix Aubry" in before["winners page"] and "Cyrielle Caron" in before["winners page"]
    assert "Basile Brun" in before["finalists page"] and "Dina Drouin" not in before["finalists page"]
    assert "Une équipe <remarquable>" in before["envelopes"]

    tamper(db, prize, final, apps)
    after = outputs(app, organizer_client, edition)

    for name, text in before.items():
        assert after[name] == text, name
    assert all("Citation trafiquée" not in text and "Dina Drouin" not in text for text in after.values())
    # the live rows did change: the organizer's live results page says so, with both fingerprints
    [snapshot] = db.scalars(
        select(ResultSnapshot).where(
            ResultSnapshot.round_id == final.id, ResultSnapshot.invalidated_at.is_(None)
        )
    ).all()
    page = text_of(organizer_client.get(results_url(edition, prize, final)))
    live = re.search(r'id="live-fingerprint"[^>]*>([0-9a-f]{64})<', page).group(1)
    assert live != snapshot.fingerprint
    notice = squash(re.search(r'<dd[^>]*id="frozen-state".*?</dd>', page, re.S).group(0))
    assert snapshot.fingerprint[:12] in notice and live[:12] in notice


def test_a_consent_withdrawn_after_the_announcement_still_hides_the_name(
    app, db, make, organizer, organizer_client
):
    """The frozen winner A stays the winner (the live rows say B), and A's withdrawal hides A's name."""
    edition, prize, final, apps = decided_prize(app, make, db, organizer)
    publish(db, edition, apps)
    assert "Alix Aubry" in outputs(app, organizer_client, edition)["winners page"]
    tamper(db, prize, final, apps)
    apps["A"].publication_consent = False
    db.commit()
    shown = outputs(app, organizer_client, edition)
    for name in ("finalists page", "winners page", "press", "report pdf", "reveal 1", "reveal 2"):
        assert "Alix Aubry" not in shown[name], name
    # the host's documents keep the names, and the winner is the frozen one
    assert "Le Prix de l'innovation est décerné à Alix Aubry" in shown["envelopes"]


def test_the_snapshot_keeps_the_decisions_the_outputs_show(app, db, make, organizer):
    edition, prize, final, apps = decided_prize(app, make, db, organizer)
    payloads = {
        s.round_id: s.payload
        for s in db.scalars(select(ResultSnapshot).where(ResultSnapshot.invalidated_at.is_(None)))
    }
    final_decisions = {d["outcome"]: d for d in payloads[final.id]["decisions"]}
    assert payloads[final.id]["snapshot_format"] == snapshots.PAYLOAD_FORMAT
    assert final_decisions["winner"]["application"] == apps["A"].ref
    assert final_decisions["winner"]["person"] == "Alix Aubry"
    assert final_decisions["winner"]["citation"] == {
        "fr": "Une équipe <remarquable>",
        "en": "A <remarkable> team",
    }
    assert (final_decisions["winner"]["rank"], final_decisions["winner"]["tied"]) == (1, False)
    assert final_decisions["mention"]["person"] == "Cyrielle Caron"
    [preselection_id] = set(payloads) - {final.id}
    outcomes = {d["application"]: d["outcome"] for d in payloads[preselection_id]["decisions"]}
    assert outcomes == {
        apps["A"].ref: "finalist",
        apps["B"].ref: "finalist",
        apps["C"].ref: "not-selected",
        apps["D"].ref: "not-selected",
        apps["E"].ref: "not-selected",
    }
    assert "person" not in next(
        d for d in payloads[preselection_id]["decisions"] if d["outcome"] != "finalist"
    )


def test_a_snapshot_frozen_before_decisions_were_kept_reads_the_live_rows_with_a_warning(
    app, db, make, organizer, caplog
):
    edition, prize, final, apps = decided_prize(app, make, db, organizer)
    for snapshot in db.scalars(select(ResultSnapshot)):
        snapshot.payload = {
            k: v for k, v in snapshot.payload.items() if k not in ("decisions", "snapshot_format")
        }
    winner = db.scalars(
        select(Decision).where(Decision.prize_id == prize.id, Decision.outcome == "winner")
    ).one()
    winner.citation = {"fr": "Citation corrigée", "en": "Corrected citation"}
    db.commit()
    with caplog.at_level(logging.WARNING, logger="judging.results.snapshots"), app.test_request_context():
        [item] = ceremony.ceremony_plan(db, edition, language="fr").prizes
    assert item.winner.person == "Alix Aubry"
    assert item.winner.citation_in("fr") == "Citation corrigée"  # the live row: nothing else to read
    assert [m.person for m in item.mentions] == ["Cyrielle Caron"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "judging.results.snapshots"]
    assert len(warnings) == 2 and all("read from the live rows" in w for w in warnings), warnings


# --- judging results EDITION --verify ------------------------------------------------------------------


def verify(runner, *args):
    return runner.invoke(args=["results", *args, "--verify"])


def test_verify_says_same_for_untouched_rounds(app, db, make, organizer, runner):
    edition, prize, final, apps = decided_prize(app, make, db, organizer)
    fingerprints = {s.round_id: s.fingerprint for s in db.scalars(select(ResultSnapshot))}
    outcome = verify(runner, edition.code)
    assert outcome.exit_code == 0, outcome.output
    lines = [line for line in outcome.output.splitlines() if line.strip()]
    assert len(lines) == 2, outcome.output
    assert all(" same " in f" {line} " for line in lines), outcome.output
    for fingerprint in fingerprints.values():
        assert fingerprint in outcome.output


def test_verify_says_differs_when_a_live_score_changed(app, db, make, organizer, runner):
    edition, prize, final, apps = decided_prize(app, make, db, organizer)
    frozen = db.scalars(select(ResultSnapshot.fingerprint).where(ResultSnapshot.round_id == final.id)).one()
    tamper(db, prize, final, apps)
    live = decisions_service.results_service.round_computation(db, final).fingerprint
    outcome = verify(runner, edition.code)
    assert outcome.exit_code == 1, outcome.output
    [line] = [line for line in outcome.output.splitlines() if "final" in line]
    assert "differs" in line and frozen in line and live in line, outcome.output
    [other] = [line for line in outcome.output.splitlines() if line.strip() and "final" not in line]
    assert "same" in other, outcome.output


def test_verify_from_an_export_file(app, db, make, organizer, runner, tmp_path):
    edition, prize, final, apps = decided_prize(app, make, db, organizer)
    jurors = db.scalars(select(User).where(User.id.in_(select(Assignment.juror_id)))).all()
    make.jury(final, *jurors)  # the builder scores the final without a jury, which no export allows
    db.commit()
    document = export_edition(db, edition)
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    outcome = verify(runner, edition.code, "--from", str(exported))
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.count("same") == 2, outcome.output

    # one score changed in the file (still valid): its round differs, the other stays the same
    card = next(
        s for s in document["scorecards"] if s["round"] == "final" and s["application"] == apps["A"].ref
    )
    card["scores"]["overall"] = 1
    exported.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    outcome = verify(runner, edition.code, "--from", str(exported))
    assert outcome.exit_code == 1, outcome.output
    [line] = [line for line in outcome.output.splitlines() if "final" in line]
    assert "differs" in line, outcome.output
    assert outcome.output.count("same") == 1, outcome.output


def test_verify_refuses_an_export_of_another_edition(app, db, make, organizer, runner, tmp_path):
    edition, prize, final, apps = decided_prize(app, make, db, organizer)
    document = export_edition(db, edition)
    document["edition"]["code"] = "another-2026"
    exported = tmp_path / "other.json"
    exported.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    outcome = verify(runner, edition.code, "--from", str(exported))
    assert outcome.exit_code == 1
    assert "'another-2026', not 'ed-5x4'" in outcome.output
    assert "same" not in outcome.output and "differs" not in outcome.output
