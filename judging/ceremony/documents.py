"""The five ceremony PDFs, made from a :class:`~judging.ceremony.plan.CeremonyPlan` (frozen results only).

1. ``run-of-show``: the host's running order with times, sponsor, presenter, lines to read,
   finalists to call and mentions (the winner stays in the sealed envelope);
2. ``envelopes``: one card per prize, each on its own page: "Le prix … est décerné à …";
3. ``presenters``: one card per presenter: what they say and whom they call (not the winner), and
   one for the audience award (its finalists);
4. ``certificates``: one page per winner, mention and finalist (a winner gets only the
   winner's certificate);
5. ``press``: the press sheet of finalists and winners, with the embargo time, and the audience award
   (its winners once public). The only public one: a laureate without publication consent is
   "Finalist (name withheld)" there (``PUBLIC_KINDS``).

Letter by default, A4 on request; in French, English or both side by side (``bilingual``).
Every text goes through the Jinja autoescape: names and citations typed by people are
printed as text. Words of the documents are translated with :func:`t` in the language of
each part, so a bilingual page holds both; dates are Montréal time in that language.
"""

from __future__ import annotations

from copy import copy
from dataclasses import replace
from datetime import datetime
from typing import Any

from flask import render_template
from flask_babel import force_locale, format_date, format_datetime, lazy_pgettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from judging.accounts.models import User
from judging.ceremony.audience import AudienceSegment, ceremony_audience, public_audience
from judging.ceremony.plan import CeremonyPlan, withhold_names
from judging.core.pdf import render_pdf
from judging.core.templating import local_datetime
from judging.editions.models import Edition

KINDS = ("run-of-show", "envelopes", "presenters", "certificates", "press")
#: Documents that leave the organizers and the host: they show names only with publication consent.
#: The run of show, envelopes and presenters' cards are read by the host and the presenters on stage,
#: and certificates go to the laureate themselves: those keep the names.
PUBLIC_KINDS = ("press",)
PAPERS = ("letter", "a4")
#: Documents that show the audience award (:mod:`judging.ceremony.audience`), and whether they carry
#: its winners read through the logged look at the tally before the reveal. The run of show and the
#: presenters' cards only call its finalists; the press sheet, a public document, names its winners
#: only once the result is public (``PUBLIC_KINDS``: :func:`document_audience`).
AUDIENCE_KINDS = {
    "run-of-show": False,
    "presenters": False,
    "envelopes": True,
    "certificates": True,
    "press": False,
}

#: Names of the documents (for pages and file names).
KIND_LABELS = {
    "run-of-show": _l("Run of show"),
    "envelopes": _l("Envelope cards"),
    "presenters": _l("Presenters' cards"),
    "certificates": _l("Certificates"),
    "press": _l("Press sheet"),
}

#: The words of the documents, translated in the language of the part being printed.
MESSAGES = {
    "contest": _l("MTL Tech Awards"),
    "ceremony": _l("Awards ceremony"),
    "run_of_show": _l("Run of show"),
    "on": _l("Ceremony on %(date)s"),
    "no_date": _l("The time of the ceremony is not set yet."),
    "total": _l("Total time on stage: %(minutes)s min"),
    "minutes": _l("%(minutes)s min"),
    "time": _l("Time"),
    "prize": _l("Prize"),
    "presented_by": _l("Presented by %(sponsor)s"),
    "handed_by": _l("Handed over by %(presenter)s"),
    "host_lines": _l("Host's lines"),
    "finalists_call": _l("Finalists to call on stage"),
    "mentions": _l("Honourable mentions"),
    "sealed": _l("The winner is in the sealed envelope no. %(n)s."),
    "envelope_no": _l("Envelope %(n)s of %(total)s"),
    "goes_to": _l("The %(prize)s goes to"),
    "for_project": _l("for the project “%(title)s”"),
    "citation": _l("Citation"),
    "presenter_card": _l("Presenter's card"),
    "you_hand": _l("You hand over the %(prize)s."),
    "at": _l("On stage at %(time)s"),
    "you_say": _l("What you say"),
    "call_these": _l("Call these finalists on stage, in this order:"),
    "call_mentions": _l("Then announce the honourable mentions and read their citations:"),
    "open_envelope": _l("Then open the envelope and read: “The %(prize)s goes to …”"),
    "certificate": _l("Certificate"),
    "winner_of": _l("Winner of the %(prize)s"),
    "mention_of": _l("Honourable mention of the %(prize)s"),
    "finalist_of": _l("Finalist of the %(prize)s"),
    "project": _l("Project: %(title)s"),
    "press": _l("Press sheet"),
    "press_title": _l("Finalists and winners"),
    "embargo": _l("Embargoed until %(date)s."),
    "winner": _l("Winner"),
    "finalists": _l("Finalists"),
    "city": _l("City"),
    "organization": _l("Organization"),
    "person": _l("Person"),
    "project_title": _l("Project"),
    "presenter": _l("Presenter"),
    "fingerprint": _l("Made from the frozen results (fingerprints: %(fp)s)."),
    "to_be_set": _l("to be set"),
    "withheld_finalist": _l("Finalist (name withheld)"),
    "withheld_winner": _l("Winner (name withheld)"),
    "withheld_mention": _l("Honourable mention (name withheld)"),
    "audience_lines": _l("The %(prize)s, voted by the audience of the finalists' pitch night."),
    "audience_tie": _l("Tie: the award is shared."),
    "audience_pending": _l("Announced at the ceremony."),
    # the audience award's winner line before it is known (inclusive), and when it is shared
    "winner_unknown": lazy_pgettext("inclusive", "Winner"),
    "shared_winners": lazy_pgettext("shared award", "Winners"),
}


