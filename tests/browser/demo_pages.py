"""The demo's pages, found from the app's URL map, and a browser context for each role.

Shared by the sweeps (``test_design_375.py``, ``test_sweep.py``): every page a role can open by a
GET whose address needs only the demo's ids (its edition, by id or code, its first prize, that
prize's first round, one application) is listed, so a new page is swept without being named here.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.browser.conftest import log_in

# Downloads, live screens and pages that only answer a POST's follow-up are not pages to read.
SKIPPED = (
    ".pdf", ".csv", ".xlsx", ".json", ".css", "/logo", "/export", "/files/", "/reveal", "/live", "/receipt",
)  # fmt: skip
ROLE_PREFIXES = {
    "visitor": ("/", "/candidate/prizes", "/auth/login", "/auth/register", "/auth/reset"),
    "candidate": ("/candidate/", "/auth/profile"),
    "juror": ("/jury/",),
    "organizer": ("/organizer/",),
}
# Public pages of an edition, which a visitor reads (they answer 404 until they are public).
VISITOR_EDITION_PREFIX = "/editions/"


def role_emails() -> dict[str, str | None]:
    from judging.devdata import demo

    return {"visitor": None, **{role: email for role, email in demo.DEMO_LOGINS.items()}}


def _belongs(url: str, role: str) -> bool:
    if role == "visitor":
        return url in ROLE_PREFIXES["visitor"] or url.startswith(VISITOR_EDITION_PREFIX)
    return url.startswith(ROLE_PREFIXES[role])


def demo_urls(app, db, edition, round_code: str = "preselection") -> dict[str, list[str]]:
    """``{role: [url, ...]}`` for the loaded demo ``edition``, its first prize's round ``round_code``."""
    from flask import url_for

    from judging.accounts.models import User
    from judging.applications.models import Application
    from judging.devdata import demo
    from judging.editions.models import Prize, Round
    from judging.jury.models import Assignment

    prize = db.scalars(select(Prize).where(Prize.edition_id == edition.id).order_by(Prize.position)).first()
    rnd = next(r for r in prize.rounds if r.code == round_code)
    juror = db.scalar(select(User).where(User.email == demo.JUROR_EMAIL))
    candidate = db.scalar(select(User).where(User.email == demo.CANDIDATE_EMAIL))
    own = db.scalars(
        select(Application)
        .where(Application.applicant_id == candidate.id)
        .order_by(Application.status.desc())  # the submitted one first
    ).first()
    card = db.scalars(
        select(Assignment)
        .join(Round)
        .where(Assignment.juror_id == juror.id, Round.prize_id == prize.id)
        .order_by((Assignment.round_id == rnd.id).desc(), Assignment.id)  # the round's own card first
    ).first()
    ids = {"edition_id": edition.id, "code": edition.code, "prize_id": prize.id, "round_id": rnd.id}
    urls: dict[str, list[str]] = {role: [] for role in ROLE_PREFIXES}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.endswith(SKIPPED):
                continue
            values = dict(ids)
            # the candidate's own application; the juror's (and organizer's) one the juror scores
            values["application_id"] = own.id if rule.rule.startswith("/candidate/") else card.application_id
            if not set(rule.arguments) <= set(values) or any(part in rule.rule for part in SKIPPED):
                continue
            url = url_for(rule.endpoint, **{k: v for k, v in values.items() if k in rule.arguments})
            for role in ROLE_PREFIXES:
                if _belongs(url, role):
                    urls[role].append(url)
    return {role: sorted(set(found)) for role, found in urls.items()}


def open_as(browser, base_url: str, role: str, locale: str, width: int):
    """A new browser context (and its page) logged in as the demo's ``role``, in ``locale``'s language."""
    from judging.devdata import demo

    context = browser.new_context(
        viewport={"width": width, "height": 740},
        is_mobile=width < 768,
        locale=locale,
        timezone_id="America/Montreal",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    email = role_emails()[role]
    if email:
        log_in(page, base_url, email, demo.DEMO_PASSWORD)
    page.goto(base_url + "/")
    language = "fr" if locale.startswith("fr") else "en"
    if page.get_attribute("html", "lang") != language:
        if width < 768:
            page.click(".navbar-toggler")  # the menu is folded on a phone
        page.click("#switch-language")
        page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == language
    return context, page


def is_page(response, page) -> bool:
    """The GET answered a page (not an error, not a redirection to the login form)."""
    return not (response is None or response.status >= 400 or page.url.rstrip("/").endswith("/auth/login"))
