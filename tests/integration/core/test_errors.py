"""Errors people can act on: a database that is away gives 503 (a French page, JSON for scripts), a
form sent after the session ended goes through the login page, a lost race gives 409, and JSON
callers get JSON from every error handler.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm.exc import StaleDataError

from judging import create_app
from tests.conftest import free_port, login

SESSION_EXPIRED = "Votre session a expiré et rien n’a été enregistré. Reconnectez-vous pour continuer."


@pytest.fixture
def away_app(app_config):
    """The app with its database on a PostgreSQL port where nothing listens (a database being restarted)."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/judging"
    application = create_app({**app_config, "DATABASE_URL": url})
    application.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: handlers answer
    return application


def logged_in_cookie(client) -> None:
    """A session that names a user: loading that user needs the database."""
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = "1:some-session-token"
        flask_session["_fresh"] = True


def test_a_page_while_the_database_is_away_is_a_french_503_with_retry_after(away_app):
    client = away_app.test_client()
    response = client.get("/")
    html = response.get_data(as_text=True)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert '<html lang="fr">' in html
    assert "Le service est momentanément indisponible, réessayez dans un instant." in html
    assert 'id="try-again"' in html


def test_a_logged_in_page_while_the_database_is_away_is_a_503_too(away_app):
    client = away_app.test_client()
    logged_in_cookie(client)
    response = client.get("/candidate/")
    assert response.status_code == 503
    assert "momentanément indisponible" in response.get_data(as_text=True)
    response = client.post("/candidate/applications/1/edit", data={"title": "x"})
    assert response.status_code == 503
    assert "n’a peut-être pas été enregistré" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["/candidate/applications/1/autosave", "/jury/rounds/1/applications/2/autosave"]
)
def test_autosave_while_the_database_is_away_answers_json_503(away_app, url):
    client = away_app.test_client()
    logged_in_cookie(client)
    response = client.post(url, data={"title": "x"})

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert response.is_json
    assert response.get_json() == {
        "ok": False,
        "error": "unavailable",
        "message": "Le service est momentanément indisponible, réessayez dans un instant.",
    }


def test_a_sqlite_file_that_cannot_be_opened_is_a_503(app_config, tmp_path):
    missing = tmp_path / "no-such-folder" / "judging.sqlite"
    application = create_app({**app_config, "DATABASE_URL": f"sqlite:///{missing}"})
    application.config["PROPAGATE_EXCEPTIONS"] = False
    response = application.test_client().get("/", headers={"Accept": "application/json"})
    assert response.status_code == 503 and response.get_json()["error"] == "unavailable"


# --- the session ended before the form was sent ---------------------------------------------------


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_save_draft_after_the_session_ended_goes_to_login_and_back_to_the_form(csrf_app, client):
    form_page = "/candidate/applications/7/edit"
    response = client.post(
        form_page,
        data={"title": "Serre", "action": "save"},
        headers={"Referer": f"http://localhost{form_page}"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/candidate/applications/7/edit"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert SESSION_EXPIRED in page


def test_a_form_posted_elsewhere_returns_to_the_page_it_was_on(csrf_app, client):
    response = client.post(
        "/organizer/outbox/3/retry", headers={"Referer": "http://localhost/organizer/outbox?x=1"}
    )
    assert response.headers["Location"] == "/auth/login?next=/organizer/outbox?x%3D1"
    # a Referer from another site is never followed
    response = client.post("/organizer/outbox/3/retry", headers={"Referer": "https://evil.example/organizer"})
    assert response.headers["Location"] == "/auth/login?next=/organizer/outbox/3/retry"


def test_a_script_whose_session_ended_gets_json_401_with_the_login_url(csrf_app, client):
    response = client.post("/organizer/outbox/3/cancel", headers={"Accept": "application/json"})
    assert response.status_code == 401
    body = response.get_json()
    assert body["ok"] is False and body["error"] == "login"
    assert body["login_url"].startswith("/auth/login?next=")
    assert (
        body["message"]
        == "Votre session a expiré et rien n’a été enregistré. Reconnectez-vous pour continuer."
    )


def test_the_jury_autosave_of_a_logged_out_juror_is_json_401_not_a_redirect(app, client):
    response = client.post("/jury/rounds/1/applications/2/autosave", data={"score-c1": "3"})
    assert response.status_code == 401
    # back to the scoring page, whose autosave URL this is
    assert response.get_json()["login_url"] == "/auth/login?next=/jury/rounds/1/applications/2"


def test_a_logged_out_visitor_of_a_page_still_goes_to_login(app, client):
    response = client.get("/organizer/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Veuillez vous connecter pour voir cette page." in page


def test_a_logged_in_person_with_a_stale_form_token_still_gets_the_form_expired_page(
    csrf_app, client, organizer
):
    login(client, organizer)
    response = client.post("/organizer/outbox/3/cancel")
    assert response.status_code == 400
    assert "Formulaire expiré" in response.get_data(as_text=True)
    response = client.post("/organizer/outbox/3/cancel", headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == "csrf"


# --- JSON from every handler; the 409 safety net ---------------------------------------------------


def test_json_callers_get_json_errors(app, client, juror):
    assert client.get("/no-such-page", headers={"Accept": "application/json"}).get_json() == {
        "ok": False,
        "error": "not-found",
        "message": "Page introuvable",
    }
    login(client, juror)
    response = client.get("/organizer/", headers={"Accept": "application/json"})
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    # a browser still gets the page
    html = client.get("/no-such-page").get_data(as_text=True)
    assert response.status_code == 403 and "<h1>Page introuvable</h1>" in html


def test_a_stale_save_that_escapes_a_route_is_a_409_page_and_json(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/test-stale")
    def _stale():
        raise StaleDataError(
            "UPDATE statement on table 'prizes' expected to update 1 row(s); 0 were matched."
        )

    response = client.get("/test-stale")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "<h1>Modifié entre-temps</h1>" in html
    assert "rien n’a été enregistré" in html
    assert "prizes" not in html  # the SQL message stays in the log
    response = client.get("/test-stale", headers={"Accept": "application/json"})
    assert response.status_code == 409 and response.get_json()["error"] == "stale"


def test_every_error_answers_json_to_json_callers(app, client):
    app.config.update(PROPAGATE_EXCEPTIONS=False, MAX_CONTENT_LENGTH=100)

    @app.get("/test-crash")
    def _crash():
        raise RuntimeError("a bug, with secret details")

    json = {"Accept": "application/json"}
    answers = {
        405: client.get("/organizer/outbox/1/retry", headers=json),
        413: client.post("/auth/login", data={"email": "x" * 500}, headers=json),
        500: client.get("/test-crash", headers=json),
    }
    assert {code: (r.status_code, r.get_json()["error"]) for code, r in answers.items()} == {
        405: (405, "method-not-allowed"),
        413: (413, "too-large"),
        500: (500, "server-error"),
    }
    assert "secret details" not in answers[500].get_data(as_text=True)
    assert answers[500].get_json()["message"] == "Une erreur est survenue"
