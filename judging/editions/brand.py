"""An edition's brand: two colours checked for contrast, a logo checked by its content, and the CSS.

* Colours are ``#rrggbb``. Both carry white text (the header, the primary button, the « now » badge)
  and both are text on white (links, the home page's kicker), so each must reach
  :data:`MIN_CONTRAST` (WCAG 2 AA for body text) against white: :func:`contrast_problem` says the
  measured ratio when it does not.
* The logo is PNG, JPEG or SVG, recognised by its bytes, at most :data:`LOGO_MAX_BYTES`. An SVG is
  accepted only when it is a plain drawing (:func:`svg_problem`: no script, no event attribute, no
  reference outside the file, no DTD); it is refused, never rewritten. Whatever its type, the logo
  is served with ``nosniff`` and a sandbox CSP (:data:`LOGO_HEADERS`), so that even an SVG opened
  on its own cannot run anything in the site's origin; pages show it through ``<img>``, where a
  browser never runs an SVG's scripts anyway.
* Pages of the edition link :func:`stylesheet` (a route of the public blueprint): CSS custom
  properties only, so the site's CSP stays ``style-src 'self'`` with no inline style.
"""

from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from flask_babel import LazyString, format_decimal
from flask_babel import lazy_gettext as _l

from judging.core.templating import Brand
from judging.editions import queries
from judging.editions.models import Edition

MIN_CONTRAST = 4.5
WHITE = "#ffffff"
COLOUR_RE = re.compile(r"^#[0-9a-f]{6}$")
LOGO_MAX_BYTES = 512 * 1024
LOGO_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "svg": "image/svg+xml"}
#: the file input's hint to the browser (the server decides by the content)
LOGO_ACCEPT = "image/png,image/jpeg,image/svg+xml,.png,.jpg,.jpeg,.svg"
SVG_NS = "{http://www.w3.org/2000/svg}"
#: elements that run, embed or animate something: never in a logo
SVG_FORBIDDEN = {"script", "foreignobject", "iframe", "embed", "object", "animate", "set", "handler"}
#: every response that serves a logo (see the module docstring)
LOGO_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
}


class LogoError(Exception):
    """A logo refused, with a translated message."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


# Colours and contrast ----------------------------------------------------------------------------


def normalize_colour(value: str | None) -> str | None:
    """``#RRGGBB`` or ``RRGGBB`` typed by a person as ``#rrggbb``; None when empty."""
    text = (value or "").strip().lower()
    if not text:
        return None
    return text if text.startswith("#") else "#" + text


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio, from 1 (same colour) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def contrast_problem(colour: str) -> Any | None:
    """None when white text on ``colour`` (and ``colour`` as text on white) reads well, else why not."""
    ratio = contrast_ratio(colour, WHITE)
    if ratio >= MIN_CONTRAST:
        return None
    # rounded down, so that a refused colour never shows "4.5:1"; written in the reader's language
    truncated = Decimal(int(ratio * 10)) / 10
    measured = LazyString(lambda: format_decimal(truncated, "0.0"))
    return _l(
        "White text on %(colour)s has a contrast of %(ratio)s:1; at least 4.5:1 is needed to be read "
        "easily. Choose a darker colour.",
        colour=colour,
        ratio=measured,
    )


