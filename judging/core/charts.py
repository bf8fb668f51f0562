"""Small server-side SVG charts, safe to inline in a page under a strict CSP.

No ``style`` attributes and no scripts (the Content-Security-Policy forbids inline
styles): colours and sizes are SVG presentation attributes (``fill=``,
``font-size=``), which are allowed. Every label is escaped. Each chart carries a
``<title>`` and a ``<desc>`` for screen readers; pages show the same numbers in a
table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

LENIENT = "#1f6f43"  # dark green: contrast ≥ 4.5:1 on white
HARSH = "#a4262c"  # dark red
AXIS = "#495057"
MISSING = "#6c757d"


def _fmt(value: float, decimal_mark: str) -> str:
    text = f"{value:+.1f}"
    return text.replace(".", decimal_mark)


#: the chart's drawing width: shown at this size on a desktop, scaled by at most 10 % on a 375 px phone
#: (343 px of content), so its 12-13 px text stays legible there
CHART_WIDTH = 380
#: room on each side of the bars for a value label ("−12,5"), so a label never reaches a name
VALUE_ROOM = 48
NAME_MAX = 52


def _name_row(label: str, y: float) -> str:
    shown = label if len(label) <= NAME_MAX else label[: NAME_MAX - 1] + "…"
    return f'<text x="2" y="{y:.1f}" font-size="13" fill="#212529">{escape(shown)}</text>'


def leniency_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    description: str,
    missing_label: str,
    decimal_mark: str = ".",
    width: int = CHART_WIDTH,
) -> Markup:
    """A horizontal bar per juror, centred on 0: right (green) more generous, left (red) harsher.

    ``items`` are (label, offset in points or None); a None offset is written ``missing_label``.
    The scale is symmetric around 0 and fits the largest absolute offset (at least 5 points).
    Each juror's name is on its own line above the bar, and the bars leave ``VALUE_ROOM`` on both
    sides for the figures: a value label can never overlap a name, and the chart is narrow enough to
    be read on a phone without being shrunk to an illegible size.
    """
    values = [abs(v) for _, v in items if v is not None]
    span = max([5.0, *values])
    half = (width - 2 * VALUE_ROOM) / 2
    centre = width / 2
    row_height = 42
    top = 4
    axis_bottom = top + row_height * max(1, len(items))
    height = axis_bottom + 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="leniency-chart img-fluid" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="leniency-title leniency-desc">',
        f'<title id="leniency-title">{escape(title)}</title>',
        f'<desc id="leniency-desc">{escape(description)}</desc>',
    ]
    for index, (label, value) in enumerate(items):
        y = top + index * row_height
        parts.append(_name_row(label, y + 14))
        bar_top, bar_middle = y + 20, y + 29
        if value is None:
            parts.append(
                f'<text x="{centre + 6:.1f}" y="{bar_middle + 4:.1f}" font-size="12" fill="{MISSING}">'
                f"{escape(missing_label)}</text>"
            )
            continue
        length = half * abs(value) / span
        x = centre if value >= 0 else centre - length
        colour = LENIENT if value >= 0 else HARSH
        parts.append(
            f'<rect x="{x:.1f}" y="{bar_top}" width="{max(length, 1):.1f}" height="18" '
            f'fill="{colour}" class="{"bar-lenient" if value >= 0 else "bar-harsh"}"/>'
        )
        text_x = centre + length + 4 if value >= 0 else centre - length - 4
        anchor = "start" if value >= 0 else "end"
        parts.append(
            f'<text x="{text_x:.1f}" y="{bar_middle + 4:.1f}" text-anchor="{anchor}" font-size="12" '
            f'fill="{AXIS}" class="leniency-value">{escape(_fmt(value, decimal_mark))}</text>'
        )
    parts.append(
        f'<line x1="{centre:.1f}" y1="{top + 18}" x2="{centre:.1f}" y2="{axis_bottom}" stroke="{AXIS}" '
        f'stroke-width="1"/>'
    )
    for tick in (-span, 0.0, span):
        x = centre + half * tick / span
        parts.append(
            f'<text x="{x:.1f}" y="{axis_bottom + 14}" text-anchor="middle" font-size="11" '
            f'fill="{AXIS}">{escape("0" if tick == 0 else _fmt(tick, decimal_mark))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every label and number above is escaped)
