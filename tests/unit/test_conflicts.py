"""Conflict-of-interest detection: organizations, email domains, the juror as applicant."""

from collections import Counter

import pytest

from judging.jury.engine import conflicts
from judging.jury.engine.conflicts import (
    ApplicantProfile,
    DetectedConflict,
    JurorProfile,
    detect_conflicts,
    email_key,
    is_public_domain,
    organization_domain,
)
from tests.scenarios import large_jury


def detect(jurors, applications, **options):
    return detect_conflicts(jurors=jurors, applications=applications, **options)


def pairs(conflicts):
    return [(c.juror_id, c.application_id, c.source) for c in conflicts]


def test_organization_names_match_across_accents_case_and_legal_suffixes():
    jurors = [JurorProfile(id=1, email="lea@cnum.coop", organization_name="Coopérative Numérique Ltée")]
    applications = [
        ApplicantProfile(id=10, org_name="cooperative numerique", contact_email="x@other.org"),
        ApplicantProfile(id=11, org_name="COOPÉRATIVE NUMÉRIQUE, S.E.N.C.", contact_email="y@third.org"),
        ApplicantProfile(id=12, org_name="Coopérative Numérique du Nord", contact_email="z@nord.org"),
    ]
    assert detect(jurors, applications) == [
        DetectedConflict(
            1, 10, "organization", "same organization: Coopérative Numérique Ltée / cooperative numerique"
        ),
        DetectedConflict(
            1,
            11,
            "organization",
            "same organization: Coopérative Numérique Ltée / COOPÉRATIVE NUMÉRIQUE, S.E.N.C.",
        ),
    ]


@pytest.mark.parametrize(
    ("juror_org", "applicant_org", "conflicted"),
    [
        ("Serre Inc.", "serre", True),
        ("Kovalo Labs LLC", "Kovalo Labs Ltd.", True),
        ("Groupe Éducatif Lumière ltée", "Groupe Educatif Lumiere", True),
        ("Serre Inc.", "Serres Inc.", False),
        ("Banque Laurentienne", "Banque Nationale", False),
        ("", "", False),
        (None, None, False),
    ],
)
def test_organization_pairs(juror_org, applicant_org, conflicted):
    jurors = [JurorProfile(id=1, email="j@juror.example", organization_name=juror_org)]
    applications = [ApplicantProfile(id=2, org_name=applicant_org, contact_email="c@applicant.example")]
    expected = [(1, 2, "organization")] if conflicted else []
    assert pairs(detect(jurors, applications)) == expected


def test_same_email_domain_is_a_conflict_but_public_providers_are_not():
    jurors = [
        JurorProfile(id=1, email="marc@umontreal.ca", organization_name="Université de Montréal"),
        JurorProfile(id=2, email="sophie.tremblay@gmail.com", organization_name="Consultante"),
        JurorProfile(id=3, email="paul@videotron.ca"),
    ]
    applications = [
        # contact at a subdomain of the juror's university
        ApplicantProfile(id=10, org_name="Labo IA", contact_email="chercheuse@iro.umontreal.ca"),
        # applicant email, not contact email, on the same domain
        ApplicantProfile(
            id=11, org_name="Start", contact_email="a@start.io", applicant_email="b@UMontreal.ca"
        ),
        # everyone on gmail or videotron: no conflict
        ApplicantProfile(id=12, org_name="Solo", contact_email="autre.personne@gmail.com"),
        ApplicantProfile(id=13, org_name="Solo 2", contact_email="voisin@videotron.ca"),
    ]
    result = detect(jurors, applications)
    assert pairs(result) == [(1, 10, "email-domain"), (1, 11, "email-domain")]
    assert result[0].reason == "same email domain: umontreal.ca"


def test_public_domains_can_be_replaced():
    jurors = [JurorProfile(id=1, email="a@coop-partagee.ca")]
    applications = [ApplicantProfile(id=2, contact_email="b@coop-partagee.ca")]
    assert pairs(detect(jurors, applications)) == [(1, 2, "email-domain")]
    assert detect(jurors, applications, public_domains={"coop-partagee.ca"}) == []


