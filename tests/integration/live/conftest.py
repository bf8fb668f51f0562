"""A live final: a final round with three finalists in pitch order, two jurors (one the chair)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from judging.core.models import utcnow
from judging.results.models import PitchSlot
from tests.conftest import person


@dataclass
class Final:
    round: object
    apps: list
    jurors: list
    chair: object
    cards: dict


@pytest.fixture
def final(make, db, juror):
    prize = make.prize(name={"fr": "Grand prix", "en": "Grand Prize"})
    rnd = make.round(prize, code="final", criteria=0, judging_closes_at=utcnow() + timedelta(days=1))
    make.criterion(rnd, code="pitch", weight=1, min_value=0, max_value=10)
    apps = [make.application(prize, ref=f"FIN-{i}", title=f"Finaliste {i}") for i in (1, 2, 3)]
    chair = person(make, db, "chair@example.org", "Charlotte Présidente", roles=["juror"])
    second = person(make, db, "second@example.org", "Samuel Second", roles=["juror"])
    memberships = make.jury(rnd, chair, juror, second)
    memberships[0].is_chair = True
    cards = {}
    for user in (chair, juror, second):
        for application in apps:
            cards[(user.id, application.id)] = make.scorecard(rnd, user, application, status="assigned")
    for position, application in enumerate(apps):
        db.add(PitchSlot(round_id=rnd.id, application_id=application.id, position=position))
    db.commit()
    return Final(round=rnd, apps=apps, jurors=[chair, juror, second], chair=chair, cards=cards)
