"""What a scorecard holds, read back: its values by criterion code and the state the audit log keeps.

Read-only helpers on a loaded :class:`~judging.jury.models.Assignment`, below both
:mod:`judging.jury.operations` (removing a scorecard records its state) and
:mod:`judging.jury.scoring` (every change records it before and after).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from judging.jury.models import Assignment


def plain(value: Decimal | int) -> str:
    """``Decimal("7.5000")`` → ``7.5``; ``Decimal("10.0000")`` → ``10``."""
    value = Decimal(value)
    text = format(value.normalize(), "f")
    return text


def card_values(card: Assignment) -> dict[str, Decimal]:
    codes = {c.id: c.code for c in card.round.criteria}
    return {codes[s.criterion_id]: s.value for s in card.scores if s.criterion_id in codes}


def scorecard_state(card: Assignment) -> dict[str, Any]:
    """What the audit log keeps of a scorecard, before and after a change."""
    return {
        "status": card.status,
        "scores": {code: plain(value) for code, value in sorted(card_values(card).items())},
        "comment": card.comment,
        "comment_to_candidate": card.comment_to_candidate,
        "abstain_reason": card.abstain_reason,
    }
