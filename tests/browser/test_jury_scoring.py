"""A juror's journey on a phone (375 px, CSRF on): accept the invitation, choose a password, score
two applications (live total, autosave, submit, next), and see the progress move to 2."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from judging.core.models import utcnow
from judging.jury.models import Assignment, CriterionScore

pytestmark = pytest.mark.browser


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def progress(page, round_id: int) -> tuple[str, str]:
    bar = page.locator(f"#progress-{round_id} progress")
    return bar.get_attribute("value"), bar.get_attribute("max")


def test_accept_invitation_and_score_two_applications_on_a_phone(
    phone_page, live_server, live_app, live_make, live_db
):
    from judging.accounts import operations as accounts

    organizer = live_make.user(email="orga@example.org", roles=["organizer"])
    prize = live_make.prize(name={"fr": "Prix de l'innovation", "en": "Innovation Award"})
    rnd = live_make.round(prize, jurors_per_application=1, judging_closes_at=utcnow() + timedelta(days=7))
    apps = [live_make.application(prize, ref=f"INN-00{i}", title=f"Projet {i}") for i in (1, 2)]
    with live_app.test_request_context():
        juror = accounts.invite(
            live_db,
            inviter=organizer,
            email="nouveau@example.org",
            name="Noé Nouveau",
            roles=["juror"],
            language="fr",
        )
        live_make.jury(rnd, juror)
        for application in apps:
            live_make.scorecard(rnd, juror, application, status="assigned")
        live_db.commit()
        token = accounts.make_token(juror, "invite")

    page = phone_page
    page.goto(f"{live_server.url}/auth/accept/{token}")
    page.fill("input[name=password]", "Jury-Montreal-2026")
    page.fill("input[name=confirm]", "Jury-Montreal-2026")
    page.click("#password-submit")
    page.wait_for_url(f"{live_server.url}/jury/")
    assert progress(page, rnd.id) == ("0", "2")
    assert fits(page)

    page.click(f"#next-{rnd.id}")
    page.wait_for_url(re.compile(r"/jury/rounds/\d+/applications/\d+$"))
    page.wait_for_load_state("load")
    first_url = page.url
    assert fits(page)
    page.fill("#score-c1", "7")
    # the total follows what is typed, with the server's formula and French decimals
    expect(page.locator("#total")).to_have_text("70,00")
    page.fill("#score-c2", "8")
    expect(page.locator("#total")).to_have_text("75,00")
    # autosave keeps the draft (fetch with the CSRF token)
    expect(page.locator("#autosave-status")).to_have_text("Enregistré")
    live_db.expire_all()
    draft = live_db.scalars(
        select(Assignment).where(Assignment.juror_id == juror.id, Assignment.status == "draft")
    ).one()
    first_application = draft.application_id
    with page.expect_navigation():
        page.click("#submit-scorecard")
    assert page.url == first_url
    page.click("#next-application")
    page.wait_for_url(lambda url: url != first_url)
    page.wait_for_load_state("load")
    page.fill("#score-c1", "4,5")
    page.fill("#score-c2", "10")
    expect(page.locator("#total")).to_have_text("72,50")
    with page.expect_navigation():
        page.click("#submit-scorecard")
    assert fits(page)

    page.goto(f"{live_server.url}/jury/")
    assert progress(page, rnd.id) == ("2", "2")
    live_db.expire_all()
    cards = live_db.scalars(select(Assignment).where(Assignment.juror_id == juror.id)).all()
    assert {card.status for card in cards} == {"submitted"}
    values = {
        (card.application_id, value)
        for card in cards
        for value in live_db.scalars(
            select(CriterionScore.value).where(CriterionScore.assignment_id == card.id)
        )
    }
    second_application = next(
        card.application_id for card in cards if card.application_id != first_application
    )
    assert values == {
        (first_application, Decimal("7")),
        (first_application, Decimal("8")),
        (second_application, Decimal("4.5")),
        (second_application, Decimal("10")),
    }
