"""Language switching, error pages, security headers, CSRF and the login rate limit."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD


def test_french_by_default_and_english_one_click_away(client):
    html = client.get("/").get_data(as_text=True)
    assert 'lang="fr"' in html and "Se connecter" in html
    response = client.post("/language", data={"language": "en", "next": "/auth/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="en"' in html and "Forgot your password?" in html
    # the choice sticks for the visit
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_language_switch_refuses_open_redirects(client):
    response = client.post("/language", data={"language": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_language_switch_updates_the_profile(client, candidate, db):
    from tests.conftest import login

    login(client, candidate)
    client.post("/language", data={"language": "en", "next": "/"})
    db.refresh(candidate)
    assert candidate.language == "en"


def test_translated_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)
    client.post("/language", data={"language": "en"})
    assert "Page not found" in client.get("/nowhere").get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)


def test_bootstrap_is_served_locally(client):
    html = client.get("/").get_data(as_text=True)
    assert "cdn" not in html.lower()
    assert client.get("/bootstrap/static/css/bootstrap.min.css").status_code == 200


def test_roles_are_enforced(client, juror):
    from tests.conftest import login

    assert client.get("/organizer/").status_code == 302  # anonymous: to the login page
    login(client, juror)
    assert client.get("/organizer/").status_code == 403
    assert "Accès refusé" in client.get("/organizer/people").get_data(as_text=True)
    assert client.get("/jury/").status_code == 200


@pytest.fixture
def csrf_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


class TestWithProductionProtections:
    @pytest.fixture
    def app_config(self, csrf_config):
        return csrf_config

    def test_missing_csrf_token_is_refused_with_a_message(self, client, candidate, db):
        response = client.post("/auth/login", data={"email": candidate.email, "password": PASSWORD})
        assert response.status_code == 400
        assert "Ce formulaire a expiré" in response.get_data(as_text=True)
        with client.session_transaction() as session:
            assert "_user_id" not in session


class TestRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}

    def test_login_is_rate_limited(self, client):
        for _ in range(3):
            assert (
                client.post("/auth/login", data={"email": "x@example.org", "password": "x"}).status_code
                == 200
            )
        response = client.post("/auth/login", data={"email": "x@example.org", "password": "x"})
        assert response.status_code == 429
        assert "Trop de tentatives" in response.get_data(as_text=True)


class TestBehindAProxy:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "PROXY_HOPS": 1, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2 per minute"}

    def test_limits_key_on_the_forwarded_client_address(self, client):
        def attempt(address):
            return client.post(
                "/auth/login",
                data={"email": "x@example.org", "password": "x"},
                headers={"X-Forwarded-For": address},
            ).status_code

        assert [attempt("203.0.113.7") for _ in range(3)] == [200, 200, 429]
        assert attempt("198.51.100.9") == 200  # another visitor behind the same proxy is not blocked
