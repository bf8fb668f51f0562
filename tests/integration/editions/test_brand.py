"""An edition's brand: the organizer sets two colours (contrast checked) and a logo (checked by content);
the edition's pages link its stylesheet and show its logo; the ceremony PDFs carry its header."""

from __future__ import annotations

import io
import re
import zlib

import pytest
from sqlalchemy import select

from judging import CONTENT_SECURITY_POLICY
from judging.ceremony import documents
from judging.ceremony import plan as ceremony
from judging.core.audit_event import AuditEvent
from judging.editions import brand
from judging.editions import operations as setup
from tests.factories import aware
from tests.scenarios import ceremony_edition, pdf_text


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PLAIN_SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<defs><linearGradient id="g"/></defs><rect width="10" height="10" fill="url(#g)"/></svg>'
)


def _post_brand(client, edition, *, version=None, **fields):
    data = {"version": str(version if version is not None else edition.version)} | fields
    return client.post(
        f"/organizer/editions/{edition.id}/brand", data=data, content_type="multipart/form-data"
    )


def test_contrast_ratio_follows_the_wcag_formula():
    assert brand.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert brand.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert brand.contrast_problem("#767676") is None  # 4.54:1, the lightest grey that passes
    assert "4.4:1" in str(brand.contrast_problem("#777777"))


def test_organizer_sets_colours_and_pages_of_the_edition_wear_them(app, db, make, organizer_client):
    edition = make.edition(code="brand-2026")
    db.commit()
    response = _post_brand(organizer_client, edition, brand_primary="#1B5E20", brand_accent="8e24aa")
    assert response.status_code == 302
    db.refresh(edition)
    assert (edition.brand_primary, edition.brand_accent) == ("#1b5e20", "#8e24aa")
    event = db.scalars(select(AuditEvent).where(AuditEvent.object_id == edition.id)).all()[-1]
    assert event.after["brand_primary"] == "#1b5e20" and event.before["brand_primary"] is None

    page = organizer_client.get("/editions/brand-2026").get_data(as_text=True)
    href = re.search(r'<link rel="stylesheet" href="([^"]+)" id="edition-brand-css">', page).group(1)
    css = organizer_client.get(href)
    assert css.mimetype == "text/css" and "immutable" in css.headers["Cache-Control"]
    assert "--app-primary: #1b5e20;" in css.get_data(as_text=True)
    assert "--app-accent: #8e24aa;" in css.get_data(as_text=True)
    assert "style-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY


def test_another_edition_and_an_unbranded_one_keep_todays_look(app, db, make, client):
    branded = make.edition(code="branded", brand_primary="#1b5e20")
    make.edition(code="plain")
    db.commit()
    assert "edition-brand-css" in client.get("/editions/branded").get_data(as_text=True)
    plain = client.get("/editions/plain").get_data(as_text=True)
    assert "edition-brand-css" not in plain and f"/editions/{branded.id}/brand.css" not in plain
    assert 'class="brand-mark"' in plain
    unbranded = make.edition(code="unbranded")
    db.commit()
    assert client.get(f"/editions/{unbranded.id}/brand.css").status_code == 404
    assert client.get(f"/editions/{unbranded.id}/logo").status_code == 404


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_colour_white_text_cannot_be_read_on_is_refused_with_its_ratio(
    app, db, make, organizer_client, language
):
    edition = make.edition()
    db.commit()
    organizer_client.post("/language", data={"language": language, "next": "/"})
    response = _post_brand(organizer_client, edition, brand_primary="#ffcc00", brand_accent="#8e24aa")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    expected = {
        "fr": "Un texte blanc sur #ffcc00 a un contraste de 1,5\u00a0:\u00a01",
        "en": "White text on #ffcc00 has a contrast of 1.5:1",
    }[language]
    assert expected in body
    assert 'value="#ffcc00"' in body  # what was typed stays
    db.refresh(edition)
    assert edition.brand_primary is None and edition.brand_accent is None


