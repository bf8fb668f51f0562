"""Migration 0008: an edition's edited announcement texts become its outcome texts."""

from __future__ import annotations

from sqlalchemy import text

from judging.core.migrate import upgrade
from judging.db import make_engine
from tests.integration.deploy.scratch_db import scratch_postgres

ROWS = [  # (edition, key, language, subject)
    (1, "finalist_selected", "fr", "Bravo, finaliste (texte de l'annonce)"),
    (1, "not_selected", "en", "Not this time (announcement text)"),
    (2, "finalist_selected", "fr", "Ancien texte de l'annonce"),
    (2, "outcome_finalist", "fr", "Texte plus récent des résultats"),
]


def _carries_the_texts_over(url: str) -> None:
    upgrade(url, "0007")
    engine = make_engine(url)
    with engine.begin() as conn:
        for code in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO editions (id, code, name, timezone, applications_open, applications_close,"
                    " created_at, updated_at, version) VALUES (:id, :code, '\"E\"', 'America/Montreal',"
                    " '2026-01-01 00:00:00', '2026-02-01 00:00:00', '2026-01-01 00:00:00',"
                    " '2026-01-01 00:00:00', 1)"
                ),
                {"id": code, "code": f"e{code}"},
            )
        for edition, key, language, subject in ROWS:
            conn.execute(
                text(
                    "INSERT INTO mail_templates (edition_id, key, language, subject, body, updated_at,"
                    " version) VALUES (:e, :k, :l, :s, 'body', '2026-01-01 00:00:00', 1)"
                ),
                {"e": edition, "k": key, "l": language, "s": subject},
            )
    upgrade(url)
    with engine.connect() as conn:
        rows = set(conn.execute(text("SELECT edition_id, key, language, subject FROM mail_templates")))
    engine.dispose()
    assert rows == {
        (1, "outcome_finalist", "fr", "Bravo, finaliste (texte de l'annonce)"),
        (1, "outcome_not_selected", "en", "Not this time (announcement text)"),
        (2, "outcome_finalist", "fr", "Texte plus récent des résultats"),
    }


def test_0008_carries_edited_announcement_texts_over_on_sqlite(tmp_path):
    _carries_the_texts_over(f"sqlite:///{tmp_path / 'at-0007.sqlite'}")


def test_0008_carries_edited_announcement_texts_over_on_postgresql(database_url):
    with scratch_postgres(database_url, "mail0008") as url:
        _carries_the_texts_over(url)
