"""Candidates read the comments the jury wrote for them, once released; nothing else from the jury."""

from __future__ import annotations

from judging.core.models import utcnow


def test_only_released_candidate_comments_show(candidate_client, candidate, make, db):
    rnd = make.round()
    application = make.application(rnd.prize, applicant=candidate)
    judge = make.user(email="judge@uni.example", name="Professeure Zénobie Quartz", roles=["juror"])
    other = make.user(email="other@uni.example", name="Docteur Ulysse Vortex", roles=["juror"])
    released = make.scorecard(
        rnd,
        judge,
        application,
        scores={"c1": 7, "c2": 8},
        comment="PRIVATE: weak team, do not tell",
        comment_to_candidate="Clear pitch; show more field data.",
    )
    released.comment_released_at = utcnow()
    make.scorecard(
        rnd,
        other,
        application,
        scores={"c1": 3, "c2": 2},
        comment_to_candidate="Unreleased remark about the budget.",
    )
    db.commit()

    html = candidate_client.get(f"/candidate/applications/{application.id}").get_data(as_text=True)

    assert "Clear pitch; show more field data." in html
    for secret in (
        "PRIVATE: weak team",
        "Unreleased remark",
        "Zénobie",
        "Quartz",
        "Ulysse",
        "Vortex",
        "judge@uni.example",
        "other@uni.example",
    ):
        assert secret not in html, secret


def test_no_comment_section_before_release(candidate_client, candidate, make, db):
    rnd = make.round()
    application = make.application(rnd.prize, applicant=candidate)
    make.scorecard(
        rnd,
        make.user(roles=["juror"]),
        application,
        scores={"c1": 5},
        comment_to_candidate="Not yet released.",
    )
    db.commit()
    html = candidate_client.get(f"/candidate/applications/{application.id}").get_data(as_text=True)
    assert "jury-comments-heading" not in html
    assert "Not yet released." not in html
