"""Check a frozen round's fingerprint: ``judging results EDITION --verify [--from FILE]``.

A snapshot's fingerprint is the SHA-256 of the round's inputs in canonical form (its method,
tie-break, criteria and every counted scorecard: :func:`judging.results.computation.fingerprint`).
:func:`verify_edition` recomputes it for every frozen round of an edition, either from the
current rows of the database or from an edition document in the exchange format (an export,
``judging export``): the document is imported into a private in-memory SQLite database and
its fingerprints computed by the very code that computed the frozen ones, so both sides count
the same scorecards the same way. Nothing is written to the real database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from judging.core.models import Base
from judging.db import make_engine
from judging.editions.models import Edition, Prize, Round
from judging.exchange.import_ import import_edition
from judging.results import computation as results_service
from judging.results.models import ResultSnapshot


@dataclass(frozen=True)
class RoundCheck:
    """One frozen round: its fingerprint when frozen and the one recomputed now (None: no such round)."""

    prize: str
    round: str
    frozen: str
    recomputed: str | None

    @property
    def same(self) -> bool:
        return self.frozen == self.recomputed


def frozen_rounds(db: Session, edition: Edition) -> list[tuple[Prize, Round, ResultSnapshot]]:
    """The edition's rounds that are frozen, with their active snapshot, in the prizes' order."""
    rows = db.execute(
        select(Prize, Round, ResultSnapshot)
        .join(Round, Round.prize_id == Prize.id)
        .join(ResultSnapshot, ResultSnapshot.round_id == Round.id)
        .where(Prize.edition_id == edition.id, ResultSnapshot.invalidated_at.is_(None))
        .order_by(Prize.position, Prize.id, Round.position, Round.id, ResultSnapshot.id)
    ).all()
    newest = {rnd.id: (prize, rnd, snapshot) for prize, rnd, snapshot in rows}  # the newest one wins
    return list(newest.values())


def round_fingerprints(db: Session, edition: Edition) -> dict[tuple[str, str], str]:
    """(prize code, round code) → the fingerprint of the round's current inputs."""
    out: dict[tuple[str, str], str] = {}
    for prize, rounds in results_service.edition_rounds(db, edition):
        inputs = results_service.load_inputs(db, rounds)
        for rnd in rounds:
            out[(prize.code, rnd.code)] = inputs[rnd.id].fingerprint
    return out


def document_fingerprints(document: Any) -> dict[tuple[str, str], str]:
    """The fingerprints of an exchange document's rounds, computed in a throw-away SQLite database.

    Raises :class:`judging.exchange.import_.ImportFailed` (with every error) for a document that
    cannot be
    imported.
    """
    engine = make_engine("sqlite://", poolclass=StaticPool)
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as scratch:
            edition = import_edition(scratch, document)
            scratch.flush()
            return round_fingerprints(scratch, edition)
    finally:
        engine.dispose()


def verify_edition(db: Session, edition: Edition, *, document: Any = None) -> list[RoundCheck]:
    """Each frozen round of ``edition`` with its frozen and its recomputed fingerprint.

    Recomputed from the database's current rows, or from ``document`` (an edition in the exchange
    format) when given; a round the document lacks is recomputed as None (it differs).
    """
    frozen = frozen_rounds(db, edition)
    current = round_fingerprints(db, edition) if document is None else document_fingerprints(document)
    return [
        RoundCheck(
            prize=prize.code,
            round=rnd.code,
            frozen=snapshot.fingerprint,
            recomputed=current.get((prize.code, rnd.code)),
        )
        for prize, rnd, snapshot in frozen
    ]
