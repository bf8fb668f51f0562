"""An edition's brand in a real browser: its colours reach the page through the stylesheet the strict
CSP allows (no inline style), its logo shows, and the page keeps axe-core's contrast checks."""

from __future__ import annotations

from pathlib import Path

from tests.integration.editions.test_brand import png_bytes

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id);
}"""
HEADER_BACKGROUND = "() => getComputedStyle(document.querySelector('.app-header')).backgroundColor"


def test_a_branded_edition_page_wears_its_colours_and_logo_under_the_csp(
    page, live_server, live_make, live_db
):
    edition = live_make.edition(code="marque-2026", brand_primary="#1b5e20", brand_accent="#8e24aa")
    edition.brand_logo, edition.brand_logo_type, edition.brand_logo_sha256 = (
        png_bytes(),
        "image/png",
        "ab" * 32,
    )
    live_make.prize(edition, name={"fr": "Prix Vert", "en": "Green Award"})
    plain = live_make.edition(code="sans-marque")
    live_db.commit()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )

    page.goto(f"{live_server.url}/editions/marque-2026")
    # the header is the primary colour darkened by a quarter (#1b5e20 → #144618)
    assert page.evaluate(HEADER_BACKGROUND) == "rgb(20, 70, 24)"
    assert page.locator("#edition-logo").evaluate("img => img.complete && img.naturalWidth") == 1
    page.evaluate(AXE)
    assert page.evaluate(AXE_RUN) == []
    assert refused == []

    page.goto(f"{live_server.url}/editions/{plain.code}")
    assert page.evaluate(HEADER_BACKGROUND) == "rgb(7, 54, 120)"  # today's #073678
    assert page.locator("#edition-logo").count() == 0
