"""Journeys in Chromium: switch language, log in as each role, on a desktop and a phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_switch_language_both_ways(page, live_server):
    page.goto(live_server.url + "/auth/login")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Se connecter"
    page.click("#switch-language")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Log in"
    assert page.url.endswith("/auth/login")
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("#switch-language")
    assert page.locator("html").get_attribute("lang") == "fr"


@pytest.mark.parametrize(
    ("role", "landing", "heading"),
    [
        ("organizer", "/organizer/", "Organiser"),
        ("juror", "/jury/", "Jury"),
        ("candidate", "/candidate/", "Mes candidatures"),
    ],
)
def test_log_in_as_each_role(page, live_server, live_make, live_db, role, landing, heading):
    user = live_make.user(email=f"{role}@example.org", roles=[role], name=f"Test {role}")
    live_db.commit()
    log_in(page, live_server.url, user.email, PASSWORD)
    assert page.url == live_server.url + landing
    assert heading in page.locator("h1").first.inner_text()
    page.click("#logout")
    assert page.locator("#login-link").is_visible()


def test_wrong_password_on_a_phone_keeps_the_email(phone_page, live_server, live_make, live_db):
    user = live_make.user(email="tel@example.org", roles=["juror"])
    live_db.commit()
    log_in(phone_page, live_server.url, user.email, "not-the-password")
    assert "Courriel ou mot de passe erroné." in phone_page.content()
    assert phone_page.input_value("input[name=email]") == "tel@example.org"
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
