"""An edition's setup records from the URL: missing, or under another parent than the URL names → 404."""

from __future__ import annotations

from judging.core.loading import load_or_404
from judging.editions.models import Criterion, Edition, Prize, Question, Round


def load_edition(edition_id: int) -> Edition:
    return load_or_404(Edition, edition_id)


def load_prize(edition_id: int, prize_id: int) -> tuple[Edition, Prize]:
    edition = load_edition(edition_id)
    return edition, load_or_404(Prize, prize_id, parent=edition)


def load_round(edition_id: int, prize_id: int, round_id: int) -> tuple[Edition, Prize, Round]:
    edition, prize = load_prize(edition_id, prize_id)
    return edition, prize, load_or_404(Round, round_id, parent=prize)


def load_criterion(
    edition_id: int, prize_id: int, round_id: int, criterion_id: int
) -> tuple[Edition, Prize, Round, Criterion]:
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    return edition, prize, rnd, load_or_404(Criterion, criterion_id, parent=rnd)


def load_question(edition_id: int, prize_id: int, question_id: int) -> tuple[Edition, Prize, Question]:
    edition, prize = load_prize(edition_id, prize_id)
    return edition, prize, load_or_404(Question, question_id, parent=prize)
