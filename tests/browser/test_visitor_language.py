"""Chromium's own Accept-Language decides a first visit's language (issue 15, item 8)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "language", "login_title"), [("en-US", "en", "Log in"), ("fr-CA", "fr", "Se connecter")]
)
def test_a_first_visit_speaks_the_browser_s_language(browser, live_server, locale, language, login_title):
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/auth/login")
        assert page.locator("html").get_attribute("lang") == language
        assert login_title in page.locator("h1").inner_text()
    finally:
        context.close()
