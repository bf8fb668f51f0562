"""Organizer side of the jury: members, conflict detection and lifting, automatic and manual
assignment, loads and progress, reminders (one mail per juror, through a real SMTP server).

Assertions compare what the organizer sees and what the database holds.
"""

from __future__ import annotations

import re
from collections import Counter
from html import unescape

import pytest
from sqlalchemy import event, select

from judging.core.audit_event import AuditEvent
from judging.db import get_engine
from judging.jury import operations as jury_service
from judging.jury import rules
from judging.jury.models import Assignment, Conflict, JuryMembership
from judging.jury.operations import JuryError
from judging.mail.models import OutgoingMail
from tests.conftest import deliver_outbox


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def english(client) -> None:
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"


def jury_url(rnd) -> str:
    return f"/organizer/editions/{rnd.prize.edition_id}/prizes/{rnd.prize_id}/rounds/{rnd.id}/jury"


def pairs(db, rnd) -> set[tuple[int, int]]:
    db.expire_all()
    return set(
        db.execute(
            select(Assignment.juror_id, Assignment.application_id).where(Assignment.round_id == rnd.id)
        )
    )


@pytest.fixture
def greedy_trap(make, db):
    """6 applications, 4 jurors, 2 jurors each, at most 3 per juror, 4 conflicts.

    Taking applications in order and giving each the first free jurors fills A and B with
    applications 1–3 and C and D with application 4; applications 5 and 6 (in conflict with C
    and D) are then left without jurors. A full assignment exists: 5 and 6 go to A and B.
    """
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    jurors = [
        make.user(name=f"Juror {letter}", roles=["juror"], email=f"{letter.lower()}@jury{letter}.example")
        for letter in "ABCD"
    ]
    make.jury(rnd, *jurors)
    apps = [make.application(prize, ref=f"INN-{i:03d}") for i in range(1, 7)]
    a, b, c, d = jurors
    for application in apps[4:]:
        make.conflict(c, application, source="organizer", reason="board member")
        make.conflict(d, application, source="organizer", reason="investor")
    db.commit()
    return rnd, jurors, apps


def test_greedy_trap_is_fully_assigned_with_equal_loads_through_the_page(organizer_client, db, greedy_trap):
    rnd, jurors, apps = greedy_trap
    english(organizer_client)
    response = organizer_client.post(jury_url(rnd) + "/assign", data={"max_load": "3"}, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "12 assignments made; every application has its jurors." in html
    assert "Every application has its jurors." in html
    made = pairs(db, rnd)
    assert len(made) == 12
    assert Counter(app_id for _, app_id in made) == {app.id: 2 for app in apps}
    assert Counter(juror_id for juror_id, _ in made) == {juror.id: 3 for juror in jurors}
    conflicts = set(db.execute(select(Conflict.user_id, Conflict.application_id)))
    assert made & conflicts == set()
    for juror in jurors:
        assert re.search(rf"{juror.name}: 3</li>", html)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "jury.auto_assigned")).one()
    assert event.after["created"] == 12
    assert event.after["shortfalls"] == []


def test_assignment_keeps_existing_scorecards_and_is_deterministic(make, db, organizer, greedy_trap):
    rnd, (a, b, c, d), apps = greedy_trap
    kept = make.scorecard(rnd, c, apps[0], scores={"c1": 7, "c2": 8})
    db.commit()
    run = jury_service.auto_assign(db, rnd, actor=organizer, max_load=3)
    db.commit()
    first = pairs(db, rnd)
    assert (c.id, apps[0].id) in first
    assert db.get(Assignment, kept.id).status == "submitted"
    assert run.created == 11
    assert run.shortfalls == []
    # running again changes nothing: everything is already assigned
    again = jury_service.auto_assign(db, rnd, actor=organizer, max_load=3)
    db.commit()
    assert again.created == 0
    assert pairs(db, rnd) == first


