"""What arrives from the network, made safe at one place before any route or form reads it.

Text: every query parameter, form field (urlencoded or multipart, uploaded file names included)
and JSON body loses its C0 control characters (NUL, ESC, ...: tab, line feed and carriage
return stay) and its lone UTF-16 surrogates. PostgreSQL refuses a NUL in text (a 500 before
this), SQLite would store it, and a lone surrogate cannot be encoded as UTF-8 on the next page
that shows it. They are invisible and never meant, so they are dropped silently rather than
refused. ``CleanRequest`` is the application's request class (``create_app``).

Integers: ``int_arg`` and ``ascii_int`` accept ASCII digits only (``str.isdigit`` also accepts
"²", "①" and "٣", which ``int()`` then refuses or reads as another number).

Messages that carry what someone typed (« %(value)s n'est pas un nombre ») are escaped when shown:
flask-babel's ``LazyString.__html__`` returns the text as safe HTML, so Jinja, ``Markup`` and
WTForms would insert a typed ``<script>`` verbatim. ``escape_lazy_messages`` makes a lazy message
HTML-escaped like any other string (no translated message of the project carries markup).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Request, request
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

UNWANTED_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
ASCII_DIGITS = re.compile(r"[0-9]+")
#: the largest id or count a parameter may carry (PostgreSQL's ``integer``)
INT_MAX = 2**31 - 1


def clean_text(value: str) -> str:
    """``value`` without C0 controls (except tab, LF, CR) and lone surrogates."""
    return UNWANTED_CHARACTERS.sub("", value)


def has_unwanted_characters(value: str) -> bool:
    return UNWANTED_CHARACTERS.search(value) is not None


def clean_value(value: Any) -> Any:
    """Strings cleaned, inside lists and dicts (JSON) as well; file names of uploads too."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_value(item) for item in value]
    if isinstance(value, dict):
        return {clean_value(key): clean_value(item) for key, item in value.items()}
    if isinstance(value, FileStorage) and value.filename:
        value.filename = clean_text(value.filename)
    return value


def clean_multidict(data: MultiDict) -> ImmutableMultiDict:
    return ImmutableMultiDict([(clean_text(k), clean_value(v)) for k, v in data.items(multi=True)])


class CleanRequest(Request):
    """Flask's request whose ``args``, ``form``, ``files`` and JSON are cleaned (see the module)."""

    @cached_property
    def args(self) -> ImmutableMultiDict:  # type: ignore[override]
        return clean_multidict(super().args)

    def _load_form_data(self) -> None:
        cleaned = "form" in self.__dict__
        super()._load_form_data()
        if not cleaned:
            self.__dict__["form"] = clean_multidict(self.__dict__["form"])
            self.__dict__["files"] = clean_multidict(self.__dict__["files"])

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        return clean_value(super().get_json(force=force, silent=silent, cache=cache))


def ascii_int(text: Any, *, minimum: int = 0, maximum: int = INT_MAX) -> int | None:
    """``text`` as an int when it is ASCII digits (surrounding spaces allowed) within the bounds.

    None otherwise: "²", "①", "٣", "-1", "1e3", 40 digits, or a value outside the bounds.
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not ASCII_DIGITS.fullmatch(text) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def int_arg(name: str, default: int | None = None, *, minimum: int = 0, maximum: int = INT_MAX) -> Any:
    """The query parameter ``name`` as an int (see ``ascii_int``), or ``default``."""
    number = ascii_int(request.args.get(name), minimum=minimum, maximum=maximum)
    return default if number is None else number


def int_list(values: list[str], *, minimum: int = 1, maximum: int = INT_MAX) -> list[int]:
    """The valid ints of a list of submitted values (ids of checkboxes), in order, others dropped."""
    numbers = (ascii_int(value, minimum=minimum, maximum=maximum) for value in values)
    return [number for number in numbers if number is not None]


def escape_lazy_messages() -> None:
    """A lazy message is plain text: shown in HTML, it is escaped (see the module's docstring)."""
    LazyString.__html__ = _escaped_html  # type: ignore[method-assign]


def _escaped_html(message: LazyString) -> Markup:
    return escape(str(message))


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after a form (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
