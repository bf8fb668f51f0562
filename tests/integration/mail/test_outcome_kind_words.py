"""The outcome mails' kinds agree with each other on the sending table: four plurals, inclusive in
French (« Finalistes, Non retenu·e·s, Lauréat·e·s, Mentions honorables »; it said « Non retenue »,
an application's status, among plurals, and the generic masculine « Lauréats »)."""

from __future__ import annotations

import html

import pytest
from flask_babel import force_locale

from judging.core.labels import code_label
from judging.mail.templates import KINDS
from tests.integration.results.test_notifications import summary_row, url
from tests.scenarios import ceremony_edition

OUTCOMES = ("outcome_finalist", "outcome_not_selected", "outcome_winner", "outcome_mention")


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("fr", ["Finalistes", "Non retenu·e·s", "Lauréat·e·s", "Mentions honorables"]),
        ("en", ["Finalists", "Not selected", "Winners", "Honourable mentions"]),
    ],
)
def test_the_outcome_kinds_are_named_as_plurals(app, language, labels):
    with app.test_request_context(), force_locale(language):
        assert [str(KINDS[key].label) for key in OUTCOMES] == labels


def test_the_sending_table_reads_plurals_and_an_application_keeps_its_status(app, db, make, organizer_client):
    built = ceremony_edition(make, db, secret=False)
    page = html.unescape(organizer_client.get(url(built, "/notifications")).get_data(as_text=True))
    assert [summary_row(page, key)[0] for key in OUTCOMES] == [
        "Finalistes",
        "Non retenu·e·s",
        "Lauréat·e·s",
        "Mentions honorables",
    ]
    with app.test_request_context(), force_locale("fr"):
        assert code_label("outcome", "not-selected") == "Non retenue"
