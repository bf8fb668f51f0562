"""The one registry of the words people read for stored codes.

Every code shown to a person (application status, organization type, region, outcome, scorecard
status, round phase, aggregation method, question type, conflict source, reliability flag, language,
country) gets its name here, the same for candidates, jurors and organizers (once, the candidate
read "Not eligible" and "Start-up" where the organizer read "Ineligible" and "Startup" for the
same codes). Labels are lazy, so the reader's language is chosen when shown.

``label(LABELS, code)`` and ``code_label(kind, code)`` fall back to the code itself for a value that
has no label (an old or unexpected value is shown, never hidden).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from judging.core.models import localized

STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "under-review": _l("Under review"),
    "withdrawn": _l("Withdrawn"),
    "ineligible": _l("Not eligible"),
}

REGION_LABELS = {
    "montreal": _l("Montréal"),
    "quebec": _l("Québec, outside Montréal"),
    "canada": _l("Canada, outside Québec"),
    "international": _l("Outside Canada"),
}

ORG_TYPE_LABELS = {
    "startup": _l("Start-up"),
    "sme": _l("Small or medium business (SME)"),
    "large": _l("Large company"),
    "nonprofit": _l("Non-profit organization"),
    "public": _l("Public or para-public body"),
    "academic": _l("University, college or research centre"),
}

LED_BY_WOMAN_LABELS = {"yes": _l("Yes"), "no": _l("No"), "unsaid": _l("I prefer not to say")}

OUTCOME_LABELS = {
    "finalist": _l("Finalist"),
    "winner": _l("Winner"),
    "mention": _l("Honourable mention"),
    "not-selected": _l("Not selected"),
}

LANGUAGE_LABELS = {"fr": _l("French"), "en": _l("English")}

SCORECARD_STATUS_LABELS = {
    "assigned": _l("To score"),
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "abstained": _l("Abstained"),
    "recused": _l("Conflict declared"),
}

PHASE_LABELS = {
    "setup": _l("Setup"),
    "open": _l("Open to applications"),
    "screening": _l("Screening"),
    "judging": _l("Judging"),
    "deliberation": _l("Deliberation"),
    "decided": _l("Decided"),
    "announced": _l("Announced"),
}

METHOD_LABELS = {
    "mean": _l("Mean"),
    "median": _l("Median"),
    "trimmed": _l("Trimmed mean"),
    "zscore": _l("Per-juror z-score"),
    "additive": _l("Juror-offset model (additive)"),
    "schulze": _l("Schulze (rankings)"),
}

QUESTION_TYPE_LABELS = {
    "text": _l("Short text"),
    "long-text": _l("Long text (with a word limit)"),
    "choice": _l("Single choice"),
    "yes-no": _l("Yes / no"),
    "url": _l("Web address (URL)"),
    "file": _l("File"),
}

CONFLICT_SOURCE_LABELS = {
    "declared": _l("declared by the juror"),
    "organization": _l("same organization"),
    "email-domain": _l("same email domain"),
    "applicant": _l("the juror is the applicant or the contact"),
    "imported": _l("imported"),
    "organizer": _l("recorded by an organizer"),
}

FLAG_LABELS = {
    "deviation": _l("far from the other jurors (more than 20 points on average)"),
    "correlation": _l("orders the applications against the other jurors"),
}

ROLE_LABELS = {"candidate": _l("candidate"), "juror": _l("juror"), "organizer": _l("organizer")}

TIE_BREAK_LABELS = {
    "median": _l("the higher median"),
    "mean": _l("the higher mean"),
    "count": _l("the more scorecards"),
    "first-places": _l("the more first places"),
}

#: Every kind of code, by the name templates use: ``code_label("status", application.status)``.
REGISTRY: dict[str, Mapping[str, Any]] = {
    "status": STATUS_LABELS,
    "region": REGION_LABELS,
    "org_type": ORG_TYPE_LABELS,
    "led_by_woman": LED_BY_WOMAN_LABELS,
    "outcome": OUTCOME_LABELS,
    "language": LANGUAGE_LABELS,
    "scorecard": SCORECARD_STATUS_LABELS,
    "phase": PHASE_LABELS,
    "method": METHOD_LABELS,
    "question_type": QUESTION_TYPE_LABELS,
    "conflict_source": CONFLICT_SOURCE_LABELS,
    "flag": FLAG_LABELS,
    "role": ROLE_LABELS,
    "tie_break": TIE_BREAK_LABELS,
}


def label(labels: Mapping[str, Any], code: str | None) -> str:
    """The translated label of ``code``; the code itself when unknown; empty for None."""
    if code is None or code == "":
        return ""
    return str(labels.get(code, code))


def code_label(kind: str, code: str | None) -> str:
    """The name of ``code`` of the registry's ``kind`` (``"status"``, ``"region"``, …); ``"country"``
    gives the country's name in the reader's language (Babel's territory names)."""
    if kind == "country":
        return country_name(code)
    return label(REGISTRY[kind], code)


def translated(kind: str) -> dict[str, str]:
    """The whole table of ``kind`` translated now (for a template or a mail that shows many)."""
    return {code: str(text) for code, text in REGISTRY[kind].items()}


def country_name(code: str | None, locale: str | None = None) -> str:
    """The name of the country whose ISO code is ``code`` ("CA" → « Canada »), the code when unknown."""
    if not code:
        return ""
    try:
        names = Locale.parse(locale or str(get_locale() or "fr")).territories
    except (UnknownLocaleError, ValueError):
        return code
    return names.get(code.upper(), code)


def tie_break_label(entries: list[str] | None, criteria: Any = ()) -> str:
    """A tie-break chain in words: ``criterion:impact, median`` → « Impact, la médiane la plus haute »."""
    names = {criterion.code: localized(criterion.name, str(get_locale() or "fr")) for criterion in criteria}
    words = []
    for entry in entries or []:
        if entry.startswith("criterion:"):
            code = entry.removeprefix("criterion:")
            words.append(str(_l("the higher “%(criterion)s” score", criterion=names.get(code) or code)))
        else:
            words.append(label(TIE_BREAK_LABELS, entry))
    return ", ".join(words)


def title_after_name(title: str, language: str) -> str:
    """A person's title written after their name and a comma. French writes it in lower case
    (« Hélène Vachon-Marchand, vice-présidente, innovation »), English keeps "Vice-President";
    a title that starts with an acronym (« PDG », « CTO ») keeps its capitals."""
    if language == "fr" and title[:1].isupper() and title[1:2].islower():
        return title[:1].lower() + title[1:]
    return title


def person_with_address(name: str | None, email: str) -> str:
    """A person in a list where two may share a name: « Odile Bernier-Sauvé (odile@…) », never the
    raw mail header « Odile Bernier-Sauvé <odile@…> »; the address alone when there is no name."""
    return f"{name} ({email})" if name and name != email else email


def round_name(rnd: Any) -> str:
    """A round as people call it: its name in the reader's language, else « Tour 2 » (never its code)."""
    name = localized(rnd.name, str(get_locale() or "fr")) if rnd is not None else ""
    if name or rnd is None:
        return name
    return str(_l("Round %(number)s", number=(rnd.position or 0) + 1))


#: Audit actions about an application, as its history shows them (unknown actions show their code).
APPLICATION_ACTION_LABELS = {
    "application.created": _l("Application started"),
    "application.submitted": _l("Application submitted"),
    "application.resubmitted": _l("Application submitted again"),
    "application.updated": _l("Application edited"),
    "application.withdrawn": _l("Application withdrawn"),
    "application.eligible": _l("Marked eligible"),
    "application.ineligible": _l("Marked ineligible"),
    "application.extended": _l("Deadline extended"),
    "application.reopened": _l("Reopened for edits"),
}
