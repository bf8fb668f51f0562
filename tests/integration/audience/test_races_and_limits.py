"""One vote per person under real threads; throttled code requests; the result the ceremony reads."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from judging.audience import queries
from judging.audience.models import AudienceVote, AudienceVoter
from judging.core import clock
from tests.integration.audience.conftest import sign_in_with_code, vote


def same_phone(client):
    """A second client carrying the first one's session (the same phone sending two requests)."""
    twin = client.application.test_client()
    twin.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    return twin


@pytest.mark.committing  # real threads, each request on its own connection
@pytest.mark.parametrize("round_", range(3))
def test_two_votes_sent_at_once_by_one_person_are_one_vote(client, db, evening, round_):
    sign_in_with_code(client, db, f"ana{round_}@example.org")
    phones = [client, same_phone(client)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(phone, finalist) -> None:
        barrier.wait()
        statuses.append(vote(phone, finalist).status_code)

    threads = [
        threading.Thread(target=send, args=(phone, finalist))
        for phone, finalist in zip(phones, evening.finalists[:2], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    db.expire_all()
    stored = db.scalars(select(AudienceVote)).all()
    assert len(stored) == 1
    assert stored[0].application_id in {evening.finalists[0].id, evening.finalists[1].id}
    assert queries.tally(db, evening.award).counted == 1


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


def test_code_requests_are_throttled_per_address(client, db, evening):
    for _ in range(3):
        assert client.post("/audience/mtl-2026/code", data={"email": "Ana@Example.org"}).status_code == 302
    response = client.post("/audience/mtl-2026/code", data={"email": "ana@example.org "})
    assert response.status_code == 429
    assert client.post("/audience/mtl-2026/code", data={"email": "bea@example.org"}).status_code == 302
    voter = db.scalars(select(AudienceVoter).where(AudienceVoter.email == "ana@example.org")).one()
    assert voter.codes_requested == 3


def test_the_ceremony_reads_the_result_after_closing_and_shows_it_publicly_after_the_reveal(
    client, db, evening
):
    for email, finalist in (("a@x.org", 1), ("b@y.org", 1), ("c@z.org", 2)):
        phone = client.application.test_client()
        sign_in_with_code(phone, db, email)
        vote(phone, evening.finalists[finalist])
    assert queries.audience_result(db, evening.edition) is None  # still open: nobody reads it
    evening.award.state, evening.award.closes_at = "closed", clock.now()
    db.commit()
    result = queries.audience_result(db, evening.edition)
    assert [a.title for a in result.winners] == ["Boréal Santé"]
    assert [(a.title, votes, rank) for a, votes, rank in result.finalists] == [
        ("Boréal Santé", 2, 1),
        ("Cobalt Climat", 1, 2),
        ("Aurore Robotique", 0, 3),
    ]
    assert (result.counted, result.tied, result.public) == (3, False, False)
    evening.edition.winners_public_at = clock.now() - timedelta(seconds=1)
    db.commit()
    assert queries.audience_result(db, evening.edition).public is True


def test_the_vote_page_names_the_winner_only_after_the_ceremony_reveal(client, db, evening):
    for email, finalist in (("a@x.org", 2), ("b@y.org", 2), ("c@z.org", 0)):
        phone = client.application.test_client()
        sign_in_with_code(phone, db, email)
        vote(phone, evening.finalists[finalist])
    evening.award.state, evening.award.closes_at = "closed", clock.now()
    evening.edition.winners_public_at = clock.now() + timedelta(days=2)  # the ceremony, later
    db.commit()
    page = client.get("/audience/mtl-2026").get_data(as_text=True)
    assert "audience-result" not in page
    assert "Cobalt Climat" not in page
    evening.edition.winners_public_at = clock.now() - timedelta(minutes=1)  # revealed
    db.commit()
    page = client.get("/audience/mtl-2026").get_data(as_text=True)
    assert re.search(r"Le prix du public est remis à</h2>\s*<ul[^>]*><li>Cobalt Climat</li></ul>", page)
