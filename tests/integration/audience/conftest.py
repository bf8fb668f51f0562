"""An edition with three finalists and an audience award; helpers to vote as a phone would."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from judging.audience.models import AudienceAward, AudienceCandidate
from judging.core.models import utcnow
from judging.mail.models import OutgoingMail
from judging.results.models import Decision

CODE_RE = re.compile(r"^\s{4}([0-9]{6})\s*$", re.M)
LINK_RE = re.compile(r"(http\S+/audience/\S+/l/\S+)")


@dataclass
class Evening:
    edition: object
    finalists: list
    outsider: object
    award: AudienceAward


def finalist_setup(make, db, *, state: str = "open") -> Evening:
    edition = make.edition(code="mtl-2026", open_now=False)
    prize = make.prize(edition)
    finalists = [
        make.application(prize, title=title, ref=f"MTL-{n}")
        for n, title in enumerate(["Aurore Robotique", "Boréal Santé", "Cobalt Climat"], start=1)
    ]
    outsider = make.application(prize, title="Dune Logistique", ref="MTL-9")
    for application in finalists:
        db.add(Decision(prize_id=prize.id, application_id=application.id, outcome="finalist"))
    award = AudienceAward(edition_id=edition.id, state=state, opens_at=utcnow() if state != "setup" else None)
    db.add(award)
    db.flush()
    for position, application in enumerate(finalists):
        db.add(AudienceCandidate(award_id=award.id, application_id=application.id, position=position))
    db.commit()
    return Evening(edition, finalists, outsider, award)


@pytest.fixture
def evening(make, db) -> Evening:
    return finalist_setup(make, db)


def last_code(db, email: str) -> str:
    mail = db.scalars(
        select(OutgoingMail).where(OutgoingMail.to_address == email).order_by(OutgoingMail.id.desc())
    ).first()
    return CODE_RE.search(mail.body_text).group(1)


def sign_in_with_code(client, db, email: str, code_url: str = "/audience/mtl-2026") -> None:
    response = client.post(f"{code_url}/code", data={"email": email})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post(f"{code_url}/verify", data={"code": last_code(db, email)})
    assert response.status_code == 302, response.get_data(as_text=True)


def vote(client, application, code_url: str = "/audience/mtl-2026"):
    return client.post(f"{code_url}/ballot", data={"choice": str(application.id)})


def organizer_client(app, organizer):
    from tests.conftest import login

    client = app.test_client()
    login(client, organizer)
    return client


def personal_link(app, db, evening, organizer, email: str) -> str:
    """Import ``email`` as an attendee and send the links, as an organizer does; the link from the mail."""
    client = organizer_client(app, organizer)
    url = f"/organizer/editions/{evening.edition.id}/audience"
    data = {"attendees": (io.BytesIO(f"Béa Tremblay,{email},fr\n".encode()), "attendees.csv")}
    assert client.post(url + "/attendees", data=data, content_type="multipart/form-data").status_code == 200
    assert client.post(url + "/links").status_code == 302
    mail = db.scalars(select(OutgoingMail).where(OutgoingMail.to_address == email)).one()
    return "/" + LINK_RE.search(mail.body_text).group(1).split("/", 3)[3]
