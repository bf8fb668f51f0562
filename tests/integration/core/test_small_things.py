"""Issue 15, the small things a person trips on (items 9 to 13), through the test client."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from judging.accounts.models import User
from tests.conftest import deliver_outbox, login


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def _link_in(body: str) -> str:
    match = re.search(r"https?://\S+", body)
    assert match, body
    return match.group(0).split("localhost", 1)[-1]


def _page(response) -> str:
    return response.get_data(as_text=True)


# Item 9: from a prize's "Apply" button, through registration and the mailed link, back to the prize


def test_registering_from_a_prize_returns_to_that_prize_after_confirmation(
    app, client, db, make, smtp_server
):
    prize = make.prize()
    db.commit()
    apply_path = f"/candidate/prizes/{prize.id}/apply"

    to_login = client.get(apply_path)
    assert to_login.status_code == 302
    login_page = client.get(to_login.headers["Location"])
    register_href = re.search(r'href="([^"]+)" id="register-link"', _page(login_page)).group(1)
    assert "next=" in register_href

    data = {
        "name": "Léa Tremblay",
        "email": "lea@example.com",
        "password": "Bonjour-Montreal-42",
        "confirm": "Bonjour-Montreal-42",
        "language": "fr",
    }
    assert client.post(register_href.replace("&amp;", "&"), data=data).status_code == 200
    deliver_outbox(app)
    [message] = smtp_server.to("lea@example.com")
    confirmed = client.get(_link_in(smtp_server.body(message)))
    assert confirmed.status_code == 302
    logged_in = client.post(
        confirmed.headers["Location"], data={"email": "lea@example.com", "password": "Bonjour-Montreal-42"}
    )
    assert logged_in.headers["Location"] == apply_path
    assert prize.name["fr"] in _page(client.get(apply_path))


def test_a_confirmation_link_never_leads_off_site(app, client, db, make):
    from judging.accounts.operations import make_token

    user = make.user(email="m@example.org", confirmed=False)
    db.commit()
    with app.test_request_context():
        token = make_token(user, "confirm")
    response = client.get(f"/auth/confirm/{token}?next=https://evil.example/x")
    assert "evil" not in response.headers["Location"]
    assert db.scalars(select(User).where(User.email == "m@example.org")).one().email_confirmed_at is not None


@pytest.mark.parametrize("roles", [("juror",), ("organizer",)])
def test_jurors_and_organizers_see_no_apply_button_that_ends_in_403(client, db, make, roles):
    prize = make.prize()
    person = make.user(roles=roles)
    db.commit()
    login(client, person)
    page = _page(client.get("/candidate/prizes"))
    assert prize.name["fr"] in page
    assert f"/candidate/prizes/{prize.id}/apply" not in page


@pytest.mark.parametrize("roles", [("juror",), ("organizer",)])
def test_the_home_page_shows_jurors_and_organizers_no_apply_button_either(client, db, make, roles):
    """The home page's "Apply" buttons lead to the prizes page, where these accounts get no way to apply."""
    prize = make.prize()
    person = make.user(roles=roles)
    db.commit()
    login(client, person)
    page = _page(client.get("/"))
    assert prize.name["fr"] in page
    assert 'id="apply-now"' not in page
    assert "Poser sa candidature" not in page


def test_the_home_page_shows_visitors_and_candidates_the_apply_buttons(client, db, make):
    prize = make.prize()
    db.commit()
    assert f'href="/candidate/prizes#prize-{prize.id}"' in _page(client.get("/"))
    candidate = make.user()
    db.commit()
    login(client, candidate)
    page = _page(client.get("/"))
    assert 'id="apply-now"' in page and f'href="/candidate/prizes#prize-{prize.id}"' in page


def test_visitors_and_candidates_still_see_the_apply_button(client, db, make):
    prize = make.prize()
    db.commit()
    assert f"/candidate/prizes/{prize.id}/apply" in _page(client.get("/candidate/prizes"))
    candidate = make.user()
    db.commit()
    login(client, candidate)
    assert f"/candidate/prizes/{prize.id}/apply" in _page(client.get("/candidate/prizes"))


# Item 10: one rule for addresses, in `judging create-organizer` and on the login form


