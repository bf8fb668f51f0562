"""What validation, import and export of the edition exchange format share: names, defaults, values.

The contract is ``shared/spec/edition-format.md``; docs/exchange.md lists what we add.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

FORMAT = "judging-edition/1"
TOP_LEVEL_LISTS = ("prizes", "people", "juries", "applications", "conflicts", "scorecards", "decisions")
DEFAULT_TIMEZONE = "America/Montreal"
DEFAULT_CONFLICT_SOURCE = "imported"
DEFAULT_PHASE = "setup"


def show_value(value: Any) -> str:
    """A value as quoted in an error message: a string in double quotes, anything else as Python writes it."""
    return repr(value) if not isinstance(value, str) else f'"{value}"'


def to_decimal(value: int | float) -> Decimal:
    return Decimal(value) if isinstance(value, int) else Decimal(str(value))


def number_out(value: Decimal | None) -> int | float | None:
    """A stored number as the document writes it: an integer when it is whole."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string with an offset, else None."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None and parsed.utcoffset() is not None else None