def test_juror_who_is_the_applicant_or_the_contact():
    jurors = [
        JurorProfile(id=1, email="Jane.Doe@GMail.com", name="Jane Doe"),
        JurorProfile(id=2, email="luc@boreale.ca", organization_name="Boréale"),
        JurorProfile(id=3, email="jane.doe2@gmail.com", name="Jane Doe"),
    ]
    applications = [
        ApplicantProfile(
            id=10,
            org_name="Jane's Startup",
            contact_email="hello@janes.io",
            applicant_email="janedoe+awards@gmail.com",
        ),
        ApplicantProfile(id=11, org_name="Boréale inc.", contact_email="LUC@boreale.ca", contact_name="Luc"),
    ]
    result = detect(jurors, applications)
    # The applicant source wins over organization and domain for the same pair; a juror with
    # the same name but another address is not the applicant.
    assert result == [
        DetectedConflict(1, 10, "applicant", "juror is the applicant: janedoe+awards@gmail.com"),
        DetectedConflict(2, 11, "applicant", "juror is the contact: LUC@boreale.ca"),
    ]


def test_one_conflict_per_pair_sorted_and_independent_of_order():
    jurors = [
        JurorProfile(id=j, email=f"j{j}@desjardins.com", organization_name="Desjardins") for j in (3, 1, 2)
    ]
    applications = [
        ApplicantProfile(
            id=a,
            org_name="Mouvement Desjardins" if a % 2 else "Desjardins",
            contact_email=f"c{a}@desjardins.com",
        )
        for a in (20, 21, 22)
    ]
    result = detect(jurors, applications)
    assert pairs(result) == [
        (1, 20, "organization"),
        (1, 21, "email-domain"),
        (1, 22, "organization"),
        (2, 20, "organization"),
        (2, 21, "email-domain"),
        (2, 22, "organization"),
        (3, 20, "organization"),
        (3, 21, "email-domain"),
        (3, 22, "organization"),
    ]
    assert detect(list(reversed(jurors)), list(reversed(applications))) == result


def test_missing_values_never_match():
    jurors = [JurorProfile(id=1), JurorProfile(id=2, email="not-an-email", organization_name="  ")]
    applications = [ApplicantProfile(id=3), ApplicantProfile(id=4, contact_email="not-an-email", org_name="")]
    assert detect(jurors, applications) == []


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("a@iro.umontreal.ca", "umontreal.ca"),
        ("a@mail.mcgill.ca", "mcgill.ca"),
        ("a@mcc.gouv.qc.ca", "mcc.gouv.qc.ca"),
        ("a@ville.montreal.qc.ca", "montreal.qc.ca"),
        ("a@x.co.uk", "x.co.uk"),
        ("a@qc.ca", ""),
        ("a@localhost", ""),
        ("nobody", ""),
        (None, ""),
    ],
)
def test_organization_domain(email, expected):
    assert organization_domain(email) == expected


@pytest.mark.parametrize(
    ("domain", "public"),
    [
        ("gmail.com", True),
        ("yahoo.fr", True),
        ("gmx.de", True),
        ("hotmail.co.uk", True),
        ("sympatico.ca", True),
        ("proton.me", True),
        ("laposte.net", True),
        ("umontreal.ca", False),
        ("orange.com", False),
    ],
)
def test_is_public_domain(domain, public):
    assert is_public_domain(domain) is public


def test_email_key():
    assert email_key(" Jane.Doe+x@GMAIL.com ") == "janedoe@gmail.com"
    assert email_key("jane.doe@googlemail.com") == "janedoe@gmail.com"
    assert email_key("Jane.Doe+x@Example.org") == "jane.doe@example.org"
    assert email_key("@example.org") == ""


def test_large_jury_is_linear_not_quadratic(monkeypatch):
    """Each profile's keys are computed a bounded number of times, never once per (juror, application)
    pair: counted calls, not seconds (tests/bench/bench_conflicts.py gives the time)."""
    jurors, applications = large_jury()
    calls: Counter[str] = Counter()
    for name in ("email_key", "normalize_org_name", "organization_domain", "is_public_domain"):
        original = getattr(conflicts, name)

        def counted(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(conflicts, name, counted)
    result = detect(jurors, applications)
    profiles = len(jurors) + len(applications)
    assert set(calls) == {"email_key", "normalize_org_name", "organization_domain", "is_public_domain"}
    assert max(calls.values()) <= 2 * profiles  # a pairwise comparison would be 300 × 25,000
    sample = jurors[::10]  # the brute-force definition, on a tenth of the jury
    expected = {
        (j.id, a.id)
        for j in sample
        for a in applications
        if a.org_name == j.organization_name or a.contact_email.split("@")[1] == j.email.split("@")[1]
    }
    assert {(c.juror_id, c.application_id) for c in result if c.juror_id % 10 == 0} == expected
    assert len(expected) > 10
