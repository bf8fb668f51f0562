"""Browser tests: the app served on loopback, driven in Debian's Chromium through Playwright.

Run them with ``pytest tests/browser`` (they are skipped when Chromium is missing).
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import LiveServer

CHROMIUM = os.environ.get("JUDGING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def browser_app_config(app_config: dict) -> dict:
    """Browser tests run with CSRF on, as in production."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_app(browser_app_config: dict, database_url: str):
    from judging import create_app
    from judging.db import get_engine
    from tests.conftest import empty_database

    application = create_app(browser_app_config)
    yield application
    get_engine(application).dispose()
    empty_database(database_url)


@pytest.fixture
def live_server(live_app):
    server = LiveServer(live_app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_db(live_app):
    from judging.db import session

    with live_app.app_context():
        yield session
        session.rollback()


@pytest.fixture
def live_make(live_db):
    from tests.factories import Factory

    return Factory(live_db)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-CA", timezone_id="America/Montreal")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="fr-CA",
        timezone_id="America/Montreal",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("#login-submit")
    page.wait_for_load_state()
