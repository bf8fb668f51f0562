"""The open prizes without login, in both languages; the autosave endpoint's answers; CSP-friendly pages."""

from __future__ import annotations

import re
from datetime import timedelta

from judging.core.models import utcnow
from tests.conftest import login
from tests.scenarios import (
    contest,
    form_for,
    post_form,
    start,
    text_of,
)


def test_open_prizes_without_login_in_french_then_english(client, make, db):
    c = contest(make, db)
    html = text_of(client.get("/candidate/prizes"))
    assert 'lang="fr"' in html
    assert "Prix de l&#39;innovation" in html
    assert "Pour les projets qui changent la ville." in html
    assert "Organisations du Québec et d&#39;ailleurs." in html
    assert f'href="/candidate/prizes/{c.prize.id}/apply"' in html
    client.post("/language", data={"language": "en", "next": "/candidate/prizes"})
    html = text_of(client.get("/candidate/prizes"))
    assert "Innovation Award" in html and "For projects that change the city." in html
    assert "Organizations from Québec and abroad." in html
    # Applying needs an account: the login page, then back.
    response = client.get(f"/candidate/prizes/{c.prize.id}/apply")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/auth/login?next=%2Fcandidate%2Fprizes%2F{c.prize.id}%2Fapply"
    )


def test_pages_have_no_inline_script_or_style(alice_client, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    post_form(alice_client, application, form_for(c, action="save"))
    for url in (
        "/candidate/prizes",
        "/candidate/",
        f"/candidate/applications/{application.id}/edit",
        f"/candidate/applications/{application.id}",
        "/candidate/my-data",
        f"/candidate/prizes/{c.prize.id}/apply",
    ):
        html = text_of(alice_client.get(url))
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], url
        assert " style=" not in html and "<style" not in html, url
        assert " on" + "click=" not in html, url


def test_autosave_answers_json(alice_client, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    url = f"/candidate/applications/{application.id}/autosave"
    seen = application.version
    data = {"title": "Premier jet", "version": str(seen), f"q_{c.pitch.id}": "Deux mots"}
    response = alice_client.post(url, data=data)
    body = response.get_json()
    assert response.status_code == 200 and body["ok"] is True
    assert body["version"] == seen + 1
    assert body["message"].startswith("Saved at ")
    db.expire_all()
    assert application.title == "Premier jet"
    assert {a.value for a in application.answers} == {"Deux mots"}

    # A page loaded before that save (another window) is told, not silently overwritten.
    response = alice_client.post(url, data={**data, "title": "Vieille fenêtre"})
    assert response.status_code == 409 and response.get_json()["error"] == "stale"
    db.expire_all()
    assert application.title == "Premier jet"

    response = alice_client.post(url, data={"title": "x" * 301, "version": str(application.version)})
    assert response.status_code == 422
    assert response.get_json()["errors"]["title"] == ["Field cannot be longer than 300 characters."]


def test_autosave_when_the_session_has_expired_says_so_in_json(client, alice, make, db):
    c = contest(make, db)
    login(client, alice)
    application = start(client, c)
    client.post("/auth/logout")
    client.post("/language", data={"language": "en"})
    response = client.post(f"/candidate/applications/{application.id}/autosave", data={"title": "Perdu ?"})
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"] == "login"
    assert body["login_url"] == f"/auth/login?next=/candidate/applications/{application.id}/edit"
    assert "kept on this device" in body["message"]
    db.expire_all()
    assert application.title == ""


def test_autosave_checks_the_csrf_token_when_csrf_is_on(app, alice_client, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = alice_client.post(
            f"/candidate/applications/{application.id}/autosave", data={"title": "x"}
        )
        assert response.status_code == 400 and response.get_json()["error"] == "csrf"
        page = text_of(alice_client.get(f"/candidate/applications/{application.id}/edit"))
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = alice_client.post(
            f"/candidate/applications/{application.id}/autosave",
            data={"title": "Avec jeton", "version": str(application.version)},
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 200, response.get_json()
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.expire_all()
    assert application.title == "Avec jeton"


def test_autosave_of_a_submitted_application_is_refused(alice_client, make, db):
    c = contest(make, db)
    application = start(alice_client, c)
    post_form(alice_client, application, form_for(c))
    response = alice_client.post(
        f"/candidate/applications/{application.id}/autosave",
        data={"title": "Changement", "version": str(application.version)},
    )
    assert response.status_code == 409 and response.get_json()["error"] == "submitted"
    db.expire_all()
    assert application.title == "Serre urbaine connectée"


def test_after_the_call_the_prizes_page_is_no_longer_titled_open_prizes(client, make, db):
    """« Prix ouverts » above « L’appel de candidatures est fermé. » contradicted itself."""
    c = contest(make, db)
    assert "<h1>Prix ouverts" in text_of(client.get("/candidate/prizes"))
    c.prize.edition.applications_close = utcnow() - timedelta(days=1)
    db.commit()
    html = text_of(client.get("/candidate/prizes"))
    assert "<h1>Les prix ·" in html and "Prix ouverts" not in html
    assert "L’appel de candidatures est fermé." in html


def test_the_candidates_dashboard_does_not_call_closed_prizes_open(client, make, db):
    """« Voir les prix ouverts » on « Mes candidatures » once the call had closed."""
    c = contest(make, db)
    candidate = make.user()
    c.prize.edition.applications_close = utcnow() - timedelta(days=1)
    db.commit()
    login(client, candidate)
    html = text_of(client.get("/candidate/"))
    assert 'id="open-prizes">Voir les prix</a>' in html and "prix ouverts" not in html
