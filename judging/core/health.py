"""``GET /healthz``: is this server ready to serve? For load balancers, monitors and systemd.

200 ``{"status": "ok"}`` when the database answers and its schema is at the newest migration this
code ships; 503 otherwise. Nothing private: no versions, no error text, no login. One query.
"""

from __future__ import annotations

import functools
import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from judging.core.migrate import head_revision
from judging.db import get_engine
from judging.extensions import limiter

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@functools.cache
def _head() -> str:
    return head_revision()


def schema_at_head(connection) -> bool:
    version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return version == _head()


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        with get_engine().connect() as connection:
            ready = schema_at_head(connection)
    except SQLAlchemyError as error:  # unreachable, wrong credentials, no schema yet
        log.warning("health check: database unavailable: %s", error.__class__.__name__)
        ready = False
    response = jsonify(status="ok" if ready else "unavailable")
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
