"""A page with several forms names each form's hidden fields (CSRF token, version, shown) without an
id: ``form.hidden_tag()`` gave each one the field's name as its id, so 42 organizer pages repeated
« id="csrf_token" » (and « version », « shown » on the phase page), an invalid page. CSRF keeps
working: forms send their token by name."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from judging.accounts.models import User
from judging.applications.models import Application
from judging.devdata import demo
from judging.editions.models import Prize, Round
from judging.jury.models import Assignment
from tests.conftest import login

#: GET pages of the organizer that are not HTML (exports, PDFs, JSON, files, the mail's HTML preview),
#: or not open at this point of the season (a comment to release, the audience vote's projector)
NOT_PAGES = re.compile(r"(export|\.pdf|\.json|/files/|/html$|\.<fmt>|comments/<|audience/screen)")


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.ids.extend(value for name, value in attrs if name == "id" and value)


def duplicate_ids(html: str) -> dict[str, int]:
    parser = Ids()
    parser.feed(html)
    return {name: n for name, n in Counter(parser.ids).items() if n > 1}


def organizer_pages(app, db, edition) -> list[str]:
    """Every organizer page of the demo edition, with its first prize, round, application, criterion,
    question and scorecard filled in."""
    prize = db.scalar(select(Prize).where(Prize.edition_id == edition.id).order_by(Prize.position))
    rnd, *_, final = db.scalars(select(Round).where(Round.prize_id == prize.id).order_by(Round.position))
    values = {
        "edition_id": edition.id,
        "prize_id": prize.id,
        "round_id": rnd.id,
        "application_id": db.scalar(select(Application.id).where(Application.prize_id == prize.id)),
        "criterion_id": rnd.criteria[0].id,
        "question_id": prize.questions[0].id,
        "assignment_id": db.scalar(select(Assignment.id).where(Assignment.round_id == rnd.id)),
        "key": "outcome_finalist",
        "language": "fr",
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/organizer") or NOT_PAGES.search(rule.rule):
            continue
        if rule.endpoint.endswith("_moved"):  # old addresses redirecting to the mail editor
            continue
        if set(rule.arguments) <= set(values):
            live = rule.rule.startswith("/organizer/rounds/")  # the live final: the prize's last round
            arguments = {name: values[name] for name in rule.arguments}
            arguments |= {"round_id": final.id} if live else {}
            urls.append(rule.build(arguments)[1])
    return sorted(set(urls))


def test_no_organizer_page_repeats_an_id(app, db, client):
    edition = demo.load_demo(db, at="finalists")
    db.commit()
    login(client, db.scalar(select(User).where(User.email == demo.ORGANIZER_EMAIL)))
    pages = organizer_pages(app, db, edition)
    assert len(pages) >= 40
    found, several_forms, read = {}, 0, 0
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 409), url  # 409: the reveal before the results are frozen
        html = response.get_data(as_text=True)
        read += response.status_code == 200
        several_forms += html.count("<form") > 2  # the header's language and logout forms, and more
        if duplicates := duplicate_ids(html):
            found[url] = duplicates
    assert found == {}
    assert read >= 39 and several_forms > 10  # pages with forms of their own were read


def test_the_phase_page_has_two_forms_and_no_repeated_hidden_id(organizer_client, make):
    prize = make.prize()
    rnd = make.round(prize, phase="setup")
    html = organizer_client.get(
        f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/{rnd.id}/phase"
    ).get_data(as_text=True)
    assert 'id="phase-form"' in html and 'id="method-form"' in html
    assert html.count('name="csrf_token"') >= 2 and html.count('name="version"') >= 2
    assert duplicate_ids(html) == {}
    assert not re.search(r'<input[^>]*id="(csrf_token|version|shown)"', html)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_csrf_still_guards_the_forms_of_a_page_with_several(organizer_client, make, db):
    prize = make.prize()
    rnd = make.round(prize, phase="setup")
    db.commit()
    url = f"/organizer/editions/{prize.edition_id}/prizes/{prize.id}/rounds/{rnd.id}/phase"
    html = organizer_client.get(url).get_data(as_text=True)
    phase_form = html[html.index('id="phase-form"') : html.index("</form>", html.index('id="phase-form"'))]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', phase_form).group(1)
    version = re.search(r'name="version" type="hidden" value="([^"]*)"', phase_form).group(1)
    refused = organizer_client.post(url, data={"target": "open", "version": version})
    assert refused.status_code == 400 and db.get(Round, rnd.id).phase == "setup"
    sent = organizer_client.post(url, data={"target": "open", "version": version, "csrf_token": token})
    assert sent.status_code == 302
    db.expire_all()
    assert db.get(Round, rnd.id).phase == "open"