def test_infeasible_assignment_is_explained_on_the_page(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    first = make.user(name="Alice Abel", roles=["juror"], reads_languages=["fr"])
    second = make.user(name="Bruno Bell", roles=["juror"], reads_languages=["fr", "en"])
    make.jury(rnd, first, second)
    ok = make.application(prize, ref="INN-001", language="fr")
    blocked = make.application(prize, ref="INN-002", language="fr")
    english_app = make.application(prize, ref="INN-003", language="en")
    make.conflict(first, blocked, source="organization", reason="same organization")
    db.commit()
    english(organizer_client)
    response = organizer_client.post(
        jury_url(rnd) + "/assign", data={"require_language": "y"}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "4 assignments made; 2 applications cannot get enough jurors (see below)." in html
    assert "INN-002: 1 missing — only 1 eligible juror for 2 places (1 in conflict)" in html
    assert "INN-003: 1 missing — only 1 eligible juror for 2 places (1 does not read English)" in html
    assert "INN-001" not in html.split("cannot get enough jurors:")[1].split("</ul>")[0]
    made = pairs(db, rnd)
    assert made == {
        (first.id, ok.id),
        (second.id, ok.id),
        (second.id, blocked.id),
        (second.id, english_app.id),
    }


def test_only_submitted_applications_of_the_prize_are_assigned(make, db, organizer):
    prize = make.prize()
    other_prize = make.prize(prize.edition)
    rnd = make.round(prize, jurors_per_application=1)
    juror = make.user(roles=["juror"])
    make.jury(rnd, juror)
    submitted = make.application(prize)
    make.application(prize, status="draft")
    make.application(prize, status="withdrawn")
    make.application(other_prize)
    db.commit()
    jury_service.auto_assign(db, rnd, actor=organizer)
    db.commit()
    assert pairs(db, rnd) == {(juror.id, submitted.id)}


@pytest.fixture
def detection_case(make, db):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    lumiere = make.user(
        name="Lou Lumière",
        email="lou@lumiere.example",
        roles=["juror"],
        organization_name="Groupe Éducatif Lumière ltée",
    )
    campus = make.user(
        name="Cam Pus",
        email="cam@iro.umontreal.ca",
        roles=["juror"],
        organization_name="Département d'informatique",
    )
    gmail = make.user(name="Gil Mail", email="gil.mail@gmail.com", roles=["juror"])
    candidate_juror = make.user(
        name="Cande Jure", email="cande@startup.example", roles=["juror", "candidate"]
    )
    make.jury(rnd, lumiere, campus, gmail, candidate_juror)
    apps = {
        "org": make.application(
            prize, ref="INN-001", org_name="GROUPE EDUCATIF LUMIERE, INC.", contact_email="x@other.example"
        ),
        "domain": make.application(
            prize, ref="INN-002", org_name="Labo Quantique", contact_email="prof@umontreal.ca"
        ),
        "gmail": make.application(prize, ref="INN-003", org_name="Solo", contact_email="someone@gmail.com"),
        "own": make.application(prize, ref="INN-004", org_name="Start", applicant=candidate_juror),
        "plain": make.application(
            prize, ref="INN-005", org_name="Autre OBNL", contact_email="a@autre.example"
        ),
    }
    db.commit()
    return rnd, {"lumiere": lumiere, "campus": campus, "gmail": gmail, "cand": candidate_juror}, apps


def test_detection_on_organization_names_email_domains_and_applying(organizer_client, db, detection_case):
    rnd, jurors, apps = detection_case
    english(organizer_client)
    response = organizer_client.post(jury_url(rnd) + "/conflicts/detect", follow_redirects=True)
    html = response.get_data(as_text=True)
    rows = {
        (user_id, app_id): source
        for user_id, app_id, source in db.execute(
            select(Conflict.user_id, Conflict.application_id, Conflict.source)
        )
    }
    cand = jurors["cand"].id
    assert rows == {
        (jurors["lumiere"].id, apps["org"].id): "organization",
        (jurors["campus"].id, apps["domain"].id): "email-domain",
        (cand, apps["own"].id): "applicant",
        # applying to a prize is a conflict with judging it: every application of the prize
        (cand, apps["org"].id): "applicant",
        (cand, apps["domain"].id): "applicant",
        (cand, apps["gmail"].id): "applicant",
        (cand, apps["plain"].id): "applicant",
    }
    assert "7 new conflicts of interest found." in html
    assert "same organization" in html and "same email domain" in html
    # a second run finds nothing new
    response = organizer_client.post(jury_url(rnd) + "/conflicts/detect", follow_redirects=True)
    assert "No new conflict of interest found." in response.get_data(as_text=True)
    # and assignment never uses a conflicted pair
    organizer_client.post(jury_url(rnd) + "/assign", data={})
    made = pairs(db, rnd)
    assert made and made.isdisjoint(rows)
    assert all(juror_id != cand for juror_id, _ in made)


def test_lifting_needs_a_reason_and_is_logged(organizer_client, db, detection_case, organizer):
    rnd, jurors, apps = detection_case
    jury_service.detect(db, rnd, actor=organizer)
    db.commit()
    conflict = db.scalars(select(Conflict).where(Conflict.user_id == jurors["lumiere"].id)).one()
    english(organizer_client)
    response = organizer_client.post(jury_url(rnd) + f"/conflicts/{conflict.id}/lift", data={"reason": "  "})
    assert response.status_code == 422
    assert "Write why this conflict does not apply: the reason is kept in the log." in response.get_data(
        as_text=True
    )
    db.expire_all()
    assert db.get(Conflict, conflict.id).lifted_at is None

    response = organizer_client.post(
        jury_url(rnd) + f"/conflicts/{conflict.id}/lift",
        data={"reason": "Left that group in 2019"},
        follow_redirects=True,
    )
    assert "Conflict lifted; the reason is kept in the log." in response.get_data(as_text=True)
    db.expire_all()
    lifted = db.get(Conflict, conflict.id)
    assert lifted.lift_reason == "Left that group in 2019"
    assert lifted.lifted_by_id == organizer.id
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "conflict.lifted")).one()
    assert event.reason == "Left that group in 2019"
    assert event.before["lifted_at"] is None and event.after["lift_reason"] == "Left that group in 2019"
    assert not rules.is_in_conflict(db, jurors["lumiere"].id, apps["org"].id)
    # detection does not raise a lifted conflict again
    assert jury_service.detect(db, rnd, actor=organizer) == []


