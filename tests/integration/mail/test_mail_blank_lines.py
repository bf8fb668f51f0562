"""Every mail's text, in both languages and with each optional part present or absent, has paragraphs
separated by exactly one blank line (the jury reminder had two after its first paragraph when the round
had no closing date; the eligibility mail and the application receipt had two in some cases)."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace as Thing

import pytest

from judging.mail.outbox import render_text

TEMPLATES = Path(__file__).resolve().parents[3] / "templates/mail"
WHEN = datetime(2027, 1, 20, 23, 0, tzinfo=UTC)
PRIZE = Thing(name={"fr": "Prix de l’innovation", "en": "Innovation Award"})
PERSON = Thing(display_name="Camille Exemple")
OUTCOME = {
    "name": "Camille Exemple",
    "ref": "INN-001",
    "title": "Projet Exemple",
    "prize": "Prix de l’innovation",
    "edition": "MTL Tech Awards 2026",
    "link": "https://example.org/candidate/",
}


def application(applicant: bool = True) -> Thing:
    return Thing(
        ref="INN-001",
        title="Projet Exemple",
        applicant=PERSON if applicant else None,
        contact_name="Camille Exemple",
        contact_email="camille@example.org",
        prize=PRIZE,
        receipt_number="R-0001",
        submitted_at=WHEN,
    )


def options(**choices: tuple) -> list[dict]:
    """Every combination of the optional parts: options(reason=("", "Un motif")) → two contexts."""
    return [dict(zip(choices, values, strict=True)) for values in itertools.product(*choices.values())]


def round_(closes: datetime | None) -> Thing:
    return Thing(name={"fr": "Présélection", "en": "Preselection"}, position=0, judging_closes_at=closes)


#: Each mail template → the contexts that cover its optional parts.
CONTEXTS = {
    "account_exists": [{"user": PERSON, "login_link": "https://x/login", "reset_link": "https://x/reset"}],
    "application_reopened": [
        {
            "application": application(),
            "prize": PRIZE,
            "until": WHEN,
            "reason": "Un motif",
            "link": "https://x",
        }
    ],
    "application_submitted": [
        {"application": application(), "person": PERSON, "receipt_link": "r", "status_link": "s", **o}
        for o in options(resubmitted=(False, True), deadline=(None, WHEN))
    ],
    "application_withdrawn": [
        {"application": application(), "person": PERSON, "dashboard_link": "https://x"}
    ],
    "audience_code": [{"code": "123456", "edition": Thing(name={"fr": "Édition", "en": "Edition"})}],
    "audience_link": [
        {"edition": Thing(name={"fr": "Édition", "en": "Edition"}), "link": "https://x", **o}
        for o in options(name=("", "Camille"))
    ],
    "comments_released": [
        {**OUTCOME, "override": None, **o} for o in options(comments=([], ["Clair.", "Précisez le modèle."]))
    ],
    "confirm": [{"user": PERSON, "link": "https://x"}],
    "conflict_declared": [
        {
            "juror": PERSON,
            "organizer": PERSON,
            "application": application(),
            "prize": PRIZE,
            "round": round_(None),
            "reason": "Ma sœur",
            "link": "https://x",
        }
    ],
    "deadline_extended": [
        {
            "application": application(applicant),
            "prize": PRIZE,
            "until": WHEN,
            "link": "https://x",
            "reason": r,
        }
        for applicant, r in itertools.product((True, False), ("", "Un motif"))
    ],
    "eligibility_decided": [
        {"application": application(), "prize": PRIZE, "link": "https://x", **o}
        for o in options(eligible=(True, False), reason=("", "Un motif"))
    ],
    "invite": [
        {"user": PERSON, "inviter": PERSON, "roles": ["juror"], "link": "https://x", **o}
        for o in options(has_password=(False, True))
    ],
    "jury_reminder": [
        {
            "juror": PERSON,
            "prize": PRIZE,
            "round": round_(closes),
            "link": "https://x",
            "todo": todo,
            "progress": Thing(open=len(todo), submitted=1, total=1 + len(todo)),
        }
        for closes, todo in itertools.product((None, WHEN), (["INN-002 · Un", "INN-003 · Deux"], ["INN-002"]))
    ],
    "outcome_finalist": [
        {**OUTCOME, "override": None, **o} for o in options(ceremony_date=("", "20 janvier"))
    ],
    "outcome_mention": [{**OUTCOME, "override": None, **o} for o in options(citation=("", "Audacieux."))],
    "outcome_not_selected": [{**OUTCOME, "override": None}],
    "outcome_winner": [{**OUTCOME, "override": None, **o} for o in options(citation=("", "Audacieux."))],
    "reset": [{"user": PERSON, "link": "https://x"}],
}


def test_every_mail_template_is_checked():
    assert sorted(CONTEXTS) == sorted(path.stem for path in TEMPLATES.glob("*.txt"))


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("key", sorted(CONTEXTS))
def test_paragraphs_are_separated_by_one_blank_line(app, key, language):
    with app.test_request_context():
        for context in CONTEXTS[key]:
            subject, body = render_text(key, language, **context)
            assert subject and "\n" not in subject
            assert "\n\n\n" not in body, (context, body)
            assert not re.search(r"\n[ \t]+\n", body), (context, body)  # no line of spaces either
            assert body.count("\n\n") >= 2, body  # paragraphs there are


def test_the_reminder_reads_its_closing_date_right_after_the_first_paragraph(app):
    with app.test_request_context():
        _, without = render_text("jury_reminder", "fr", **CONTEXTS["jury_reminder"][0])
        _, with_date = render_text("jury_reminder", "en", **CONTEXTS["jury_reminder"][2])
    assert "(Prix de l’innovation, Présélection).\n\nReste à évaluer\u00a0:\n- INN-002" in without
    assert "(Innovation Award, Preselection).\nJudging closes on " in with_date
    assert re.search(r"Judging closes on [^\n]+\.\n\nStill to score:\n- INN-002", with_date), with_date