def test_logo_png_and_plain_svg_accepted_and_served_sandboxed(app, db, make, organizer_client, client):
    edition = make.edition(code="logo-2026")
    db.commit()
    response = _post_brand(organizer_client, edition, logo=(io.BytesIO(png_bytes()), "logo.png"))
    assert response.status_code == 302
    db.refresh(edition)
    assert edition.brand_logo_type == "image/png" and edition.brand_logo == png_bytes()

    page = client.get("/editions/logo-2026").get_data(as_text=True)
    src = re.search(r'<img class="brand-logo" src="([^"]+)"', page).group(1)
    served = client.get(src)
    assert served.data == png_bytes() and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]

    response = _post_brand(organizer_client, edition, logo=(io.BytesIO(PLAIN_SVG), "logo.svg"))
    assert response.status_code == 302
    db.refresh(edition)
    assert edition.brand_logo_type == "image/svg+xml"


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        b'<image x:href="http://attacker.example/track.png"/></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(http://a.example/x.css);</style></svg>',
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">'
        b"<text>&a;</text></svg>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>',
        b"<svg><rect/></svg>",  # not in the SVG namespace
    ],
)
def test_svg_with_scripts_or_outside_references_is_refused(app, db, make, organizer_client, svg):
    edition = make.edition()
    db.commit()
    response = _post_brand(organizer_client, edition, logo=(io.BytesIO(svg), "logo.svg"))
    assert response.status_code == 200
    assert "Ce fichier SVG contient un script" in response.get_data(as_text=True)
    db.refresh(edition)
    assert edition.brand_logo is None


def test_a_file_that_is_no_image_is_refused(app, db, make, organizer_client):
    edition = make.edition()
    db.commit()
    response = _post_brand(organizer_client, edition, logo=(io.BytesIO(b"%PDF-1.4 hello"), "logo.png"))
    assert "PNG, JPEG ou SVG" in response.get_data(as_text=True)
    db.refresh(edition)
    assert edition.brand_logo is None


def test_removing_the_logo_and_a_stale_form_is_refused(app, db, make, organizer_client, organizer):
    edition = make.edition(brand_logo=png_bytes(), brand_logo_type="image/png", brand_logo_sha256="ab" * 32)
    db.commit()
    shown = edition.version
    assert _post_brand(organizer_client, edition, brand_accent="#8e24aa").status_code == 302
    # a second page opened before that save, which would drop the accent colour just chosen
    stale = _post_brand(organizer_client, edition, version=shown, brand_primary="#1b5e20", remove_logo="y")
    assert stale.status_code == 409
    db.refresh(edition)
    assert edition.brand_accent == "#8e24aa" and edition.brand_logo is not None
    assert _post_brand(organizer_client, edition, remove_logo="y").status_code == 302
    db.refresh(edition)
    assert edition.brand_logo is None and edition.brand_logo_sha256 is None


def test_ceremony_pdfs_carry_the_brand_header(app, db, make):
    edition = ceremony_edition(make, db).edition
    with app.test_request_context():
        plan = ceremony.ceremony_plan(db, edition, language="fr", only_ready=True)
        plain = pdf_text(documents.ceremony_pdf(plan, "run-of-show"))
        edition.brand_primary = "#1b5e20"
        edition.brand_logo, edition.brand_logo_type = png_bytes(), "image/png"
        edition.brand_logo_sha256 = "cd" * 32
        db.flush()
        html = documents.ceremony_html(plan, "run-of-show")
        branded = pdf_text(documents.ceremony_pdf(plan, "run-of-show"))
    assert 'id="brand-head"' in html and "data:image/png;base64," in html and "#1b5e20" in html
    name = plan.edition_name("fr")
    assert branded.count(name) > plain.count(name)


def test_candidate_pages_of_the_edition_wear_its_brand_and_logo(app, db, make, candidate, candidate_client):
    edition = make.edition(brand_accent="#8e24aa", brand_logo=png_bytes(), brand_logo_type="image/png")
    edition.brand_logo_sha256 = "ef" * 32
    application = make.application(make.prize(edition), applicant=candidate)
    db.commit()
    page = candidate_client.get(f"/candidate/applications/{application.id}").get_data(as_text=True)
    assert f"/editions/{edition.id}/brand.css?v=" in page
    assert f'src="/editions/{edition.id}/logo?v={"ef" * 6}"' in page
    assert candidate_client.get(f"/editions/{edition.id}/logo?v=old").headers["Cache-Control"] == "no-cache"


def test_copying_a_setup_keeps_the_brand(app, db, make, organizer):
    source = make.edition(brand_primary="#1b5e20", brand_accent="#8e24aa", brand_logo=png_bytes())
    source.brand_logo_type, source.brand_logo_sha256 = "image/png", "12" * 32
    db.commit()
    with app.test_request_context():
        copy = setup.copy_setup(
            db,
            source=source,
            code="next-year",
            name={"fr": "L'an prochain", "en": ""},
            applications_open=aware(2027, 5, 1),
            applications_close=aware(2027, 8, 1),
            ceremony_at=None,
            actor=organizer,
        )
    assert (copy.brand_primary, copy.brand_accent, copy.brand_logo_type) == (
        "#1b5e20",
        "#8e24aa",
        "image/png",
    )
    assert copy.brand_logo == png_bytes() and copy.brand_logo_sha256 == "12" * 32
