"""The organizer's side of the audience award: setup, attendees, voiding, the hidden tally, the export."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from judging.audience import queries
from judging.audience.models import AudienceVote, AudienceVoter
from judging.audience.tally import ballots_from_csv, count_votes
from judging.core.audit_event import AuditEvent
from judging.core.models import utcnow
from tests.conftest import login
from tests.integration.audience.conftest import finalist_setup, sign_in_with_code, vote
from tests.scenarios import pdf_text

#: counts no page may show before the organizer chooses to look (above 60: never a minute or a day)
HIDDEN_COUNTS = (97, 89)


def url(evening, tail: str = "") -> str:
    return f"/organizer/editions/{evening.edition.id}/audience{tail}"


def stuff_votes(db, evening, counts, *, voided_for=None) -> None:
    """``counts[i]`` stored votes for finalist ``i`` (and ``voided_for`` voided ones for finalist 0)."""
    n = 0
    for finalist, count in zip(evening.finalists, counts, strict=False):
        for _ in range(count):
            n += 1
            voter = AudienceVoter(
                award_id=evening.award.id, email=f"{letters(n)}@voters.example", network="10.0.0.0/24"
            )
            db.add(voter)
            db.flush()
            db.add(
                AudienceVote(
                    award_id=evening.award.id,
                    voter_id=voter.id,
                    application_id=finalist.id,
                    cast_at=utcnow(),
                    network="10.0.0.0/24",
                )
            )
    for _ in range(voided_for or 0):
        n += 1
        voter = AudienceVoter(award_id=evening.award.id, email=f"{letters(n)}@voters.example")
        db.add(voter)
        db.flush()
        db.add(
            AudienceVote(
                award_id=evening.award.id,
                voter_id=voter.id,
                application_id=evening.finalists[1].id,
                cast_at=utcnow(),
                voided_at=utcnow(),
                void_reason="doublon",
            )
        )
    db.commit()


def letters(n: int) -> str:
    """A voter's name without digits (a number in an address would look like a leaked count)."""
    name = ""
    while n:
        n, rest = divmod(n, 26)
        name += "abcdefghijklmnopqrstuvwxyz"[rest]
    return "voter-" + name


def shown_numbers(html: str) -> set[int]:
    text = re.sub(r"<[^>]+>", " ", html)
    return {int(n) for n in re.findall(r"(?<![\d.,:])\d+(?![\d.,:])", text)}


def test_the_tally_is_hidden_until_an_organizer_chooses_to_look_which_is_logged(
    client, db, evening, organizer
):
    stuff_votes(db, evening, HIDDEN_COUNTS)
    voter_phone = client.application.test_client()
    sign_in_with_code(voter_phone, db, "ana@example.org")
    login(client, organizer)
    pages = [
        client.get(url(evening)).get_data(as_text=True),
        client.get(url(evening, "/screen")).get_data(as_text=True),
        voter_phone.get("/audience/mtl-2026").get_data(as_text=True),
        client.get(f"/organizer/editions/{evening.edition.id}").get_data(as_text=True),
    ]
    for page in pages:
        assert not shown_numbers(page) & set(HIDDEN_COUNTS)
    assert sum(HIDDEN_COUNTS) in shown_numbers(pages[0])  # the turnout is not a secret
    assert client.get(url(evening, "/tally")).status_code == 405  # no GET shows it
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "audience.tally_viewed")).all() == []

    looked = client.post(url(evening, "/tally")).get_data(as_text=True)
    rows = re.findall(r"<tr><td>(\d+)[^<]*</td><td>([^<]+?) <span", looked)
    assert [(int(rank), title) for rank, title in rows] == [
        (1, "Aurore Robotique"),
        (2, "Boréal Santé"),
        (3, "Cobalt Climat"),
    ]
    assert {97, 89} <= shown_numbers(looked)
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "audience.tally_viewed")).all()
    assert [(e.actor_id, e.edition_id) for e in events] == [(organizer.id, evening.edition.id)]


