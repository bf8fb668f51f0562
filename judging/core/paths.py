"""Where the app's folders are: inside the installed package, or at the top of a checkout.

A wheel carries ``templates/``, ``static/`` and ``migrations/`` in ``judging/_bundled/`` (see
``setup.py``); a checkout (editable install, or running from the source tree) keeps them at its
top level. One function decides, so the app, Alembic and the CLI never guess.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
CHECKOUT = PACKAGE.parent
BUNDLED = PACKAGE / "_bundled"


def resource_folder(name: str) -> Path:
    """The folder ``name`` (``templates``, ``static`` or ``migrations``) this installation uses."""
    bundled = BUNDLED / name
    if bundled.is_dir():
        return bundled
    return CHECKOUT / name
