"""Conflict-of-interest detection between jurors and applications.

Pure Python: no Flask, no session; plain values in, plain values out.

Three signals, most specific first (one conflict per pair, the first that
matches wins, matching the one-row-per-pair ``conflicts`` table):

``applicant``
    the juror's email is the application's applicant or contact email
    (compared case-insensitively, ignoring a ``+tag`` and, for Gmail, dots);
``organization``
    the juror's organization and the applicant's organization have the same
    :func:`~judging.applications.engine.names.normalize_org_name` key (case, accents,
    punctuation and legal suffixes such as inc., ltée, SENC, ltd, llc ignored);
``email-domain``
    the juror's email domain and the applicant's or contact's are the same
    organization domain (``iro.umontreal.ca`` and ``umontreal.ca`` are both
    ``umontreal.ca``), unless it is a public mail provider (Gmail, Outlook,
    Yahoo, Vidéotron, Sympatico, Proton, GMX, Orange ...).

Names are carried in the profiles for the caller's convenience but never
matched on their own: homonyms are common, and a false conflict takes a
juror away from an application for nothing.

Applications are indexed by each key in dictionaries, so the work is
proportional to the number of jurors plus applications plus conflicts found,
never to jurors × applications.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from judging.applications.engine.names import normalize_org_name

SOURCES = ("applicant", "organization", "email-domain")
"""The ``source`` values :func:`detect_conflicts` produces, most specific first."""

# fmt: off
PUBLIC_MAIL_DOMAINS = frozenset({
    # international webmail
    "gmail.com", "googlemail.com", "outlook.com", "outlook.fr", "hotmail.com", "hotmail.ca", "hotmail.fr",
    "live.com", "live.ca", "live.fr", "msn.com", "yahoo.com", "yahoo.ca", "yahoo.fr", "ymail.com",
    "rocketmail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "pm.me", "protonmail.com",
    "protonmail.ch", "gmx.com", "gmx.net", "gmx.fr", "gmx.de", "fastmail.com", "zoho.com", "hey.com",
    "tutanota.com", "tuta.io", "yandex.com", "yandex.ru", "mail.com", "mail.ru", "qq.com", "163.com",
    "126.com",
    # Canadian internet providers
    "videotron.ca", "videotron.qc.ca", "sympatico.ca", "bell.net", "bellnet.ca", "rogers.com", "shaw.ca",
    "telus.net", "cogeco.ca", "cgocable.ca", "globetrotter.net", "eastlink.ca", "xplornet.com",
    # French internet providers
    "laposte.net", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "neuf.fr", "bbox.fr", "numericable.fr",
})
"""Domains shared by unrelated people; a match on them is no conflict."""

PUBLIC_MAIL_BRANDS = frozenset({
    "gmail", "googlemail", "hotmail", "outlook", "live", "yahoo", "ymail", "gmx", "yandex", "protonmail",
    "aol",
})
"""Providers with a domain per country (``gmx.*``, ``yahoo.*`` ...), matched on the name before it."""

MULTI_LABEL_SUFFIXES = frozenset({
    # Canadian provinces and territories, the federal and the Québec governments
    "ab.ca", "bc.ca", "mb.ca", "nb.ca", "nf.ca", "nl.ca", "ns.ca", "nt.ca", "nu.ca", "on.ca", "pe.ca",
    "qc.ca", "sk.ca", "yk.ca", "gc.ca", "gouv.qc.ca",
    # common second-level suffixes elsewhere
    "co.uk", "ac.uk", "org.uk", "gov.uk", "com.au", "edu.au", "org.au", "co.nz", "co.jp", "ac.jp",
    "com.br", "com.mx", "co.in", "gouv.fr", "asso.fr", "co.za", "com.cn", "edu.cn",
})
"""Suffixes under which unrelated organizations register (a small public-suffix list)."""
# fmt: on


@dataclass(frozen=True, slots=True)
class JurorProfile:
    """What detection needs to know about a juror."""

    id: int
    email: str | None = None
    organization_name: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ApplicantProfile:
    """What detection needs to know about an application's applicant."""

    id: int
    org_name: str | None = None
    contact_email: str | None = None
    contact_name: str | None = None
    applicant_email: str | None = None


@dataclass(frozen=True, slots=True)
class DetectedConflict:
    """One detected conflict: ``source`` is one of :data:`SOURCES`; ``reason`` is short English."""

    juror_id: int
    application_id: int
    source: str
    reason: str


