"""Every mail leaves as text and HTML: the same words, the HTML in its edition's brand (docs/mail.md).

Real SMTP (aiosmtpd): each received message is parsed with ``email`` and read part by part.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib

import pytest
from sqlalchemy import select

from judging.mail import templates as mail_templates
from judging.mail.models import OutgoingMail
from judging.mail.outbox import html_paragraphs
from tests.conftest import deliver_outbox, login

PUBLIC_URL = "https://prix.example.org/"
BRAND_PRIMARY = "#6b1d4f"
BRAND_ACCENT = "#1d5b3a"
HOSTILE_EDITION = "<script>alert('édition')</script> & Cie"
HOSTILE_NAME = 'Tom & Jerry <b>Inc</b> https://x.example/"onmouseover="alert(1)'


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x6b\x1d\x4f"))
        + chunk(b"IEND", b"")
    )


SVG_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
)


def logo_fields(data: bytes, content_type: str) -> dict:
    return {
        "brand_logo": data,
        "brand_logo_type": content_type,
        "brand_logo_sha256": hashlib.sha256(data).hexdigest(),
    }


@pytest.fixture
def app_config(mail_app_config):
    return {**mail_app_config, "PUBLIC_URL": PUBLIC_URL, "TRUSTED_HOSTS": None}


def parts(message) -> tuple:
    """(text, html, inline images) of a received mail (line ends as stored), checking its shape on the way."""
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_payload()
    assert text.get_content_type() == "text/plain"
    if html.get_content_type() == "multipart/related":
        html, *images = html.get_payload()
    else:
        images = []
    assert html.get_content_type() == "text/html"
    return text.get_content().replace("\r\n", "\n"), html.get_content(), images


def withdraw(
    client, make, db, *, edition_fields: dict, name: str = "Camille Candidate", language: str = "fr"
):
    """A candidate withdraws a submitted application, asked with a foreign Host; the mail is sent."""
    edition = make.edition(**edition_fields)
    applicant = make.user(email="cand@example.org", name=name, language=language)
    application = make.application(make.prize(edition), applicant=applicant)
    db.commit()
    login(client, applicant)
    with client.session_transaction(base_url="http://evil.example") as flask_session:  # the same visit there
        flask_session["_user_id"], flask_session["_fresh"] = applicant.get_id(), True
    response = client.post(
        f"/candidate/applications/{application.id}/withdraw",
        data={"reason": "Projet abandonné", "confirm": "y"},
        base_url="http://evil.example",
    )
    assert response.status_code == 302
    row = db.scalar(select(OutgoingMail).where(OutgoingMail.template == "application_withdrawn"))
    return edition, row


@pytest.mark.parametrize(
    ("language", "expected_name"), [("fr", "Prix de Montréal 2026"), ("en", "Montréal Awards 2026")]
)
def test_a_mail_leaves_as_its_text_and_an_html_version_in_its_editions_brand(
    app, client, make, db, smtp_server, language, expected_name
):
    edition, row = withdraw(
        client,
        make,
        db,
        language=language,
        edition_fields={
            "name": {"fr": "Prix de Montréal 2026", "en": "Montréal Awards 2026"},
            "brand_primary": BRAND_PRIMARY,
            "brand_accent": BRAND_ACCENT,
            **logo_fields(png_bytes(), "image/png"),
        },
    )
    assert row.edition_id == edition.id
    deliver_outbox(app)
    [message] = smtp_server.to("cand@example.org")
    text, html, [logo] = parts(message)

    assert text == row.body_text  # the text part is the stored text, unchanged
    assert message["Content-Language"] == language
    assert f'<html lang="{language}">' in html
    assert f"background-color:{BRAND_PRIMARY}" in html and f"solid {BRAND_ACCENT}" in html
    assert f">{expected_name}</h1>" in html
    # the logo: an inline PNG whose Content-ID the HTML references
    assert logo.get_content_type() == "image/png" and logo.get_content_disposition() == "inline"
    assert logo.get_content() == png_bytes()
    assert f'src="cid:{logo["Content-ID"].strip("<>")}"' in html
    # every paragraph of the text is in the HTML; its links come from the public URL, not the request's Host
    assert html.count("<p ") == len([p for p in row.body_text.split("\n\n") if p.strip()])
    assert f'<a href="{PUBLIC_URL}candidate/" style="color:{BRAND_PRIMARY};' in html
    assert (
        f'<a href="{PUBLIC_URL}" style="color:#4a5466;text-decoration:underline;">prix.example.org</a>'
        in html
    )
    assert "evil" not in html and "evil" not in text
    assert "Projet " in html  # the application's title, from the text


def test_hostile_names_come_out_as_text(app, client, make, db, smtp_server):
    _edition, row = withdraw(
        client,
        make,
        db,
        name=HOSTILE_NAME,
        edition_fields={
            "name": {"fr": HOSTILE_EDITION, "en": HOSTILE_EDITION},
            "brand_primary": BRAND_PRIMARY,
            "brand_accent": "red;}a{",  # not a colour the form accepts (7 characters: the column's size)
        },
    )
    assert HOSTILE_NAME in row.body_text
    deliver_outbox(app)
    [message] = smtp_server.to("cand@example.org")
    text, html, _images = parts(message)

    assert HOSTILE_NAME in text
    assert "<script>" not in html and "<b>" not in html and 'onmouseover="' not in html
    assert "&lt;script&gt;alert(&#39;édition&#39;)&lt;/script&gt; &amp; Cie</h1>" in html
    assert "red;}a{" not in html and "solid #b0122f" in html  # a colour not #rrggbb never reaches the CSS
    assert "Tom &amp; Jerry &lt;b&gt;Inc&lt;/b&gt;" in html
    # the address in the name is a link that ends where the quote begins, the quote stays text
    assert '<a href="https://x.example/" style=' in html
    assert "&#34;onmouseover=&#34;alert(1)" in html


@pytest.mark.parametrize(
    "edition_fields",
    [
        {},
        {"brand_primary": BRAND_PRIMARY, **logo_fields(SVG_LOGO, "image/svg+xml")},
        {"brand_primary": BRAND_PRIMARY, **logo_fields(png_bytes() + b"\0" * 110_000, "image/png")},
    ],
    ids=["no brand", "an SVG logo", "a PNG logo over 100 KB"],
)
def test_an_edition_without_brand_or_a_logo_mail_cannot_carry_shows_its_name_and_no_image(
    app, client, make, db, smtp_server, edition_fields
):
    withdraw(
        client, make, db, edition_fields={"name": {"fr": "Édition sans logo", "en": "x"}, **edition_fields}
    )
    deliver_outbox(app)
    [message] = smtp_server.to("cand@example.org")
    _text, html, images = parts(message)

    assert images == [] and "<img" not in html and "cid:" not in html
    assert ">Édition sans logo</h1>" in html
    primary = edition_fields.get("brand_primary", "#0a4aa6")  # the platform's colours without a brand
    assert f"background-color:{primary};color:#ffffff" in html
    assert "solid #b0122f" in html


def test_a_mail_about_no_edition_has_the_platforms_look(app, client, make, db, smtp_server):
    make.user(email="c@example.org", language="en")
    db.commit()
    assert (
        client.post(
            "/auth/reset",
            data={"email": "c@example.org"},
            headers={"Host": "evil.example", "Accept-Language": "en"},
        ).status_code
        == 200
    )
    row = db.scalar(select(OutgoingMail).where(OutgoingMail.to_address == "c@example.org"))
    assert row.edition_id is None
    deliver_outbox(app)
    [message] = smtp_server.to("c@example.org")
    text, html, images = parts(message)

    assert text == row.body_text
    assert images == []
    assert '<html lang="en">' in html and ">MTL Tech Awards</h1>" in html
    assert "background-color:#0a4aa6" in html
    [link] = re.findall(r'<a href="([^"]+)" style="color:#0a4aa6;', html)
    assert link.startswith(f"{PUBLIC_URL}auth/reset/") and link in text


def test_the_brand_as_it_is_when_the_mail_leaves_dresses_it(app, make, db, smtp_server):
    """Queued with one brand, sent after the organizer changed it: the words stay, the new colour shows."""
    edition = make.edition(name={"fr": "Prix 2026", "en": "Awards 2026"}, brand_primary="#0a5c36")
    db.commit()
    with app.test_request_context():
        context = mail_templates.sample_context(edition, "outcome_finalist", "en")
        row = mail_templates.queue(
            db, edition.id, key="outcome_finalist", to="f@example.org", language="en", context=context
        )
    db.commit()
    assert row.edition_id == edition.id
    edition.brand_primary = BRAND_PRIMARY
    db.commit()
    deliver_outbox(app)
    [message] = smtp_server.to("f@example.org")
    text, html, _images = parts(message)

    assert text == row.body_text and "Congratulations!" in text
    assert f"background-color:{BRAND_PRIMARY}" in html and "#0a5c36" not in html
    assert '<html lang="en">' in html and ">Awards 2026</h1>" in html


# --- the mail editor's preview -----------------------------------------------------------------------------


def test_the_editor_previews_the_html_version_in_a_sandboxed_frame(organizer_client, make, db):
    edition = make.edition(
        name={"fr": "Prix 2026", "en": "Awards 2026"},
        brand_primary=BRAND_PRIMARY,
        **logo_fields(png_bytes(), "image/png"),
    )
    db.commit()
    base = f"/organizer/editions/{edition.id}/mail/outcome_finalist/fr"

    page = organizer_client.get(base).get_data(as_text=True)
    assert f'<iframe name="mail-html-preview" id="preview-html" sandbox src="{base}/html"' in page
    assert f'formaction="{base}/html" formtarget="mail-html-preview"' in page
    assert ">Aperçu de la version HTML</button>" in page
    drafted = organizer_client.post(
        base, data={"action": "preview", "subject": "s", "body": "Un\nDeux\n\nTrois"}
    )
    drafted_page = drafted.get_data(as_text=True)
    assert '<iframe name="mail-html-preview" id="preview-html" sandbox title=' in drafted_page
    assert (
        'id="preview-body" lang="fr">Un<br>Deux<br><br>Trois</div>' in drafted_page
    )  # the text's lines kept

    response = organizer_client.get(f"{base}/html")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert f"background-color:{BRAND_PRIMARY}" in html and ">Prix 2026</h1>" in html
    assert 'src="data:image/png;base64,' in html  # no cid: in a browser
    assert "Camille Exemple" in html  # the sample values

    draft = {
        "subject": "Bravo {{ name }}",
        "body": "Bonjour {{ name }} <b>&</b>\n\nVoir https://example.org/x.",
    }
    html = organizer_client.post(f"{base}/html", data=draft).get_data(as_text=True)
    assert "Bonjour Camille Exemple &lt;b&gt;&amp;&lt;/b&gt;" in html
    assert (
        f'<a href="https://example.org/x" style="color:{BRAND_PRIMARY};text-decoration:underline;">https://example.org/x</a>.'
        in html
    )
    assert db.scalars(select(OutgoingMail)).all() == []  # a preview sends nothing

    refused = organizer_client.post(f"{base}/html", data={"subject": "x", "body": "{{ secret }}"})
    assert refused.status_code == 422 and "secret" in refused.get_data(as_text=True)


def test_jury_mails_wear_the_brand_of_their_edition(app, client, make, db, smtp_server, juror, organizer):
    """A reminder from the organizer and the conflict a juror declares: each row knows its edition."""
    edition = make.edition(
        name={"fr": "Prix du jury 2026", "en": "Jury Awards 2026"}, brand_primary=BRAND_PRIMARY
    )
    rnd = make.round(make.prize(edition))
    make.jury(rnd, juror)
    first, second = make.application(rnd.prize), make.application(rnd.prize)
    make.scorecard(rnd, juror, first, status="assigned")
    card = make.scorecard(rnd, juror, second, status="assigned")
    db.commit()
    login(client, organizer)
    reminders = f"/organizer/editions/{edition.id}/prizes/{rnd.prize.id}/rounds/{rnd.id}/jury/reminders"
    assert client.post(reminders).status_code == 302
    login(client, juror)
    response = client.post(
        f"/jury/rounds/{rnd.id}/applications/{second.id}/recuse",
        data={"recuse-reason": "Je conseille cette entreprise.", "recuse-version": card.version},
    )
    assert response.status_code == 302
    rows = db.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [(row.template, row.edition_id) for row in rows] == [
        ("jury_reminder", edition.id),
        ("conflict_declared", edition.id),
    ]
    deliver_outbox(app)
    for address in (juror.email, organizer.email):
        [message] = smtp_server.to(address)
        _text, html, _images = parts(message)
        assert ">Prix du jury 2026</h1>" in html and f"background-color:{BRAND_PRIMARY}" in html


# --- the text made HTML ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Voir https://a.example/x.",
            'Voir <a href="https://a.example/x" style="S">https://a.example/x</a>.',
        ),
        (
            "« https://a.example/?a=1&b=2 » !",
            '« <a href="https://a.example/?a=1&amp;b=2" style="S">https://a.example/?a=1&amp;b=2</a> » !',
        ),
        (
            "(see https://en.example/wiki/Foo_(bar))",
            '(see <a href="https://en.example/wiki/Foo_(bar)" style="S">https://en.example/wiki/Foo_(bar)</a>)',
        ),
        (
            "javascript:alert(1) ftp://a.example/ mailto:a@b.c",
            "javascript:alert(1) ftp://a.example/ mailto:a@b.c",
        ),
        ("https:// and http://.", "https:// and http://."),
        (
            "<a href='https://a.example'>",
            '&lt;a href=&#39;<a href="https://a.example" style="S">https://a.example</a>&#39;&gt;',
        ),
    ],
    ids=["sentence", "french quotes and a query", "parentheses", "other schemes", "no host", "markup"],
)
def test_only_http_addresses_become_links_and_everything_is_escaped(text, expected):
    [paragraph] = html_paragraphs(text.replace(" »", "\u00a0»").replace("« ", "«\u00a0"), "S")
    assert str(paragraph) == expected.replace(" »", "\u00a0»").replace("« ", "«\u00a0")


def test_blank_lines_make_paragraphs_and_line_breaks_stay():
    text = "Bonjour,\n\nPrix : A\nProjet : B\n \n\n\n– un\n– deux\n"
    assert [str(p) for p in html_paragraphs(text, "S")] == [
        "Bonjour,",
        "Prix : A<br>\nProjet : B",
        "– un<br>\n– deux",
    ]
