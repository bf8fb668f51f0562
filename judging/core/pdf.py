"""HTML to PDF with WeasyPrint, shared by every PDF document.

WeasyPrint is imported on first use (importing it costs about half a second). Templates name an
installed font; :data:`BASE_CSS` sets "DejaVu Sans" on the page and on the ``@page`` margin boxes,
which do not inherit from ``body``.
"""

from __future__ import annotations

BASE_CSS = """
@page {
  size: Letter;
  margin: 2cm 1.8cm 2.2cm 1.8cm;
  @bottom-center { content: counter(page) " / " counter(pages); font-family: "DejaVu Sans", sans-serif;
                   font-size: 8pt; color: #555; }
}
html { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.4; color: #111; }
h1 { font-size: 16pt; margin: 0 0 0.3em; }
h2 { font-size: 12pt; margin: 1.2em 0 0.4em; border-bottom: 1px solid #999; }
dl { margin: 0; }
dt { font-weight: bold; margin-top: 0.5em; }
dd { margin: 0 0 0 1em; white-space: pre-wrap; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 3pt 4pt; border-bottom: 0.5pt solid #ccc; }
"""


def render_pdf(html: str, *, base_url: str | None = None, stylesheets: list[str] | None = None) -> bytes:
    """Render ``html`` (a whole document) to PDF bytes, with :data:`BASE_CSS` and any extra CSS strings."""
    from weasyprint import CSS, HTML

    sheets = [CSS(string=BASE_CSS), *(CSS(string=css) for css in stylesheets or [])]
    return HTML(string=html, base_url=base_url).write_pdf(stylesheets=sheets)
