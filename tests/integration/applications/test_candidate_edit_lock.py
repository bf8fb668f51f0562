"""What the jury judged stays (issue 11, item 9).

Once judging of the application's prize has opened, the candidate can no longer change or resubmit
the submitted application, even before the deadline (an extension keeps it open here, so that the
deadline is not what refuses): the edit page and its POST say why, the database keeps the judged
text. Withdrawing stays possible while judging runs (the application then leaves the jury); once the
application was judged (judging closed, a decision, the announcement) neither "Change my
application" nor "Withdraw" is offered or accepted. The organizers' reopening, logged, is the way back.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from judging.applications.models import Application
from judging.core.audit_event import AuditEvent
from judging.core.models import utcnow
from judging.results.models import Decision
from tests.conftest import login
from tests.scenarios import contest, form_for, post_form, start

LOCKED_EN = "The jury is already judging your application: to change it, write to the organizing team."
LOCKED_FR = "Le jury évalue déjà votre candidature\u00a0; pour la modifier, écrivez à l’équipe organisatrice."
JUDGED_TITLE = "Serre urbaine connectée"
JUDGED_EN = "The jury has judged your application: to withdraw it, write to the organizing team."


@pytest.fixture
def judged(client, make, db):
    """A submitted application (title :data:`JUDGED_TITLE`), its deadline extended 30 days ahead."""
    c = contest(make, db)
    owner = make.user(email="lea@serre.example", name="Léa Tremblay", language="en")
    db.commit()
    login(client, owner)
    application = start(client, c)
    assert post_form(client, application, form_for(c)).status_code == 302
    db.expire_all()
    application = db.get(Application, application.id)
    assert (application.status, application.title) == ("submitted", JUDGED_TITLE)
    application.deadline_extended_to = utcnow() + timedelta(days=30)
    db.commit()
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"
    return {"contest": c, "owner": owner, "application": application}


def page_of(client, application) -> str:
    return client.get(f"/candidate/applications/{application.id}").get_data(as_text=True)


def edit_link(application) -> str:
    return f'href="/candidate/applications/{application.id}/edit"'


def withdraw_link(application) -> str:
    return f'href="/candidate/applications/{application.id}/withdraw"'


def test_once_judging_opened_the_candidate_can_no_longer_change_the_application(client, make, db, judged):
    c, application = judged["contest"], judged["application"]
    rnd = make.round(c.prize, phase="screening")
    db.commit()
    # Before judging: the extension lets the candidate change it (so the refusal below is the lock's).
    assert client.get(f"/candidate/applications/{application.id}/edit").status_code == 200
    assert edit_link(application) in page_of(client, application)

    rnd.phase = "judging"
    db.commit()
    response = client.get(f"/candidate/applications/{application.id}/edit", follow_redirects=True)
    assert LOCKED_EN in response.get_data(as_text=True)
    assert response.request.path == f"/candidate/applications/{application.id}"

    edited = form_for(c, title="Serre urbaine modifiée après coup")
    response = post_form(client, application, edited)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert LOCKED_EN in html
    assert 'value="Serre urbaine modifiée après coup"' in html  # what was typed is kept on the page
    db.expire_all()
    stored = db.get(Application, application.id)
    assert stored.title == JUDGED_TITLE
    assert stored.status == "submitted"
    assert db.query(AuditEvent).filter_by(action="application.resubmitted").count() == 0

    page = page_of(client, application)
    assert edit_link(application) not in page
    assert LOCKED_EN in page
    assert withdraw_link(application) in page  # withdrawing stays possible while judging runs

    with client.session_transaction() as flask_session:
        flask_session["lang"] = "fr"
    assert LOCKED_FR in page_of(client, application)
    assert "Modifier ma candidature" not in page_of(client, application)


def test_a_withdrawal_during_judging_takes_the_application_away_from_the_jury(
    client, make, db, judged, juror
):
    c, application = judged["contest"], judged["application"]
    rnd = make.round(c.prize, phase="judging", judging_closes_at=utcnow() + timedelta(days=3))
    make.jury(rnd, juror)
    make.scorecard(rnd, juror, application, status="assigned")
    db.commit()
    response = client.post(
        f"/candidate/applications/{application.id}/withdraw",
        data={"reason": "Nous fusionnons", "confirm": "y"},
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Application, application.id).status == "withdrawn"
    login(client, juror)
    assert JUDGED_TITLE not in client.get("/jury/").get_data(as_text=True)
    assert client.get(f"/jury/rounds/{rnd.id}/applications/{application.id}").status_code == 404


@pytest.mark.parametrize("phase", ["deliberation", "announced"])
def test_a_judged_or_not_selected_application_offers_neither_change_nor_withdrawal(
    client, make, db, judged, phase
):
    c, application = judged["contest"], judged["application"]
    rnd = make.round(c.prize, phase=phase)
    if phase == "announced":
        db.add(
            Decision(
                prize_id=c.prize.id, round_id=rnd.id, application_id=application.id, outcome="not-selected"
            )
        )
    db.commit()
    page = page_of(client, application)
    assert edit_link(application) not in page
    assert withdraw_link(application) not in page
    if phase == "announced":
        assert "Your project was not selected this time." in page

    withdraw = {"reason": "Nous fusionnons", "confirm": "y"}
    response = client.post(
        f"/candidate/applications/{application.id}/withdraw", data=withdraw, follow_redirects=True
    )
    assert JUDGED_EN in response.get_data(as_text=True)
    assert post_form(client, application, form_for(c, title="Autre titre")).status_code == 409
    db.expire_all()
    stored = db.get(Application, application.id)
    assert (stored.status, stored.title) == ("submitted", JUDGED_TITLE)


def test_the_organizers_reopening_lets_the_candidate_change_it_again(client, make, db, judged, organizer):
    c, application = judged["contest"], judged["application"]
    make.round(c.prize, phase="judging")
    db.commit()
    assert post_form(client, application, form_for(c, title="Trop tôt")).status_code == 409
    login(client, organizer)
    reopen = f"/organizer/editions/{application.edition_id}/applications/{application.id}/reopen"
    assert client.post(reopen, data={"reason": "Votre budget manque : ajoutez-le."}).status_code == 302
    assert db.query(AuditEvent).filter_by(action="application.reopened").count() == 1
    login(client, judged["owner"])
    assert edit_link(application) in page_of(client, application)
    response = post_form(client, application, form_for(c, title="Serre urbaine avec budget"))
    assert response.status_code == 302
    db.expire_all()
    stored = db.get(Application, application.id)
    assert (stored.status, stored.title) == ("submitted", "Serre urbaine avec budget")
