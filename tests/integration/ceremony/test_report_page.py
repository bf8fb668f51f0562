"""The edition report as a page with SVG charts and as a PDF, on an edition shaped like the real 2023 one."""

from __future__ import annotations

import html
import re

from judging.editions.models import Prize
from tests.integration.ceremony.test_ceremony_pages import count_queries
from tests.scenarios import build_2023, pdf_text, squash

NBSP = ("\u00a0", "\u202f")


def plain(text: str) -> str:
    for space in NBSP:
        text = text.replace(space, " ")
    return squash(text)


def name_prizes(db, edition):
    names = {
        "innovation": ("Prix de l'innovation", "Innovation Award"),
        "femmes-tech": ("Prix Femmes en Tech", "Women in Tech Award"),
        "litteratie": ("Prix en littératie numérique jeunesse", "Youth Digital Literacy Award"),
        "decouvrabilite": ("Prix Découvrabilité culturelle francophone", "Cultural Discoverability Award"),
    }
    for prize in db.query(Prize).filter_by(edition_id=edition.id):
        fr, en = names[prize.code]
        prize.name = {"fr": fr, "en": en}
    edition.name = {"fr": "MTL connecte 2023", "en": "MTL connecte 2023"}
    db.commit()


def test_report_page_figures(app, db, make, organizer_client):
    edition = build_2023(make, db)
    name_prizes(db, edition)
    response = organizer_client.get(f"/organizer/editions/{edition.id}/report")
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    text = plain(html.unescape(re.sub(r"<[^>]+>", " ", raw)))
    assert "Candidatures reçues 147" in text
    assert "100" in text and "Croissance par rapport à l’édition précédente +47 %" in text
    for name, count in (
        ("Prix de l'innovation", 30),
        ("Prix Femmes en Tech", 42),
        ("Prix en littératie numérique jeunesse", 25),
        ("Prix Découvrabilité culturelle francophone", 50),
    ):
        assert f"{name} {count} " in text
    assert "Montréal 73 49,66 %" in text and "Hors Canada 39 26,53 %" in text
    assert "Québec, hors Montréal 32 21,77 %" in text and "Canada, hors Québec 3 2,04 %" in text
    assert "87 des 147 candidatures reçues sont dirigées par une femme : 59,18 %" in text
    assert "Finalistes 12" in text and "Lauréat·e·s 4" in text
    # both rows speak of applications (« candidatures »): « Dirigée », « Non dirigée »
    assert "Dirigée par une femme" in text and "Non dirigée par une femme, ou sans réponse" in text
    # four charts, drawn as SVG without inline styles (the CSP forbids them)
    assert raw.count("<svg") == 4 and "style=" not in raw.split("<main")[1]
    assert 'class="report-chart chart-regions"' in raw


def test_report_in_english(app, db, make, organizer_client):
    edition = build_2023(make, db)
    name_prizes(db, edition)
    organizer_client.post("/language", data={"language": "en", "next": "/"})
    text = plain(
        html.unescape(
            re.sub(
                r"<[^>]+>",
                " ",
                organizer_client.get(f"/organizer/editions/{edition.id}/report").get_data(as_text=True),
            )
        )
    )
    assert "Applications received 147" in text and "+47%" in text and "59.18%" in text
    assert "Women in Tech Award 42" in text


def test_report_pdf_holds_the_figures(app, db, make, organizer_client):
    edition = build_2023(make, db)
    name_prizes(db, edition)
    response = organizer_client.get(f"/organizer/editions/{edition.id}/report.pdf?language=fr&paper=a4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = plain(pdf_text(response.data))
    assert "Candidatures reçues 147" in text
    assert "+47 %" in text and "59,18 %" in text
    for count in ("30", "42", "25", "50"):
        assert f" {count} " in text
    assert "Prix Femmes en Tech 42 28,57 %" in text
    assert "Montréal 73 49,66 %" in text
    english = plain(
        pdf_text(organizer_client.get(f"/organizer/editions/{edition.id}/report.pdf?language=en").data)
    )
    assert "Applications received 147" in english and "59.18%" in english
    assert organizer_client.get(f"/organizer/editions/{edition.id}/report.pdf?language=de").status_code == 400


def test_report_cli(app, db, make, runner, tmp_path):
    edition = build_2023(make, db)
    target = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", edition.code, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Candidatures reçues 147" in plain(pdf_text(target.read_bytes()))


def test_chart_labels_are_escaped(app, db, make, organizer_client):
    edition = make.edition(code="evil")
    make.application(make.prize(edition, name={"fr": '<script>alert(1)</script>"&', "en": "x"}))
    db.commit()
    raw = organizer_client.get(f"/organizer/editions/{edition.id}/report").get_data(as_text=True)
    assert "<script>alert(1)" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&amp;" in raw


def test_laureates_are_named_only_when_frozen(app, db, make, organizer_client):
    from tests.scenarios import SECRET, ceremony_edition, person_name

    built = ceremony_edition(make, db)
    text = html.unescape(
        organizer_client.get(f"/organizer/editions/{built.edition.id}/report").get_data(as_text=True)
    )
    assert person_name(0, 0) in text and "Remis par Amélie Hautecoeur" in text
    # the unfrozen prize is listed (applications received) but none of its results
    assert SECRET["prize_fr"] in text and "Les résultats de ce prix ne sont pas encore définitifs." in text
    for secret in [SECRET["citation"], *SECRET["people"], *SECRET["orgs"], *SECRET["titles"]]:
        assert secret not in text, secret


def test_report_runs_a_fixed_number_of_queries(app, db, make, organizer_client):
    small = make.edition(code="small")
    make.application(make.prize(small))
    db.commit()
    large = build_2023(make, db)
    assert count_queries(app, organizer_client, f"/organizer/editions/{small.id}/report") == count_queries(
        app, organizer_client, f"/organizer/editions/{large.id}/report"
    )
