"""Leak tests with two candidates: B cannot read, edit, submit, withdraw, download or list anything of A's.

A's data carries distinctive text; none of B's responses may contain it, and A's rows stay unchanged.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from judging.applications.models import Application
from judging.core.audit_event import AuditEvent
from tests.conftest import login
from tests.scenarios import PDF, contest, form_for, post_form, start

SECRET_TITLE = "Zéphyr-Quasar-9431"
SECRET_ORG = "Organisation-Hélium-5522"
SECRET_ANSWER = "réponse-confidentielle-7781"


@pytest.fixture
def two(client, make, db):
    """A (with a submitted application and a draft, each with a file) and B, logged in as B."""
    c = contest(make, db)
    second = make.prize(c.edition, code="jeunesse")
    db.commit()
    a = make.user(email="a@example.org", name="Annie A", language="en")
    b = make.user(email="b@example.org", name="Bruno B", language="en")
    db.commit()
    login(client, a)
    submitted = start(client, c)
    data = form_for(c, title=SECRET_TITLE, org_name=SECRET_ORG, **{f"q_{c.pitch.id}": SECRET_ANSWER})
    assert post_form(client, submitted, data).status_code == 302
    response = client.post(f"/candidate/prizes/{second.id}/apply")
    draft = db.get(Application, int(response.headers["Location"].split("/")[-2]))
    db.commit()
    client.post("/auth/logout")
    login(client, b)
    db.expire_all()
    return {
        "contest": c,
        "a": a,
        "b": b,
        "submitted": submitted,
        "draft": draft,
        "file_id": submitted.attachments[0].id,
        "state": state_of(db),
    }


def state_of(db) -> list[tuple]:
    db.expire_all()
    return [
        (x.id, x.status, x.title, x.version, x.receipt_number, x.org_name)
        for x in db.scalars(select(Application).order_by(Application.id))
    ]


def assert_nothing_of_a(response) -> None:
    body = response.get_data(as_text=True) if response.mimetype != "application/zip" else ""
    for secret in (SECRET_TITLE, SECRET_ORG, SECRET_ANSWER, "a@example.org", "Annie A"):
        assert secret not in body, secret


def test_b_cannot_read_edit_submit_withdraw_download_or_list_a(client, db, two):
    c, submitted, draft = two["contest"], two["submitted"], two["draft"]
    requests = [
        ("get", f"/candidate/applications/{submitted.id}", {}),
        ("get", f"/candidate/applications/{draft.id}", {}),
        ("get", f"/candidate/applications/{submitted.id}/edit", {}),
        ("get", f"/candidate/applications/{draft.id}/edit", {}),
        ("get", f"/candidate/applications/{submitted.id}/receipt.pdf", {}),
        ("get", f"/candidate/applications/{submitted.id}/withdraw", {}),
        ("post", f"/candidate/applications/{submitted.id}/withdraw", {"data": {"confirm": "y"}}),
        ("post", f"/candidate/applications/{draft.id}/delete", {}),
        ("get", f"/candidate/files/{two['file_id']}", {}),
    ]
    for method, url, kwargs in requests:
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code == 404, (method, url, response.status_code)
        assert_nothing_of_a(response)
    for application in (submitted, draft):
        for action in ("save", "submit"):
            data = form_for(c, title="Pris par B", action=action)
            response = post_form(client, application, data)
            assert response.status_code == 404
            assert_nothing_of_a(response)
        response = client.post(f"/candidate/applications/{application.id}/autosave", data={"title": "B"})
        assert response.status_code == 404
        assert response.get_json()["error"] == "not-found"
        assert_nothing_of_a(response)
    assert state_of(db) == two["state"]
    assert db.scalars(select(AuditEvent).where(AuditEvent.actor_id == two["b"].id)).all() == []


def test_b_lists_nothing_of_a(client, db, two):
    for url in ("/candidate/", "/candidate/prizes", "/candidate/my-data", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_nothing_of_a(response)
        assert "See my application" not in response.get_data(as_text=True)
    response = client.post("/candidate/my-data/export")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == ["my-data.json"]
    document = json.loads(archive.read("my-data.json"))
    assert document["applications"] == []
    assert document["account"]["email"] == "b@example.org"
    assert SECRET_TITLE not in archive.read("my-data.json").decode()


def test_b_applying_to_the_same_prize_gets_a_separate_application(client, db, two):
    c = two["contest"]
    response = client.post(f"/candidate/prizes/{c.prize.id}/apply")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert_nothing_of_a(page)
    mine = db.scalars(select(Application).where(Application.applicant_id == two["b"].id)).one()
    assert mine.id not in (two["submitted"].id, two["draft"].id)
    assert mine.title == "" and mine.org_name is None
    # B's file id guesses still fail after B uploads a file of their own.
    data = form_for(c, action="save", **{f"q_{c.deck.id}": (io.BytesIO(PDF), "b.pdf")})
    post_form(client, mine, data)
    assert client.get(f"/candidate/files/{two['file_id']}").status_code == 404


def test_other_roles_and_visitors_do_not_get_candidate_pages(client, make, db, two):
    client.post("/auth/logout")
    for url in ("/candidate/", f"/candidate/applications/{two['submitted'].id}", "/candidate/my-data"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    response = client.post(f"/candidate/applications/{two['draft'].id}/autosave", data={"title": "x"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "login"
    assert client.get("/candidate/prizes").status_code == 200  # public
    juror = make.user(email="jj@example.org", roles=["juror"])
    db.commit()
    login(client, juror)
    assert client.get("/candidate/").status_code == 403
    assert client.get(f"/candidate/applications/{two['submitted'].id}").status_code == 403
    assert state_of(db) == two["state"]
