"""The edition report as a page and as a PDF: the figures of ``judging stats``, charts and the laureates.

The figures come from :func:`judging.ceremony.report.edition_stats` (the same document as
``judging stats EDITION --json``; nothing is counted twice). Shares shown beside the
counts are those counts over the applications received, rounded to 4 decimals with
:func:`judging.ceremony.report.share`, written as percentages in the reader's language.
Finalists, winners and mentions are listed by name only for prizes whose results are
frozen (:mod:`judging.ceremony.plan`); the others say that their results are not final.
A frozen round's laureates, and their numbers, are those its snapshot froze
(:mod:`judging.results.snapshots`), whatever the live rows say since.
The report is a public document: a laureate without publication consent is shown as
"Finalist (name withheld)" (:func:`judging.ceremony.plan.withhold_names`), still counted.

:func:`report_context` is what both the organizer's page and the PDF render (the shared
template ``ceremony/report_body.html``), in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.numbers import format_percent
from flask import render_template
from flask_babel import force_locale, format_decimal, get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from judging.ceremony.audience import public_audience
from judging.ceremony.plan import CeremonyPrize, laureate_counts, load_prizes, withhold_names
from judging.ceremony.report import edition_stats, previous_edition, received_count, share
from judging.ceremony.report_charts import BAR_ALT, bar_chart
from judging.core import clock
from judging.core.labels import ORG_TYPE_LABELS, REGION_LABELS, label
from judging.core.models import localized
from judging.core.pdf import render_pdf
from judging.editions.models import Edition

PAPERS = ("letter", "a4")


def percent(value: float | None) -> str:
    """A share (0.5918) as the reader writes it: 59,18 % (fr), 59.18% (en); — when there is none."""
    if value is None:
        return "—"
    return format_percent(value, locale=get_locale() or "fr", decimal_quantization=False)


def number(value: int | None) -> str:
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0")


def signed_percent(value: float | None) -> str:
    if value is None:
        return "—"
    text = percent(abs(value))
    return ("+" if value >= 0 else "−") + text


@dataclass
class Row:
    """One line of a breakdown: what, how many, which share of the applications received."""

    key: str
    label: str
    count: int
    share: float | None

    @property
    def shown(self) -> str:
        return f"{number(self.count)} ({percent(self.share)})"


@dataclass
class PrizeLine:
    prize: CeremonyPrize
    name: str
    applications: int
    share: float | None


def _rows(counts: dict[str, int], labels: dict[str, Any], received: int) -> list[Row]:
    rows = []
    for key, value in counts.items():
        text = _("Not answered") if key == "unknown" else label(labels, key)
        rows.append(Row(key=key, label=text, count=value, share=share(value, received)))
    return rows


def report_context(db: Session, edition: Edition, *, locale: str) -> dict[str, Any]:
    """Everything the report shows, in ``locale`` (call inside ``force_locale(locale)``)."""
    prizes = withhold_names(load_prizes(db, edition))  # a public document: names only with consent
    stats = edition_stats(db, edition) | laureate_counts(prizes)  # laureates as shown: frozen from snapshots
    previous = previous_edition(db, edition)
    previous_received = received_count(db, previous.id) if previous is not None else None
    received = stats["applications"]
    by_code = {p.code: p for p in prizes}
    prize_lines = [
        PrizeLine(
            prize=by_code[code],
            name=by_code[code].name(locale),
            applications=count,
            share=share(count, received),
        )
        for code, count in stats["by_prize"].items()
        if code in by_code
    ]
    regions = _rows(stats["by_region"], REGION_LABELS, received)
    types = _rows(stats["by_type"], ORG_TYPE_LABELS, received)
    women = stats["led_by_woman"]
    others = received - women["count"]
    women_rows = [
        Row(key="women", label=_("Led by a woman"), count=women["count"], share=women["share"]),
        Row(
            key="others",
            label=_("Not led by a woman, or not answered"),
            count=others,
            share=share(others, received),
        ),
    ]
    charts = {
        "prizes": bar_chart(
            [(line.name, line.applications, f"{number(line.applications)}") for line in prize_lines],
            title=_("Applications received per prize"),
            description=", ".join(
                f"{_('%(label)s:', label=line.name)} {number(line.applications)}" for line in prize_lines
            ),
            css_class="report-chart chart-prizes",
        ),
        "regions": bar_chart(
            [(row.label, row.count, row.shown) for row in regions],
            title=_("Origin of the applicants"),
            description=", ".join(f"{_('%(label)s:', label=row.label)} {row.shown}" for row in regions),
            css_class="report-chart chart-regions",
        ),
        "types": bar_chart(
            [(row.label, row.count, row.shown) for row in types],
            title=_("Types of organization"),
            description=", ".join(f"{_('%(label)s:', label=row.label)} {row.shown}" for row in types),
            css_class="report-chart chart-types",
        ),
        "women": bar_chart(
            [(row.label, row.share or 0, percent(row.share)) for row in women_rows],
            title=_("Share of applications led by women"),
            description=", ".join(f"{_('%(label)s:', label=row.label)} {row.shown}" for row in women_rows),
            css_class="report-chart chart-women",
            maximum=1,
            colour=BAR_ALT,
        ),
    }
    return {
        "edition": edition,
        "edition_name": localized(edition.name, locale),
        "stats": stats,
        "received": received,
        "previous": previous,
        "previous_name": localized(previous.name, locale) if previous is not None else "",
        "previous_received": previous_received,
        "growth": signed_percent(stats["growth"]),
        "prize_lines": prize_lines,
        "audience": public_audience(db, edition, at=clock.now()),  # only once the ceremony revealed it
        "regions": regions,
        "types": types,
        "women_rows": women_rows,
        "charts": charts,
        "percent": percent,
        "number": number,
        "locale": locale,
    }


def report_html(db: Session, edition: Edition, *, locale: str) -> str:
    with force_locale(locale):
        context = report_context(db, edition, locale=locale)
        return render_template("ceremony/documents/report.html", **context)


def report_pdf(db: Session, edition: Edition, *, locale: str, paper: str = "letter") -> bytes:
    if paper not in PAPERS:
        raise ValueError(f"unknown paper size {paper!r}")
    size = "A4" if paper == "a4" else "Letter"
    return render_pdf(report_html(db, edition, locale=locale), stylesheets=[f"@page {{ size: {size}; }}"])