@pytest.mark.parametrize(
    "address", ["boss@mtl.test", "boss@intranet.local", "boss.@example.org", "boss@localhost"]
)
def test_create_organizer_refuses_what_the_login_form_refuses(runner, client, db, address):
    login_page = client.post("/auth/login", data={"email": address, "password": "Organise-2026!"})
    assert "Entrez une adresse courriel valide." in _page(login_page)

    result = runner.invoke(
        args=["create-organizer", "--email", address, "--name", "Bea", "--password", "Organise-2026!"]
    )
    assert result.exit_code == 1
    assert "Entrez une adresse courriel valide." in result.output
    assert db.scalars(select(User)).all() == []


def test_an_organizer_created_from_the_command_logs_in_with_the_address_as_typed(runner, client, db):
    typed = "  Bea.Boss@Example.org "
    result = runner.invoke(
        args=["create-organizer", "--email", typed, "--name", "Bea", "--password", "Organise-2026!"]
    )
    assert result.exit_code == 0, result.output
    response = client.post("/auth/login", data={"email": typed, "password": "Organise-2026!"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/organizer/")


# Item 11: every field has its own label and id


def _labels_and_ids(html: str) -> tuple[list[str], list[str]]:
    ids = re.findall(r'<(?:input|textarea|select)[^>]*\sid="([^"]+)"', html)
    return re.findall(r'<label[^>]*\sfor="([^"]+)"', html), ids


def _assert_every_label_has_its_own_field(html: str) -> None:
    labels, ids = _labels_and_ids(html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert len(labels) == len(set(labels)), sorted(i for i in labels if labels.count(i) > 1)
    assert set(labels) <= set(ids)


def test_the_screening_boxes_of_an_application_page_each_have_their_own_field(organizer_client, make, db):
    application = make.application(make.prize(), ref="INN-030")
    db.commit()
    url = f"/organizer/editions/{application.edition_id}/applications/{application.id}"
    html = _page(organizer_client.get(url))
    _assert_every_label_has_its_own_field(html)
    for reason in ("decide-reason", "extend-reason", "reopen-reason"):
        assert f'<label class="form-label" for="{reason}">' in html
    # the names posted are unchanged: a refused reopening shows what was typed in its own box
    refused = _page(
        organizer_client.post(url + "/reopen", data={"reason": "Ajoutez le budget.", "extend_to": "x"})
    )
    assert re.search(r'<textarea[^>]*id="reopen-reason"[^>]*>\s*Ajoutez le budget.</textarea>', refused)


def test_the_manual_assignment_reference_box_has_its_own_label(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=2)
    make.jury(rnd, make.user(name="Nadia Noor", roles=["juror"]), make.user(name="Omar Roy", roles=["juror"]))
    make.application(prize, ref="INN-010")
    db.commit()
    url = f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/{rnd.id}/jury"
    html = _page(organizer_client.get(url))
    _assert_every_label_has_its_own_field(html)
    assert 'for="by-ref-application_ref"' in html and 'for="conflict-application_ref"' in html


def test_the_round_form_describes_its_method_box_by_one_element_only(organizer_client, make, db):
    """The method's help line and the « What each method does » box shared the id ``method-help``."""
    prize = make.prize()
    db.commit()
    html = _page(organizer_client.get(f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/new"))
    _assert_every_label_has_its_own_field(html)
    visible_ids = re.findall(r'<(?!input[^>]*type="hidden")[a-z]+[^>]*\sid="([^"]+)"', html)
    assert sorted(i for i in visible_ids if visible_ids.count(i) > 1) == []
    assert 'aria-describedby="method-help"' in html and html.count('id="method-help"') == 1


# Item 12: the live final


def _spaces(text: str) -> str:
    """Every kind of space as an ordinary one (the formatter's choice of space is not tested here)."""
    return re.sub(r"[\u00a0\u202f]", " ", text)


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


def test_the_live_final_confirms_inside_the_pitch_just_scored_and_shows_pitch_times(client, db, make):
    from datetime import UTC, datetime

    from judging.results.models import PitchSlot

    juror = make.user(name="Jeanne Juré", roles=["juror"])
    prize = make.prize()
    final = make.round(prize, code="final", criteria=0, jurors_per_application=3)
    make.criterion(final, code="pitch", weight=1, min_value=0, max_value=10)
    first, second = make.application(prize, ref="FIN-1"), make.application(prize, ref="FIN-2")
    make.jury(final, juror)
    for application in (first, second):
        make.scorecard(final, juror, application, status="assigned")
    # 19 h 05 and 19 h 15 in Montréal (EST, UTC−5)
    db.add(
        PitchSlot(
            round_id=final.id,
            application_id=first.id,
            position=0,
            starts_at=datetime(2026, 12, 10, 0, 5, tzinfo=UTC),
        )
    )
    db.add(
        PitchSlot(
            round_id=final.id,
            application_id=second.id,
            position=1,
            starts_at=datetime(2026, 12, 10, 0, 15, tzinfo=UTC),
        )
    )
    db.commit()
    login(client, juror)
    live = f"/jury/rounds/{final.id}/live"
    html = _page(client.get(live))
    assert "Présentation à 19 h 05" in _spaces(_section(html, f"pitch-{first.id}"))
    assert "Présentation à 19 h 15" in _spaces(_section(html, f"pitch-{second.id}"))

    response = client.post(f"{live}/{second.id}", data={"score-pitch": "8"})
    assert response.headers["Location"].endswith(f"#pitch-{second.id}")
    html = _page(client.get(response.headers["Location"]))
    confirmation = f"Note de FIN-2 · {second.title} soumise."
    assert confirmation in _section(html, f"pitch-{second.id}")
    assert html.count(confirmation) == 1  # there, not (also) at the top of the page
    assert "Note de" not in _section(html, f"pitch-{first.id}")


def test_a_declared_conflict_leaves_the_jurors_list_as_the_message_says(client, db, make):
    juror = make.user(name="Jeanne Juré", roles=["juror"])
    prize = make.prize()
    rnd = make.round(prize, criteria=1)
    make.jury(rnd, juror)
    kept, left = make.application(prize, ref="INN-001"), make.application(prize, ref="INN-002")
    for application in (kept, left):
        make.scorecard(rnd, juror, application, status="assigned")
    db.commit()
    login(client, juror)
    response = client.post(
        f"/jury/rounds/{rnd.id}/applications/{left.id}/recuse", data={"recuse-reason": "Ma sœur l’a fondée"}
    )
    dashboard = _page(client.get(response.headers["Location"]))
    assert "le dossier quitte votre liste" in dashboard
    to_score = dashboard[dashboard.index('class="list-group list-group-numbered scorecards"') :]
    to_score = to_score[: to_score.index("</ol>")]
    assert "INN-001" in to_score and "INN-002" not in to_score
    assert "Conflit déclaré" in dashboard  # still said, apart from the list


def _english(client) -> None:
    with client.session_transaction() as flask_session:
        flask_session["lang"] = "en"


def test_the_shortage_reason_counts_conflicts_and_abstentions_apart(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, jurors_per_application=3)
    abstaining, conflicted, free = (make.user(name=n, roles=["juror"]) for n in ("Alice", "Bruno", "Chloé"))
    make.jury(rnd, abstaining, conflicted, free)
    application = make.application(prize, ref="INN-002")
    make.scorecard(rnd, abstaining, application, status="abstained")
    make.conflict(conflicted, application, source="organization", reason="same organization")
    db.commit()
    _english(organizer_client)
    url = f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/{rnd.id}/jury/assign"
    html = _page(organizer_client.post(url, data={}, follow_redirects=True))
    assert "INN-002: 2 missing — only 1 eligible juror for 3 places (1 in conflict, 1 abstention)" in html


def test_an_empty_jury_page_does_not_say_every_juror_is_already_on_it(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize)
    db.commit()
    _english(organizer_client)
    url = f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/{rnd.id}/jury"
    html = _page(organizer_client.get(url))
    assert "Every juror is already on this jury." not in html
    assert "No juror to add yet: invite the jurors first, then add them to this jury." in html


# Item 13: results and the final say what happened


def _results_url(edition, prize, rnd, suffix: str = "results") -> str:
    return f"/organizer/editions/{edition.id}/prizes/{prize.id}/rounds/{rnd.id}/{suffix}"


def test_a_tie_at_the_cut_once_settled_says_how_instead_of_asking_again(organizer_client, make, db):
    from tests.scenarios import five_by_four

    # B and C tie for the second and last finalist place
    matrix = {"J1": {"A": 90, "B": 70, "C": 70, "D": 10}, "J2": {"A": 80, "B": 60, "C": 60, "D": 20}}
    edition, prize, rnd, apps, _jurors = five_by_four(make, db, matrix=matrix, code="tie-2026")
    _english(organizer_client)
    url = _results_url(edition, prize, rnd)
    assert 'id="tie-at-cut"' in _page(organizer_client.get(url))
    data = {
        "finalist": [str(apps["A"].id), str(apps["C"].id)],
        "tie_reason": "Drawn by lot before witnesses.",
    }
    assert organizer_client.post(url + "/finalists", data=data).status_code == 302
    html = _page(organizer_client.get(url))
    assert 'id="tie-at-cut"' not in html
    assert "Settle the tie explicitly" not in html
    settled = html[html.index('id="tie-settled"') :]
    assert "B, C were tied at rank 2 across the cut. Kept as finalists: C." in settled
    assert "How the tie was settled: Drawn by lot before witnesses." in settled


def test_a_leniency_flag_shows_the_figure_behind_it(organizer_client, make, db):
    from tests.scenarios import five_by_four

    # H scores 49, 51 and 42.5 points under the others on the three applications: 47.5 on average
    matrix = {
        "J1": {"A": 90, "B": 80, "C": 85},
        "J2": {"A": 88, "B": 82, "C": 80},
        "H": {"A": 40, "B": 30, "C": 40},
    }
    edition, prize, rnd, *_ = five_by_four(make, db, matrix=matrix, code="flag-2026")
    _english(organizer_client)
    html = _page(organizer_client.get(_results_url(edition, prize, rnd)))
    row = html[html.index('data-juror="h@jury.example"') :]
    row = row[: row.index("</tr>")]
    assert (
        "far from the other jurors (more than 20 points on average): "
        "47.5 points from the others on average, over 3 shared applications" in row
    )


def test_a_flagged_juror_reads_signale_e_in_french(organizer_client, make, db):
    """« signalé » for every flagged juror, a woman included (the export's heading says « Signalé·e »)."""
    from tests.scenarios import five_by_four

    matrix = {
        "J1": {"A": 90, "B": 80, "C": 85},
        "J2": {"A": 88, "B": 82, "C": 80},
        "H": {"A": 40, "B": 30, "C": 40},
    }
    edition, prize, rnd, *_ = five_by_four(make, db, matrix=matrix, code="flag-2027")
    html = _page(organizer_client.get(_results_url(edition, prize, rnd)))
    row = html[html.index('data-juror="h@jury.example"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="badge text-bg-warning juror-flag">signalé·e</span>' in row


def test_a_recorded_winner_reads_as_the_winning_application_not_a_masculine_title(organizer_client, make, db):
    """« Lauréat inscrit : A » whoever the winner; « Candidature lauréate : A » says what was recorded."""
    from tests.integration.results.test_results_decisions import final_round
    from tests.scenarios import results_url

    edition, prize, rnd, apps, *_ = final_round(make, db, phase="deliberation")
    url = results_url(edition, prize, rnd)
    data = {"application_id": apps["A"].id, "citation_fr": "Pour son robot", "citation_en": "For its robot"}
    recorded = organizer_client.post(f"{url}/winner", data=data, follow_redirects=True)
    html = _page(recorded).replace("\u00a0", " ")
    assert "Candidature lauréate inscrite : A." in html
    assert re.search(r'<p id="current-winner">Candidature lauréate : <strong>A</strong>', html)
    assert "Lauréat inscrit" not in html


def test_the_phase_page_does_not_say_judging_is_open_once_in_deliberation(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, phase="deliberation")
    db.commit()
    _english(organizer_client)
    html = _page(organizer_client.get(_results_url(prize.edition, prize, rnd, "phase")))
    assert "Judging has opened" not in html
    assert "Judging is over (phase “Deliberation”)" in html


def test_the_mention_forms_labels_point_at_its_own_fields(organizer_client, make, db):
    from judging.results.models import Decision
    from tests.scenarios import five_by_four

    matrix = {"J1": {"A": 90, "B": 70}, "J2": {"A": 80, "B": 85}}
    edition, prize, rnd, apps, _ = five_by_four(make, db, method="schulze", matrix=matrix, code="final-2026")
    rnd.code = "final"
    for application in apps.values():
        db.add(Decision(prize_id=prize.id, application_id=application.id, outcome="finalist"))
    db.commit()
    html = _page(organizer_client.get(_results_url(edition, prize, rnd)))
    mention = html[html.index('id="mention-form"') :]
    mention = mention[: mention.index("</form>")]
    _assert_every_label_has_its_own_field(html)
    for name in ("application_id", "citation_fr", "citation_en"):
        assert f'for="mention-{name}"' in mention and f'id="mention-{name}"' in mention


def _jury_url(prize, rnd) -> str:
    return f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/{rnd.id}/jury"


def test_the_jury_chair_is_named_and_shown_on_the_jury_page(organizer_client, make, db):
    from judging.core.audit_event import AuditEvent
    from judging.jury.models import JuryMembership

    prize = make.prize()
    rnd = make.round(prize)
    nadia, omar = make.user(name="Nadia Noor", roles=["juror"]), make.user(name="Omar Roy", roles=["juror"])
    make.jury(rnd, nadia, omar)
    db.commit()
    url = _jury_url(prize, rnd)
    assert "Présidence du jury\u00a0: <strong>personne pour l’instant</strong>" in _page(
        organizer_client.get(url)
    )
    response = organizer_client.post(url + "/chair", data={"user_id": str(omar.id), "shown_chair": ""})
    assert response.status_code == 302
    html = _page(organizer_client.get(url))
    assert "Présidence du jury\u00a0: <strong>Omar Roy</strong>" in html
    row = html[html.index(f'id="juror-{omar.id}"') :]
    assert "chair-badge" in row[: row.index("</tr>")]
    chairs = db.scalars(select(JuryMembership.user_id).where(JuryMembership.is_chair.is_(True))).all()
    assert chairs == [omar.id]
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.action == "jury.chair_named")).all()


def test_a_chair_named_meanwhile_by_someone_else_is_not_replaced(organizer_client, make, db):
    from judging.jury.models import JuryMembership

    prize = make.prize()
    rnd = make.round(prize)
    nadia, omar = make.user(name="Nadia Noor", roles=["juror"]), make.user(name="Omar Roy", roles=["juror"])
    make.jury(rnd, nadia, omar)
    db.commit()
    url = _jury_url(prize, rnd)
    # two organizers opened the page while there was no chair; the first names Omar
    assert (
        organizer_client.post(url + "/chair", data={"user_id": str(omar.id), "shown_chair": ""}).status_code
        == 302
    )
    late = organizer_client.post(url + "/chair", data={"user_id": str(nadia.id), "shown_chair": ""})
    assert late.status_code == 422
    assert "c’est maintenant Omar Roy" in _page(late)
    db.expire_all()
    chairs = db.scalars(select(JuryMembership.user_id).where(JuryMembership.is_chair.is_(True))).all()
    assert chairs == [omar.id]


def test_the_results_page_shows_the_full_ranking_under_every_other_method_side_by_side(
    organizer_client, make, db
):
    from judging.results import computation as results_service
    from tests.scenarios import five_by_four

    edition, prize, rnd, *_ = five_by_four(make, db, code="side-2026")
    _english(organizer_client)
    html = _page(organizer_client.get(_results_url(edition, prize, rnd)))
    table = html[html.index('id="side-by-side"') :]
    table = table[: table.index("</table>")]
    inputs = results_service.load_inputs(db, [rnd])[rnd.id]
    expected = {}
    for method in results_service.COMPARED_METHODS:
        result = results_service.compute(inputs, method=method).result
        if result is not None:
            expected[method] = {str(row.application): row.rank for row in result.rows}
    own = expected.pop(rnd.method)
    assert any(ranks != own for ranks in expected.values())  # the methods do not all agree here
    rows = re.findall(r'<tr data-application="([^"]+)">(.*?)</tr>', table, re.S)
    assert sorted(ref for ref, _ in rows) == sorted(own)
    for ref, cells in rows:
        shown = [int(n) for n in re.findall(r'<td class="text-end[^"]*">(\d+)</td>', cells)]
        assert shown == [own[ref], *(ranks[ref] for ranks in expected.values())]