def test_a_candidate_juror_conflict_cannot_be_lifted(db, detection_case, organizer):
    rnd, jurors, apps = detection_case
    jury_service.detect(db, rnd, actor=organizer)
    db.commit()
    conflict = db.scalars(
        select(Conflict).where(
            Conflict.user_id == jurors["cand"].id, Conflict.application_id == apps["plain"].id
        )
    ).one()
    with pytest.raises(JuryError):
        jury_service.lift_conflict(db, conflict, reason="why not", actor=organizer)
    # even without any stored row, applying to the prize blocks judging it
    db.rollback()
    db.execute(Conflict.__table__.delete())
    db.commit()
    assert rules.is_in_conflict(db, jurors["cand"].id, apps["plain"].id)


def test_manual_add_is_refused_on_a_conflict(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    juror = make.user(name="Nadia Noor", roles=["juror"])
    make.jury(rnd, juror)
    application = make.application(prize, ref="INN-010")
    make.conflict(juror, application, source="declared", reason="former employer")
    db.commit()
    english(organizer_client)
    response = organizer_client.post(
        jury_url(rnd) + f"/applications/{application.id}/jurors", data={"juror_id": juror.id}
    )
    assert response.status_code == 422
    assert "Nadia Noor has a conflict of interest with this application: the assignment is refused." in (
        response.get_data(as_text=True)
    )
    assert pairs(db, rnd) == set()


def test_manual_add_and_remove(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    juror = make.user(name="Omar Ouellet", roles=["juror"])
    make.jury(rnd, juror)
    application = make.application(prize, ref="INN-011")
    db.commit()
    response = organizer_client.post(
        jury_url(rnd) + f"/applications/{application.id}/jurors", data={"juror_id": juror.id}
    )
    assert response.status_code == 302
    card = db.scalars(select(Assignment)).one()
    assert (card.juror_id, card.application_id, card.status) == (juror.id, application.id, "assigned")
    response = organizer_client.post(jury_url(rnd) + f"/scorecards/{card.id}/remove", data={})
    assert response.status_code == 302
    assert pairs(db, rnd) == set()
    assert [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))] == [
        "scorecard.assigned",
        "scorecard.removed",
    ]


def test_removing_a_submitted_scorecard_needs_confirmation_and_is_audited(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    juror = make.user(name="Pia Paquette", roles=["juror"])
    make.jury(rnd, juror)
    application = make.application(prize, ref="INN-012")
    card = make.scorecard(rnd, juror, application, scores={"c1": 6, "c2": 9})
    db.commit()
    english(organizer_client)
    page = organizer_client.get(jury_url(rnd) + f"/scorecards/{card.id}/remove").get_data(as_text=True)
    assert "This scorecard holds scores (total 75.00 / 100)." in page
    response = organizer_client.post(jury_url(rnd) + f"/scorecards/{card.id}/remove", data={})
    assert response.status_code == 422
    assert "This scorecard holds scores: confirm to delete it." in response.get_data(as_text=True)
    assert pairs(db, rnd) == {(juror.id, application.id)}
    response = organizer_client.post(jury_url(rnd) + f"/scorecards/{card.id}/remove", data={"confirm": "y"})
    assert response.status_code == 302
    assert pairs(db, rnd) == set()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "scorecard.removed")).one()
    assert event.before["scores"] == {"c1": "6", "c2": "9"}
    assert event.before["status"] == "submitted"


