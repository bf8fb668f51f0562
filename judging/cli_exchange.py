"""``judging import``, ``export`` and ``demo`` (filled in by the exchange work)."""

from flask import Flask


def register(app: Flask) -> None:
    return None