def mix(colour: str, other: str, share: float) -> str:
    """``colour`` with ``share`` (0 to 1) of ``other`` mixed in."""
    mixed = (round(a + (b - a) * share) for a, b in zip(_channels(colour), _channels(other), strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def soft_background(primary: str) -> str:
    """A pale tint on which ``primary`` text still reads (:data:`MIN_CONTRAST`; white at worst)."""
    for share in (0.9, 0.93, 0.96, 0.98):
        tint = mix(primary, WHITE, share)
        if contrast_ratio(primary, tint) >= MIN_CONTRAST:
            return tint
    return WHITE


def stylesheet(primary: str | None, accent: str | None) -> str:
    """The CSS custom properties of a brand (``static/css/app.css`` reads them); empty for today's look."""
    lines = []
    if primary:
        r, g, b = _channels(primary)
        lines += [
            f"  --app-primary: {primary};",
            f"  --app-primary-dark: {mix(primary, '#000000', 0.25)};",
            f"  --app-primary-rgb: {r}, {g}, {b};",
            f"  --app-primary-soft: {soft_background(primary)};",
        ]
    if accent:
        lines.append(f"  --app-accent: {accent};")
    return ":root {\n" + "\n".join(lines) + "\n}\n" if lines else ""


# The logo --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedLogo:
    data: bytes
    content_type: str
    sha256: str


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _reference_is_outside(value: str) -> bool:
    """An ``href`` or ``url(...)`` that leaves the file (only ``#id`` and embedded PNG/JPEG stay)."""
    target = value.strip().lower()
    return not (target.startswith("#") or re.match(r"data:image/(png|jpeg);base64,", target))


def _style_problem(text: str) -> bool:
    lowered = text.lower()
    if "@import" in lowered or "expression(" in lowered:
        return True
    return any(_reference_is_outside(ref) for ref in re.findall(r"url\(\s*['\"]?([^'\")]*)", lowered))


def _element_problem(element: ElementTree.Element) -> bool:
    if _local(element.tag) in SVG_FORBIDDEN:
        return True
    if _local(element.tag) == "style" and _style_problem(element.text or ""):
        return True
    for name, value in element.attrib.items():
        attribute = _local(name)
        if attribute.startswith("on") or _style_problem(value):
            return True
        if attribute == "href" and _reference_is_outside(value):
            return True
    return False


def svg_problem(data: bytes) -> bool:
    """True unless ``data`` is a plain SVG drawing (see the module docstring)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return True
    if re.search(r"<!(doctype|entity)|<\?xml-stylesheet", text, re.IGNORECASE):
        return True
    try:
        # no DTD got this far (refused above): no entity to expand, nothing to fetch
        root = ElementTree.fromstring(text)  # noqa: S314
    except ElementTree.ParseError:
        return True
    if root.tag != f"{SVG_NS}svg":
        return True
    return any(_element_problem(element) for element in root.iter())


def _looks_like_svg(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"<?xml") or start.startswith(b"<svg")


def logo_format(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return "svg" if _looks_like_svg(data[:512]) else None


def check_logo(stream: IO[bytes]) -> CheckedLogo:
    """Read and check a logo upload; raise :class:`LogoError` with a translated reason when refused."""
    data = stream.read(LOGO_MAX_BYTES + 1)
    if not data:
        raise LogoError(_l("This file is empty."))
    if len(data) > LOGO_MAX_BYTES:
        raise LogoError(_l("The logo must be at most 512 KB."))
    fmt = logo_format(data)
    if fmt is None:
        raise LogoError(_l("The logo must be a PNG, JPEG or SVG image."))
    if fmt == "svg" and svg_problem(data):
        raise LogoError(
            _l(
                "This SVG file contains a script, a link or a reference to another file. Export it "
                "again as a plain drawing, or send a PNG."
            )
        )
    return CheckedLogo(data=data, content_type=LOGO_TYPES[fmt], sha256=hashlib.sha256(data).hexdigest())


# What pages and documents use ------------------------------------------------------------------


def brand_of(edition: Edition | None) -> Brand | None:
    """The brand of ``edition`` when it has one."""
    if edition is None:
        return None
    return Brand.of(edition.id, edition.brand_primary, edition.brand_accent, edition.brand_logo_sha256)


#: what a page needs of an edition to wear its brand (never the logo's bytes)
BRAND_COLUMNS = (Edition.id, Edition.brand_primary, Edition.brand_accent, Edition.brand_logo_sha256)


def current_brand(db: Any) -> Brand | None:
    """The brand of the edition the home page presents (the current one, else the newest): what a page
    about no edition wears, so the header does not turn to the platform's colours on « Mes
    candidatures », an error page or the organizer's dashboard. Two small queries at most."""
    for query in (queries.current_edition(), queries.editions_newest_first().limit(1)):
        row = db.execute(query.with_only_columns(*BRAND_COLUMNS)).first()
        if row is not None:
            return Brand.of(*row)
    return None


def logo_data_uri(edition: Edition) -> str | None:
    """The logo as a ``data:`` URI, for documents rendered outside a browser (the ceremony PDFs)."""
    if not edition.brand_logo_sha256 or not edition.brand_logo:
        return None
    encoded = base64.b64encode(edition.brand_logo).decode("ascii")
    return f"data:{edition.brand_logo_type};base64,{encoded}"


def document_brand(edition: Edition | None) -> dict[str, Any] | None:
    """The brand of a PDF's header: colours (today's when unset) and the logo; None without a brand."""
    brand = brand_of(edition)
    if brand is None or edition is None:
        return None
    return {
        "primary": brand.primary or "#0a4aa6",
        "accent": brand.accent or "#b0122f",
        "logo": logo_data_uri(edition),
    }