def test_the_export_reproduces_the_tally_with_voided_votes_marked(client, db, evening, organizer):
    stuff_votes(db, evening, (4, 6, 1), voided_for=3)
    login(client, organizer)
    response = client.post(url(evening, "/export.csv"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    ballots = ballots_from_csv(response.data)
    refs = [a.ref for a in evening.finalists]
    recounted = count_votes(ballots, refs)
    assert recounted == queries.tally(db, evening.award)
    assert [(c.ref, c.votes, c.rank) for c in recounted.counts] == [
        ("MTL-2", 6, 1),
        ("MTL-1", 4, 2),
        ("MTL-3", 1, 3),
    ]
    assert (recounted.counted, recounted.voided) == (11, 3)
    assert "doublon" in response.data.decode("utf-8-sig")
    assert "@" not in response.data.decode("utf-8-sig")  # voters are numbers in the export
    assert db.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "audience.votes_exported")
    ).all() == ["audience.votes_exported"]


def test_voiding_needs_a_reason_is_logged_and_the_voter_cannot_vote_again(client, db, evening, organizer):
    phone = client.application.test_client()
    sign_in_with_code(phone, db, "ana@example.org")
    assert vote(phone, evening.finalists[0]).status_code == 302
    stored = db.scalars(select(AudienceVote)).one()
    login(client, organizer)
    response = client.post(url(evening, f"/votes/{stored.id}/void"), data={"reason": "  "})
    assert response.status_code == 400
    assert "Indiquez pourquoi le vote est annulé." in response.get_data(as_text=True)
    db.expire_all()
    assert stored.voided_at is None
    assert (
        client.post(
            url(evening, f"/votes/{stored.id}/void"), data={"reason": "Même personne, deux adresses"}
        ).status_code
        == 302
    )
    db.expire_all()
    assert stored.void_reason == "Même personne, deux adresses"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "audience.vote_voided")).one()
    assert (event.reason, event.actor_id) == ("Même personne, deux adresses", organizer.id)
    response = vote(phone, evening.finalists[1])
    assert response.status_code == 403
    assert "Votre vote a été annulé par l’organisation. Rien n’a été compté." in response.get_data(
        as_text=True
    )
    db.expire_all()
    assert (stored.application_id, queries.tally(db, evening.award).counted) == (evening.finalists[0].id, 0)


def test_a_vote_of_another_edition_cannot_be_voided_from_this_one(client, db, make, evening, organizer):
    phone = client.application.test_client()
    sign_in_with_code(phone, db, "ana@example.org")
    vote(phone, evening.finalists[0])
    stored = db.scalars(select(AudienceVote)).one()
    other = make.edition()
    db.commit()
    login(client, organizer)
    assert (
        client.post(
            f"/organizer/editions/{other.id}/audience/votes/{stored.id}/void", data={"reason": "x"}
        ).status_code
        == 404
    )


