"""Who sees results: organizers; the jury chair in deliberation; never other jurors or candidates."""

from __future__ import annotations

import pytest

from judging.jury.models import JuryMembership
from judging.results.models import Decision
from tests.conftest import login
from tests.scenarios import five_by_four, results_url


@pytest.fixture
def setup(make, db):
    edition, prize, rnd, apps, jurors = five_by_four(make, db)
    mention = Decision(
        prize_id=prize.id, application_id=apps["C"].id, outcome="mention", citation={"fr": "x", "en": "x"}
    )
    db.add(mention)
    db.commit()
    return edition, prize, rnd, apps, jurors, mention


def organizer_urls(edition, prize, rnd, mention) -> list[tuple[str, str]]:
    base = results_url(edition, prize, rnd)
    round_base = base.removesuffix("/results")
    mail = f"/organizer/editions/{edition.id}/results/mail/finalist_selected/fr"
    return [
        ("GET", f"/organizer/editions/{edition.id}/results"),
        ("GET", base),
        ("POST", f"{base}/finalists"),
        ("POST", f"{base}/announce"),
        ("POST", f"{base}/pitch-order"),
        ("POST", f"{base}/winner"),
        ("POST", f"{base}/mentions"),
        ("POST", f"{base}/mentions/{mention.id}/remove"),
        ("POST", f"{base}/freeze"),
        ("POST", f"{base}/announce-final"),
        ("GET", f"{base}/export.csv"),
        ("GET", f"{base}/export.xlsx"),
        ("GET", f"{round_base}/scorecards/export.csv"),
        ("GET", f"{round_base}/scorecards/export.xlsx"),
        ("GET", f"{round_base}/deliberation"),
        ("GET", f"{round_base}/phase"),
        ("POST", f"{round_base}/phase"),
        ("POST", f"{round_base}/phase/method"),
        ("GET", mail),
        ("POST", mail),
        ("POST", f"{mail}/reset"),
        ("GET", f"/organizer/editions/{edition.id}/audit"),
        ("GET", f"/organizer/editions/{edition.id}/audit/export.csv"),
    ]


SECRETS = ("data-rank", "81,6667", "78,3333", "Juror M1", "result-row", "krippendorff")


@pytest.mark.parametrize("role", ["juror", "candidate"])
def test_jurors_and_candidates_are_refused_everywhere(app, db, make, client, setup, role):
    edition, prize, rnd, apps, jurors, mention = setup
    user = jurors["L"] if role == "juror" else make.user(email="cand@startup.example", roles=["candidate"])
    db.commit()
    login(client, user)
    for method, url in organizer_urls(edition, prize, rnd, mention):
        response = client.open(url, method=method, data={"target": "judging", "reason": "x", "finalist": "1"})
        assert response.status_code == 403, (method, url)
        body = response.get_data(as_text=True)
        assert not any(secret in body for secret in SECRETS), url
    # nothing moved
    db.expire_all()
    assert db.get(type(rnd), rnd.id).phase == "deliberation"
    assert db.query(Decision).count() == 1


def test_anonymous_visitors_are_sent_to_log_in(app, client, setup):
    edition, prize, rnd, apps, jurors, mention = setup
    for method, url in organizer_urls(edition, prize, rnd, mention):
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert "/auth/login" in response.headers["Location"]


def test_objects_of_another_edition_are_not_found(app, db, make, organizer_client, setup):
    edition, prize, rnd, apps, jurors, mention = setup
    other = make.edition(code="other-2026")
    other_prize = make.prize(other, code="other")
    other_round = make.round(other_prize)
    other_mention = Decision(
        prize_id=other_prize.id, application_id=make.application(other_prize).id, outcome="mention"
    )
    db.add(other_mention)
    db.commit()
    assert organizer_client.get(results_url(edition, prize, rnd)).status_code == 200
    assert (
        organizer_client.get(results_url(other, prize, rnd)).status_code == 404
    )  # prize not in that edition
    assert organizer_client.get(results_url(edition, prize, other_round)).status_code == 404
    assert organizer_client.get(results_url(edition, other_prize, other_round)).status_code == 404
    assert organizer_client.get(results_url(edition, prize, rnd, "deliberation")).status_code == 200
    assert organizer_client.get(results_url(edition, prize, other_round, "deliberation")).status_code == 404
    response = organizer_client.post(
        results_url(edition, prize, rnd, f"results/mentions/{other_mention.id}/remove")
    )
    assert response.status_code == 404
    assert organizer_client.get(f"/organizer/editions/{edition.id}/results/mail/nope/fr").status_code == 404
    assert organizer_client.get("/organizer/editions/9999/audit").status_code == 404


def _make_chair(db, rnd, juror):
    membership = db.query(JuryMembership).filter_by(round_id=rnd.id, user_id=juror.id).one()
    membership.is_chair = True
    db.commit()


def test_the_jury_chair_sees_the_deliberation_view_and_another_juror_does_not(app, db, make, client, setup):
    edition, prize, rnd, apps, jurors, mention = setup
    _make_chair(db, rnd, jurors["M1"])
    url = f"/jury/rounds/{rnd.id}/deliberation"
    login(client, jurors["M1"])
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # every juror's scores, not only the chair's
    for name in ("Juror L", "Juror H", "Juror M1", "Juror M2"):
        assert name in html
    assert response.headers["Cache-Control"] == "private, no-store"
    login(client, jurors["L"])
    assert client.get(url).status_code == 404
    # the chair sees nothing while judging is open
    rnd.phase = "judging"
    db.commit()
    login(client, jurors["M1"])
    assert client.get(url).status_code == 404
    # a candidate is not a juror at all
    login(client, make.user(email="c@startup.example", roles=["candidate"]))
    db.commit()
    assert client.get(url).status_code == 403


def test_the_chair_sees_a_blind_round_without_identities(app, db, make, client, setup):
    edition, prize, rnd, apps, jurors, mention = setup
    rnd.blind = True
    apps["A"].org_name = "Serre Robotique inc."
    apps["A"].title = "Le robot de Serre Robotique"
    _make_chair(db, rnd, jurors["M1"])
    login(client, jurors["M1"])
    html = client.get(f"/jury/rounds/{rnd.id}/deliberation").get_data(as_text=True)
    assert "Serre Robotique" not in html
    assert "A · Le robot de ▒▒▒" in html


def test_jurors_pages_show_no_ranking(app, db, client, setup):
    edition, prize, rnd, apps, jurors, mention = setup
    rnd.phase = "judging"
    db.commit()
    login(client, jurors["L"])
    body = client.get("/jury/").get_data(as_text=True)
    assert not any(secret in body for secret in SECRETS)
    assert "Juror H" not in body