def test_the_removal_question_reads_as_french_before_a_reference(organizer_client, make, db):
    """« Retirer Pia Paquette de INN-012 · … ? » lacked the elision; « de la candidature INN-012 » reads."""
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    juror = make.user(name="Pia Paquette", roles=["juror"])
    make.jury(rnd, juror)
    application = make.application(prize, ref="INN-012", title="Serre")
    card = make.scorecard(rnd, juror, application, status="assigned")
    db.commit()
    page = unescape(
        organizer_client.get(jury_url(rnd) + f"/scorecards/{card.id}/remove").get_data(as_text=True)
    )
    assert "Retirer Pia Paquette de la candidature INN-012 · Serre\u00a0?" in page


def test_members_load_and_progress(organizer_client, make, db, organizer):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=1)
    busy = make.user(
        name="Rita Roy", roles=["juror"], organization_name="Banque Nationale", reads_languages=["fr"]
    )
    newcomer = make.user(name="Sami Saad", roles=["juror"])
    make.user(name="Cora Candidate", roles=["candidate"])
    make.jury(rnd, busy)
    apps = [make.application(prize) for _ in range(3)]
    make.scorecard(rnd, busy, apps[0], scores={"c1": 5, "c2": 5})
    make.scorecard(rnd, busy, apps[1], status="draft", scores={"c1": 5})
    make.scorecard(rnd, busy, apps[2], status="abstained", abstain_reason="no time")
    db.commit()
    english(organizer_client)
    html = organizer_client.get(jury_url(rnd)).get_data(as_text=True)
    row = html.split(f'id="juror-{busy.id}"')[1].split("</tr>")[0]
    assert "Banque Nationale" in row and ">French<" in row  # the language's name, not its code
    assert "1 of 2 submitted" in row
    assert "1 abstention, 0 recusals" in row
    options = re.findall(r'<option value="(\d+)"', html.split('id="members"')[1].split("</form>")[1])
    assert options == [str(newcomer.id)]
    response = organizer_client.post(jury_url(rnd) + "/members", data={"user_id": newcomer.id})
    assert response.status_code == 302
    db.expire_all()
    assert {m.user_id for m in db.scalars(select(JuryMembership))} == {busy.id, newcomer.id}
    # a juror holding scores cannot be taken off the jury
    response = organizer_client.post(jury_url(rnd) + f"/members/{busy.id}/remove")
    assert response.status_code == 422
    assert "This juror has scored applications in this round" in response.get_data(as_text=True)


def test_members_counts_and_languages_read_as_french_words(organizer_client, make, db):
    """« 1 abstention, 0 récusation » (French plural rules), « Français, Anglais » rather than « fr, en »."""
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=1)
    juror = make.user(name="Rita Roy", roles=["juror"], reads_languages=["fr", "en"])
    make.jury(rnd, juror)
    make.scorecard(rnd, juror, make.application(prize), scores={"c1": 5, "c2": 5})
    make.scorecard(rnd, juror, make.application(prize), status="abstained", abstain_reason="pas le temps")
    db.commit()
    html = organizer_client.get(jury_url(rnd)).get_data(as_text=True)
    row = html.split(f'id="juror-{juror.id}"')[1].split("</tr>")[0]
    assert "<td>Français, Anglais</td>" in row
    assert "1 abstention, 0 récusation" in row


def test_the_loads_line_counts_with_plurals_and_says_when_nothing_is_assigned(organizer_client, make, db):
    """« de 0 à 0 candidatures par juré·e » read as nonsense before any assignment; « 1 candidatures »."""
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=1)
    juror = make.user(name="Rita Roy", roles=["juror"])
    make.jury(rnd, juror)
    application = make.application(prize)
    db.commit()
    html = organizer_client.get(jury_url(rnd)).get_data(as_text=True)
    assert '<p id="loads">Aucun·e juré·e n’a encore de candidature à évaluer.</p>' in html
    make.scorecard(rnd, juror, application, status="assigned")
    db.commit()
    html = organizer_client.get(jury_url(rnd)).get_data(as_text=True)
    assert '<p id="loads">Charges\u00a0: de 1 à 1 candidature par juré·e.</p>' in html