def test_attendee_import_reports_bad_rows_by_line_and_keeps_the_good_ones(client, db, evening, organizer):
    login(client, organizer)
    csv_text = (
        "nom,courriel,langue\n"
        "Ana Roy,ana@example.org,fr\n"
        "Bob,not-an-address,en\n"
        "Chloé Dubé;chloe@example.org;en\n"
        "Dan Li,dan@example.org,de\n"
        "Eve,EVE@Example.org\n"
    )
    data = {"attendees": (io.BytesIO(csv_text.encode()), "list.csv")}
    response = client.post(url(evening, "/attendees"), data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    problems = re.findall(r"<li>Ligne (\d+)\xa0:", page)
    assert problems == ["3", "4", "5"]
    emails = db.scalars(select(AudienceVoter.email).order_by(AudienceVoter.email)).all()
    assert emails == ["ana@example.org", "eve@example.org"]


def test_attendee_import_of_any_bytes_is_a_message_never_a_500(client, db, evening, organizer):
    login(client, organizer)
    for junk in (bytes(range(256)) * 4, b"\xff\xfe\x00a\x00b", b"", 'é,"unclosed\n'.encode(), b"a\x00b,c\n"):
        data = {"attendees": (io.BytesIO(junk), "junk.csv")}
        response = client.post(url(evening, "/attendees"), data=data, content_type="multipart/form-data")
        assert response.status_code in (200, 400, 422), junk
        assert db.scalars(select(AudienceVoter)).all() == []


def test_setup_accepts_only_finalists_and_two_of_them_before_opening(client, db, make, organizer):
    evening = finalist_setup(make, db, state="setup")
    login(client, organizer)
    assert client.get("/audience/mtl-2026").status_code == 404  # no vote page before opening
    response = client.post(url(evening, "/finalists"), data={"finalists": [str(evening.outsider.id)]})
    assert response.status_code == 400
    assert "Seuls les finalistes de l’édition peuvent faire partie du prix du public." in response.get_data(
        as_text=True
    )
    assert (
        client.post(
            url(evening, "/finalists"), data={"finalists": [str(evening.finalists[0].id)]}
        ).status_code
        == 302
    )
    response = client.post(url(evening, "/open"))
    assert response.status_code == 400
    assert "Choisissez au moins deux finalistes avant d’ouvrir le vote." in response.get_data(as_text=True)
    ids = [str(a.id) for a in evening.finalists[:2]]
    assert client.post(url(evening, "/finalists"), data={"finalists": ids}).status_code == 302
    assert client.post(url(evening, "/open")).status_code == 302
    assert client.post(url(evening, "/finalists"), data={"finalists": ids}).status_code == 409
    assert client.get("/audience/mtl-2026").status_code == 200
    assert client.post(url(evening, "/close")).status_code == 302
    db.expire_all()
    assert evening.award.state == "closed"


def test_organizer_pages_are_for_organizers(client, db, evening, juror):
    assert client.get(url(evening)).status_code == 302  # to the login page
    login(client, juror)
    for method, tail in (
        ("get", ""),
        ("post", "/tally"),
        ("post", "/export.csv"),
        ("get", "/screen"),
        ("get", "/sheet.pdf"),
    ):
        assert getattr(client, method)(url(evening, tail)).status_code == 403


def test_the_printable_sheet_and_the_projector_page_carry_the_vote_address(client, db, evening, organizer):
    login(client, organizer)
    sheet = client.get(url(evening, "/sheet.pdf"))
    assert sheet.mimetype == "application/pdf"
    text = pdf_text(sheet.data)
    assert "http://localhost/audience/mtl-2026" in text
    assert "Aurore Robotique" in text and "Votez pour le prix du public" in text
    screen = client.get(url(evening, "/screen")).get_data(as_text=True)
    assert "<svg" in screen and "http://localhost/audience/mtl-2026" in screen
    qr = client.get("/audience/mtl-2026/qr.svg")
    assert qr.mimetype == "image/svg+xml" and qr.data.startswith(b"<svg")


def test_the_projector_page_says_when_the_vote_has_closed(client, db, evening, organizer):
    """After the vote closed, the projector still asked the room to scan the code and vote."""
    login(client, organizer)
    screen = client.get(url(evening, "/screen")).get_data(as_text=True)
    assert "Balayez le code" in screen and 'id="screen-closed"' not in screen
    assert client.post(url(evening, "/close")).status_code == 302
    screen = client.get(url(evening, "/screen")).get_data(as_text=True)
    assert '<p class="fs-5" id="screen-closed">Le vote du public est terminé.</p>' in screen
    assert "Balayez le code" not in screen


def test_fraud_signals_show_a_burst_from_one_network_a_crowded_domain_and_unused_codes(
    client, db, evening, organizer
):
    from datetime import timedelta

    now = utcnow()
    for n in range(12):  # twelve votes from one network within 40 seconds
        voter = AudienceVoter(
            award_id=evening.award.id, email=f"{letters(n + 1)}@bulk.example", network="198.51.100.0/24"
        )
        db.add(voter)
        db.flush()
        db.add(
            AudienceVote(
                award_id=evening.award.id,
                voter_id=voter.id,
                application_id=evening.finalists[0].id,
                cast_at=now + timedelta(seconds=n * 3),
                network="198.51.100.0/24",
            )
        )
    for n in range(3):  # asked for a code and never typed it
        db.add(
            AudienceVoter(
                award_id=evening.award.id,
                email=f"silent-{letters(n + 1)}@else.example",
                code_requested_at=now,
                codes_requested=1,
                network="192.0.2.0/24",
            )
        )
    db.commit()
    login(client, organizer)
    page = client.get(url(evening)).get_data(as_text=True)
    network_rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>", page)
    assert network_rows == [("198.51.100.0/24", "12", "12", "12")]
    domain_rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>(\d+)</td></tr>", page)
    assert domain_rows == [("bulk.example", "12", "12")]
    unused = re.findall(r"<li>(silent-[a-z-]+@else\.example) ·", page)
    assert sorted(unused) == sorted(f"silent-{letters(n + 1)}@else.example" for n in range(3))
    signals = queries.signals(db, evening.award)
    assert [s.busiest_minute for s in signals.networks] == [12]