def document_audience(
    db: Session, edition: Edition, kind: str, *, actor: User | None, at: datetime
) -> AudienceSegment | None:
    """The audience award as document ``kind`` shows it (None: not in that document, or no award).

    The press sheet (public) lists its finalists and, once the result is public (the vote closed and
    the winners revealed: :func:`~judging.ceremony.audience.public_audience`), its winners; it never
    looks at the tally. The others follow ``AUDIENCE_KINDS`` (raises :class:`CeremonyError` when a
    document needing the winners is asked for while the vote is open). Flushes; the route commits.
    """
    if kind not in AUDIENCE_KINDS:
        return None
    if kind in PUBLIC_KINDS:
        revealed = public_audience(db, edition, at=at)
        if revealed is not None:
            return revealed
    return ceremony_audience(db, edition, with_winners=AUDIENCE_KINDS[kind], actor=actor, at=at)


def t(language: str, key: str, **values: Any) -> str:
    """The document word ``key`` in ``language`` (``%(name)s`` filled with ``values``)."""
    with force_locale(language):
        text = str(MESSAGES[key])
    return text % values if values else text


def when(language: str, value: datetime | None, fmt: str = "long") -> str:
    """A stored UTC time as Montréal time, written in ``language`` as the pages write it.

    ``fmt`` is ``day`` (the date, the hour and the zone: « jeudi 16 octobre 2025 à 19 h 00 (HAE) »,
    "Thursday, October 16, 2025 at 7:00 PM (EDT)"), ``date`` (the date alone), ``time`` (« 19 h 00 »,
    "7:00 PM": one way of writing the hour per language, on every line) or a Babel pattern.
    """
    if value is None:
        return ""
    value = value.replace(second=0, microsecond=0)  # a programme's time, never its seconds
    with force_locale(language):
        if fmt == "day":  # French typography: « 16 octobre », « 19 h 00 » never broken across lines
            return local_datetime(value, "full", keep_together=True)
        if fmt == "date":
            return format_date(value, "long")
        if fmt == "time":
            return local_datetime(value, "time", keep_together=True)
        return format_datetime(value, fmt)


def edition_line(plan: CeremonyPlan, language: str) -> str:
    """The contest and the edition, the contest's name once: « MTL Tech Awards 2026 » already says it
    (« MTL Tech Awards · Édition 2025 » otherwise)."""
    contest, edition = t(language, "contest"), plan.edition_name(language)
    return edition if contest in edition else f"{contest} · {edition}"


def page_css(kind: str, paper: str) -> str:
    size = "A4" if paper == "a4" else "Letter"
    if kind == "certificates":
        return f"@page {{ size: {size} landscape; margin: 1.5cm; @bottom-center {{ content: none; }} }}"
    if kind == "envelopes":
        return f"@page {{ size: {size}; @bottom-center {{ content: none; }} }}"
    return f"@page {{ size: {size}; }}"


def ceremony_html(plan: CeremonyPlan, kind: str) -> str:
    """The document's HTML (autoescaped template ``documents/ceremony_<kind>.html``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown ceremony document {kind!r}")
    template = f"ceremony/documents/ceremony_{kind.replace('-', '_')}.html"
    if kind in PUBLIC_KINDS:
        plan = replace(plan, prizes=withhold_names(copy(p) for p in plan.prizes))
        if plan.audience is not None:
            plan.audience = plan.audience.for_public()
    with force_locale(plan.languages[0]):
        return render_template(
            template, plan=plan, t=t, when=when, edition_line=edition_line, langs=plan.languages, kind=kind
        )


def ceremony_pdf(plan: CeremonyPlan, kind: str, *, paper: str = "letter") -> bytes:
    if paper not in PAPERS:
        raise ValueError(f"unknown paper size {paper!r}")
    return render_pdf(ceremony_html(plan, kind), stylesheets=[page_css(kind, paper)])


def filename(plan: CeremonyPlan, kind: str, paper: str) -> str:
    return f"{plan.edition.code}-{kind}-{plan.language}-{paper}.pdf"
