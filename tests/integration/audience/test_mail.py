"""The codes and personal links leave through the outbox, in the person's language, to a real SMTP server."""

from __future__ import annotations

import io
import re

import pytest

from tests.conftest import deliver_outbox, login


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def test_a_code_is_mailed_after_the_request_in_the_page_language(client, db, evening, smtp_server):
    client.post("/language", data={"language": "en", "next": "/"})
    assert client.post("/audience/mtl-2026/code", data={"email": "ben@example.org"}).status_code == 302
    assert smtp_server.messages == []  # nothing leaves inside the request
    deliver_outbox(client.application)
    [message] = smtp_server.to("ben@example.org")
    code = re.search(r"^\s{4}([0-9]{6})\s*$", smtp_server.body(message), re.M).group(1)
    assert message["Subject"] == f"Your code to vote: {code} – MTL Tech Awards"
    assert "It works once, for 10 minutes." in smtp_server.body(message)
    assert client.post("/audience/mtl-2026/verify", data={"code": code}).status_code == 302


def test_attendees_get_their_personal_link_once_in_their_language(
    client, db, evening, organizer, smtp_server
):
    login(client, organizer)
    url = f"/organizer/editions/{evening.edition.id}/audience"
    data = {"attendees": (io.BytesIO(b"Ana Roy,ana@example.org,fr\nBen Li,ben@example.org,en\n"), "a.csv")}
    client.post(url + "/attendees", data=data, content_type="multipart/form-data")
    client.post(url + "/links")
    client.post(url + "/links")  # a second press sends nothing more
    deliver_outbox(client.application)
    [french] = smtp_server.to("ana@example.org")
    [english] = smtp_server.to("ben@example.org")
    assert french["Subject"] == "Votre lien personnel pour voter pour le prix du public – MTL Tech Awards"
    assert smtp_server.body(french).startswith("Bonjour Ana Roy,")
    assert english["Subject"] == "Your personal link to vote for the audience award – MTL Tech Awards"
    links = re.findall(r"(http://localhost/audience/mtl-2026/l/\S+)", smtp_server.body(english))
    assert len(links) == 1