def detect_conflicts(
    *,
    jurors: Collection[JurorProfile],
    applications: Collection[ApplicantProfile],
    public_domains: Collection[str] = PUBLIC_MAIL_DOMAINS,
) -> list[DetectedConflict]:
    """Every (juror, application) pair with a detected conflict of interest.

    At most one conflict per pair, from the most specific source
    (``applicant``, then ``organization``, then ``email-domain``); sorted by
    juror id, then application id. Empty or missing values never match.
    ``public_domains`` replaces the list of public mail providers (the brand
    families in :data:`PUBLIC_MAIL_BRANDS` are always public).
    """
    public = {domain.casefold() for domain in public_domains}
    index = _ApplicationIndex.build(applications, public)
    found: dict[tuple[int, int], DetectedConflict] = {}
    for juror in sorted(jurors, key=lambda juror: juror.id):
        for conflict in index.matches(juror, public):
            found.setdefault((conflict.juror_id, conflict.application_id), conflict)
    return [found[pair] for pair in sorted(found)]


@dataclass(frozen=True, slots=True)
class _ApplicationIndex:
    """Applications by email key, organization key and organization domain: ``(application id, detail)``."""

    by_email: dict[str, list[tuple[int, str]]]
    by_org: dict[str, list[tuple[int, str]]]
    by_domain: dict[str, list[tuple[int, str]]]

    @classmethod
    def build(cls, applications: Collection[ApplicantProfile], public: Collection[str]) -> _ApplicationIndex:
        index = cls(defaultdict(list), defaultdict(list), defaultdict(list))
        for app in applications:
            emails: dict[str, str] = {}
            for role, raw in (("applicant", app.applicant_email), ("contact", app.contact_email)):
                key = email_key(raw)
                if key and key not in emails:
                    emails[key] = role
                    index.by_email[key].append((app.id, f"juror is the {role}: {raw.strip()}"))
            org = normalize_org_name(app.org_name)
            if org:
                index.by_org[org].append((app.id, app.org_name.strip()))
            domains = {organization_domain(key) for key in emails}
            for domain in sorted(d for d in domains if d and not is_public_domain(d, public)):
                index.by_domain[domain].append((app.id, domain))
        return index

    def matches(self, juror: JurorProfile, public: Collection[str]) -> Iterator[DetectedConflict]:
        """The juror's conflicts, most specific source first (a pair may come more than once)."""
        key = email_key(juror.email)
        if key:
            for app_id, reason in self.by_email.get(key, ()):
                yield DetectedConflict(juror.id, app_id, "applicant", reason)
        org = normalize_org_name(juror.organization_name)
        if org:
            mine = juror.organization_name.strip()
            for app_id, raw in self.by_org.get(org, ()):
                yield DetectedConflict(juror.id, app_id, "organization", f"same organization: {mine} / {raw}")
        domain = organization_domain(juror.email)
        if domain and not is_public_domain(domain, public):
            for app_id, _ in self.by_domain.get(domain, ()):
                yield DetectedConflict(juror.id, app_id, "email-domain", f"same email domain: {domain}")


def email_key(email: str | None) -> str:
    """A comparison key for an email address (``""`` when it is not one).

    Case-insensitive, without a ``+tag`` in the local part, and without dots
    for Gmail, whose addresses ignore them.
    """
    if not email or "@" not in email:
        return ""
    local, _, domain = email.strip().casefold().rpartition("@")
    local = local.split("+", 1)[0]
    domain = domain.strip().rstrip(".")
    if not local or not domain:
        return ""
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def organization_domain(email: str | None) -> str:
    """The registrable domain of an email address: ``a@iro.umontreal.ca`` → ``umontreal.ca``.

    The label just before the public suffix, where the public suffix is the
    top-level domain or one of :data:`MULTI_LABEL_SUFFIXES`
    (``x@mcc.gouv.qc.ca`` → ``mcc.gouv.qc.ca``). ``""`` when there is none.
    """
    if not email or "@" not in email:
        return ""
    domain = email.strip().casefold().rpartition("@")[2].strip().rstrip(".")
    labels = [label for label in domain.split(".") if label]
    if len(labels) < 2:
        return ""
    suffix_length = 1
    for length in range(len(labels), 1, -1):
        if ".".join(labels[-length:]) in MULTI_LABEL_SUFFIXES:
            suffix_length = length
            break
    if len(labels) <= suffix_length:
        return ""
    return ".".join(labels[-suffix_length - 1 :])


def is_public_domain(domain: str, public: Collection[str] = PUBLIC_MAIL_DOMAINS) -> bool:
    """True for a public mail provider's domain (``gmail.com``, ``gmx.de``, ``videotron.ca`` ...)."""
    domain = domain.casefold()
    return domain in public or domain.split(".", 1)[0] in PUBLIC_MAIL_BRANDS
