"""Run Alembic migrations from code (the CLI and the tests share this)."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config

from . import ROOT


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    cfg.attributes["skip_logging"] = True
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    command.upgrade(alembic_config(database_url), revision)
