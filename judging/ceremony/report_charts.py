"""Bar charts of the edition report, drawn on the server as SVG (they print, and need no script).

The Content-Security-Policy forbids inline styles: colours, sizes and fonts are SVG
presentation attributes (``fill=``, ``font-size=``), never a ``style`` attribute. Every
label is escaped. Each chart has a ``<title>`` and a ``<desc>``; the pages show the same
figures in a table beside it. The same markup goes into the report's PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from markupsafe import Markup, escape

BAR = "#1d4f91"  # dark blue: contrast ≥ 4.5:1 on white
BAR_ALT = "#7a3e9d"  # purple, for the share led by women
TRACK = "#e9ecef"
TEXT = "#212529"
AXIS = "#495057"
FONT = "DejaVu Sans, sans-serif"

_ids = count(1)


def _shorten(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(
    items: Sequence[tuple[str, int | float, str]],
    *,
    title: str,
    description: str,
    css_class: str = "report-chart",
    width: int = 600,
    row_height: int = 26,
    label_width: int = 220,
    maximum: float | None = None,
    colour: str = BAR,
) -> Markup:
    """Horizontal bars, one per ``(label, value, shown text)``, on a common scale from 0.

    ``maximum`` fixes the scale (1 for shares); by default it is the largest value. A zero
    value draws no bar, only its text.
    """
    serial = next(_ids)
    values = [float(v) for _, v, _ in items]
    scale = maximum if maximum is not None else max([0.0, *values])
    left = label_width + 8
    value_room = 120
    bar_room = max(80, width - left - value_room)
    top = 6
    height = top * 2 + row_height * max(1, len(items))
    title_id, desc_id = f"chart-{serial}-title", f"chart-{serial}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT}" aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    for index, (label, value, shown) in enumerate(items):
        y = top + index * row_height
        middle = y + row_height / 2
        parts.append(
            f'<text x="{label_width}" y="{middle + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{TEXT}">{escape(_shorten(str(label)))}</text>'
        )
        parts.append(
            f'<rect x="{left}" y="{y + 5}" width="{bar_room}" height="{row_height - 10}" fill="{TRACK}"/>'
        )
        length = bar_room * float(value) / scale if scale > 0 else 0.0
        if length > 0:
            parts.append(
                f'<rect x="{left}" y="{y + 5}" width="{max(length, 1.0):.1f}" height="{row_height - 10}" '
                f'fill="{colour}" class="bar"/>'
            )
        parts.append(
            f'<text x="{left + bar_room + 6}" y="{middle + 4:.1f}" font-size="12" fill="{AXIS}">'
            f"{escape(shown)}</text>"
        )
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - top}" stroke="{AXIS}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped; numbers are formatted)
