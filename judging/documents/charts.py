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


def leniency_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    description: str,
    missing_label: str,
    decimal_mark: str = ".",
    width: int = 560,
    row_height: int = 24,
    label_width: int = 180,
) -> Markup:
    """A horizontal bar per juror, centred on 0: right (green) more generous, left (red) harsher.

    ``items`` are (label, offset in points or None); a None offset is written ``missing_label``.
    The scale is symmetric around 0 and fits the largest absolute offset (at least 5 points).
    """
    values = [abs(v) for _, v in items if v is not None]
    span = max([5.0, *values])
    chart_left = label_width + 8
    value_room = 56
    chart_width = max(120, width - chart_left - value_room)
    centre = chart_left + chart_width / 2
    half = chart_width / 2
    top = 8
    height = top * 2 + row_height * max(1, len(items)) + 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="leniency-chart img-fluid" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="leniency-title leniency-desc">',
        f'<title id="leniency-title">{escape(title)}</title>',
        f'<desc id="leniency-desc">{escape(description)}</desc>',
    ]
    for index, (label, value) in enumerate(items):
        y = top + index * row_height
        middle = y + row_height / 2
        shown = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="{label_width}" y="{middle + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#212529">{escape(shown)}</text>'
        )
        if value is None:
            parts.append(
                f'<text x="{centre + 6:.1f}" y="{middle + 4:.1f}" font-size="11" fill="{MISSING}">'
                f"{escape(missing_label)}</text>"
            )
            continue
        length = half * abs(value) / span
        x = centre if value >= 0 else centre - length
        colour = LENIENT if value >= 0 else HARSH
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 4}" width="{max(length, 1):.1f}" height="{row_height - 8}" '
            f'fill="{colour}" class="{"bar-lenient" if value >= 0 else "bar-harsh"}"/>'
        )
        text_x = centre + length + 4 if value >= 0 else centre - length - 4
        anchor = "start" if value >= 0 else "end"
        parts.append(
            f'<text x="{text_x:.1f}" y="{middle + 4:.1f}" text-anchor="{anchor}" font-size="11" '
            f'fill="{AXIS}">{escape(_fmt(value, decimal_mark))}</text>'
        )
    axis_bottom = top + row_height * max(1, len(items))
    parts.append(
        f'<line x1="{centre:.1f}" y1="{top}" x2="{centre:.1f}" y2="{axis_bottom}" stroke="{AXIS}" '
        f'stroke-width="1"/>'
    )
    for tick in (-span, 0.0, span):
        x = centre + half * tick / span
        anchor = "middle" if tick == 0 else ("start" if tick < 0 else "end")
        parts.append(
            f'<text x="{x:.1f}" y="{axis_bottom + 14}" text-anchor="{anchor}" font-size="10" '
            f'fill="{AXIS}">{escape("0" if tick == 0 else _fmt(tick, decimal_mark))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every label and number above is escaped)
