"""The core `judging` commands: each explains its failure and exits non-zero."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash

from judging.accounts.models import User
from judging.core.audit_event import AuditEvent
from judging.mail.models import OutgoingMail


def test_create_organizer(runner, db):
    result = runner.invoke(
        args=[
            "create-organizer",
            "--email",
            "Boss@Example.org",
            "--name",
            "Bea Boss",
            "--password",
            "Organise-2026!",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Organizer boss@example.org is ready." in result.output
    user = db.scalars(select(User).where(User.email == "boss@example.org")).one()
    assert user.roles == {"organizer"}
    assert check_password_hash(user.password_hash, "Organise-2026!")
    assert user.email_confirmed_at is not None
    assert db.scalars(select(AuditEvent.action)).all() == ["user.organizer_created"]


def test_create_organizer_refuses_a_weak_password(runner, db):
    result = runner.invoke(
        args=["create-organizer", "--email", "a@example.org", "--name", "A", "--password", "short"]
    )
    assert result.exit_code == 1
    assert "Utilisez au moins 10 caractères." in result.output  # the default language
    assert db.scalars(select(User)).all() == []


def test_create_organizer_refuses_a_malformed_email(runner, db):
    result = runner.invoke(
        args=["create-organizer", "--email", "not-an-email", "--name", "A", "--password", "Organise-2026!"]
    )
    assert result.exit_code == 1
    assert "Entrez une adresse courriel valide." in result.output


def test_db_upgrade_is_idempotent(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "Database is up to date." in result.output


def test_db_upgrade_failure_is_explained(app, tmp_path):
    app.config["DATABASE_URL"] = f"sqlite:///{tmp_path}/missing-dir/nope/db.sqlite"
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert "Database upgrade failed" in result.output


def test_send_mail_reports_failures_and_keeps_the_mail(app, runner, db):
    from judging.core.models import utcnow

    db.add(
        OutgoingMail(
            to_address="x@example.org", template="t", subject="s", body_text="b", send_after=utcnow()
        )
    )
    db.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 75  # EX_TEMPFAIL: it will be retried
    assert "0 sent, 1 failed; 1 waiting, 0 given up." in result.output
    mail = db.scalars(select(OutgoingMail)).one()
    db.refresh(mail)
    assert mail.sent_at is None and mail.attempts == 1 and mail.last_error