def test_the_jury_pages_breadcrumb_quotes_the_round_in_both_languages(organizer_client, make, db):
    """« Jury du tour « Présélection » » in French read "Jury of the round Preselection" in English."""
    prize = make.prize()
    rnd = make.round(prize, name={"fr": "Présélection", "en": "Preselection"})
    db.commit()
    french = organizer_client.get(jury_url(rnd)).get_data(as_text=True)
    assert "Jury du tour «\u00a0Présélection\u00a0»" in french
    english(organizer_client)
    assert "Jury of the round “Preselection”" in organizer_client.get(jury_url(rnd)).get_data(as_text=True)


def test_the_juror_to_add_reads_as_a_name_and_an_address_not_a_mail_header(organizer_client, make, db):
    """« Sami Saad (sami@…) » in the select, not the raw « Sami Saad <sami@…> » (screenshot defect 14)."""
    rnd = make.round(make.prize())
    make.user(name="Sami Saad", email="sami@jury.example", roles=["juror"])
    db.commit()
    html = unescape(organizer_client.get(jury_url(rnd)).get_data(as_text=True))
    assert ">Sami Saad (sami@jury.example)</option>" in html and "<sami@jury.example>" not in html


def test_the_jury_page_uses_a_fixed_number_of_queries(app, organizer_client, make, db, organizer):
    def count_queries(n_apps: int) -> int:
        prize = make.prize()
        rnd = make.round(prize, jurors_per_application=2)
        jurors = [make.user(roles=["juror"]) for _ in range(4)]
        make.jury(rnd, *jurors)
        for _ in range(n_apps):
            make.application(prize)
        db.commit()
        jury_service.auto_assign(db, rnd, actor=organizer)
        jury_service.detect(db, rnd, actor=organizer)
        db.commit()
        db.expunge_all()  # the request shares this session: start from an empty identity map
        statements = []

        def listener(*args):
            statements.append(args[2])

        engine = get_engine(app)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert organizer_client.get(jury_url(rnd)).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    make.user(roles=["juror"])  # someone to add, so that both pages list candidates
    assert count_queries(3) == count_queries(12)


def test_reminders_one_mail_per_juror_with_unfinished_work(organizer_client, make, db, smtp_server):
    prize = make.prize(name={"fr": "Prix de l'innovation", "en": "Innovation Award"})
    rnd = make.round(prize, jurors_per_application=2)
    lots = make.user(name="Léa Lots", email="lea@example.org", roles=["juror"], language="fr")
    done = make.user(name="Dan Done", email="dan@example.org", roles=["juror"], language="fr")
    english_juror = make.user(name="Ella English", email="ella@example.org", roles=["juror"], language="en")
    make.jury(rnd, lots, done, english_juror)
    apps = [make.application(prize, ref=f"INN-{i:03d}") for i in range(1, 5)]
    for application in apps[:3]:
        make.scorecard(rnd, lots, application, status="assigned")
    make.scorecard(rnd, lots, apps[3], status="draft", scores={"c1": 3})
    make.scorecard(rnd, done, apps[0], scores={"c1": 3, "c2": 4})
    make.scorecard(rnd, english_juror, apps[1], scores={"c1": 3, "c2": 4})
    make.scorecard(rnd, english_juror, apps[2], status="assigned")
    db.commit()
    english(organizer_client)
    response = organizer_client.post(jury_url(rnd) + "/reminders", follow_redirects=True)
    assert "Reminder sent to 2 jurors with unfinished work." in response.get_data(as_text=True)
    deliver_outbox(organizer_client.application)
    assert sorted(m["To"] for m in smtp_server.messages) == ["ella@example.org", "lea@example.org"]
    [french] = smtp_server.to("lea@example.org")
    languages = dict(db.execute(select(OutgoingMail.to_address, OutgoingMail.language)).all())
    assert languages == {"lea@example.org": "fr", "ella@example.org": "en"}
    body = smtp_server.body(french)
    assert body.count("INN-00") == 4
    [english_mail] = smtp_server.to("ella@example.org")
    english_body = smtp_server.body(english_mail)
    assert "Hello Ella English," in english_body
    assert "You have submitted 1 of your 2 scorecards (Innovation Award, Round 1)." in english_body
    assert english_mail["Subject"] == "Reminder: 1 application left to score (Innovation Award)"
    assert english_body.count("INN-00") == 1
    assert db.scalar(select(OutgoingMail.id).where(OutgoingMail.to_address == "dan@example.org")) is None
