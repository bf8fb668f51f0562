"""Scenario builders shared by tests and benchmarks: one module, never imported from a test module.

Each builder makes the data of a situation (people, applications, scorecards ...) and returns it;
the tests that use it assert on it.
"""

from __future__ import annotations

import random

from judging.domain.conflicts import ApplicantProfile, JurorProfile


def large_jury(seed: int = 7) -> tuple[list[JurorProfile], list[ApplicantProfile]]:
    """300 jurors and 25,000 applications spread over 5,000 organizations and their email domains."""
    rng = random.Random(seed)
    orgs = [f"Organisation {i} Inc." for i in range(5_000)]
    applications = [
        ApplicantProfile(id=a, org_name=rng.choice(orgs), contact_email=f"c{a}@org{rng.randrange(5_000)}.ca")
        for a in range(25_000)
    ]
    jurors = [
        JurorProfile(id=j, email=f"j{j}@org{rng.randrange(5_000)}.ca", organization_name=rng.choice(orgs))
        for j in range(300)
    ]
    return jurors, applications
