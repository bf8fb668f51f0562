"""``judging backup`` and ``judging restore``: the same edition back (SQLite, PostgreSQL), or a refusal."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from judging import create_app
from judging.accounts.models import User
from judging.applications.models import Application
from judging.core.migrate import head_revision, upgrade
from judging.core.models import Base
from judging.db import get_engine, make_engine
from judging.devdata import demo
from tests.integration.deploy.scratch_db import scratch_postgres

#: Bytes that must come back exactly (a PDF with every byte value, a PNG header).
FILES = {
    "dossier.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 40,
    "logo.png": b"\x89PNG\r\n\x1a\n" + os.urandom(3000),
}


def _load_demo_with_files(application) -> None:
    """The demo edition plus two uploaded files on two of its applications."""
    from judging.core.uploads import CheckedFile, attachment_from, store
    from judging.db import session

    with application.app_context():
        demo.load_demo(session)
        owners = session.scalars(select(Application).order_by(Application.id).limit(2)).all()
        for owner, (name, data) in zip(owners, FILES.items(), strict=True):
            checked = CheckedFile(name, "application/pdf", data, hashlib.sha256(data).hexdigest())
            attachment = attachment_from(checked, key=store(session, checked), question=None)
            owner.attachments.append(attachment)
        session.commit()


def _cli(application, *args: str):
    return application.test_cli_runner().invoke(args=list(args))


def _export(application, tmp_path: Path, name: str) -> bytes:
    result = _cli(application, "export", demo.EDITION_CODE, "-o", str(tmp_path / name))
    assert result.exit_code == 0, result.output
    return (tmp_path / name).read_bytes()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        present = set(connection.dialect.get_table_names(connection))
        counts = {
            t.name: connection.execute(select(func.count()).select_from(t)).scalar()
            for t in Base.metadata.sorted_tables
            if t.name in present
        }
    engine.dispose()
    return counts


@pytest.fixture
def make_app(app_config, tmp_path):
    made = []

    def build(url: str, uploads: Path):
        application = create_app({**app_config, "DATABASE_URL": url, "UPLOAD_FOLDER": str(uploads)})
        made.append(application)
        return application

    yield build
    for application in made:
        get_engine(application).dispose()


@pytest.fixture
def source(app, tmp_path):
    """The test database holding the demo edition and two files, and its archive."""
    _load_demo_with_files(app)
    archive = tmp_path / "demo-backup.tar.gz"
    result = _cli(app, "backup", "-o", str(archive))
    assert result.exit_code == 0, result.output
    assert f"{archive}: schema {head_revision()}" in result.output
    return app, archive


@pytest.fixture
def postgres_url(database_url):
    with scratch_postgres(database_url, "restore") as url:
        yield url


def _assert_same_installation(original, restored, tmp_path: Path) -> None:
    assert _export(restored, tmp_path, "after.json") == _export(original, tmp_path, "before.json")
    before = _files(Path(original.config["UPLOAD_FOLDER"]))
    assert sorted(before.values()) == sorted(FILES.values())
    assert _files(Path(restored.config["UPLOAD_FOLDER"])) == before
    for role, email in demo.DEMO_LOGINS.items():  # every password still works
        client = restored.test_client()
        response = client.post("/auth/login", data={"email": email, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, role
        assert client.get("/auth/profile").status_code == 200, role
        refused = restored.test_client().post("/auth/login", data={"email": email, "password": "wrong"})
        assert refused.status_code == 200, role  # the form again, with its message
    organizer = restored.test_client()
    organizer.post("/auth/login", data={"email": demo.ORGANIZER_EMAIL, "password": demo.DEMO_PASSWORD})
    assert organizer.get("/organizer/").status_code == 200


def test_restore_into_an_empty_database_gives_back_the_same_edition(source, make_app, tmp_path):
    original, archive = source
    target = make_app(f"sqlite:///{tmp_path / 'restored.sqlite'}", tmp_path / "restored-uploads")
    result = _cli(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "2 uploaded files" in result.output
    _assert_same_installation(original, target, tmp_path)


def test_a_sqlite_backup_restores_into_postgresql(make_app, postgres_url, tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'small-contest.sqlite'}"
    upgrade(sqlite_url)
    original = make_app(sqlite_url, tmp_path / "uploads")
    _load_demo_with_files(original)
    archive = tmp_path / "move-up.tar.gz"
    assert _cli(original, "backup", "-o", str(archive)).exit_code == 0

    target = make_app(postgres_url, tmp_path / "pg-uploads")
    result = _cli(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    _assert_same_installation(original, target, tmp_path)
    with target.app_context():  # sequences were moved past the restored ids: new rows get new ones
        from judging.db import session

        session.add(User(email="nouvelle@mtl-tech-awards.example", name="Nouvelle", language="fr"))
        session.commit()
        assert session.scalar(select(func.max(User.id))) == session.scalar(
            select(User.id).where(User.email == "nouvelle@mtl-tech-awards.example")
        )


def test_restore_refuses_a_database_that_holds_data(source, tmp_path):
    original, archive = source
    counts = _row_counts(original.config["DATABASE_URL"])
    result = _cli(original, "restore", str(archive))
    assert result.exit_code == 1
    assert "The database is not empty" in result.output and "nothing was changed" in result.output
    assert _row_counts(original.config["DATABASE_URL"]) == counts


def test_restore_refuses_an_upload_folder_that_holds_files(source, make_app, tmp_path):
    _, archive = source
    uploads = tmp_path / "busy-uploads"
    uploads.mkdir()
    (uploads / "someone-elses.pdf").write_bytes(b"%PDF-1.4 keep me")
    target = make_app(f"sqlite:///{tmp_path / 'restored.sqlite'}", uploads)
    result = _cli(target, "restore", str(archive))
    assert result.exit_code == 1
    assert f"The upload folder {uploads} is not empty" in result.output
    assert _files(uploads) == {"someone-elses.pdf": b"%PDF-1.4 keep me"}
    assert not any(_row_counts(f"sqlite:///{tmp_path / 'restored.sqlite'}").values())


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}


def _rewrite(archive: Path, target: Path, members: dict[str, bytes], link: str | None = None) -> Path:
    with tarfile.open(target, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if link:
            info = tarfile.TarInfo(link)
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(info)
    return target


def _escaping(members: dict[str, bytes]) -> dict[str, bytes]:
    """An upload member whose name climbs out of the upload folder, listed with its right checksum."""
    name = "uploads/../../escaped.pdf"
    manifest = json.loads(members["manifest.json"])
    manifest["members"][name] = hashlib.sha256(b"%PDF-1.4 out").hexdigest()
    return {**members, "manifest.json": json.dumps(manifest).encode(), name: b"%PDF-1.4 out"}


def _with_manifest(members: dict[str, bytes], **changes) -> dict[str, bytes]:
    manifest = json.loads(members["manifest.json"])
    manifest.update(changes)
    return {**members, "manifest.json": json.dumps(manifest).encode()}


def _broken_archives(archive: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    data, members = archive.read_bytes(), _members(archive)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(data[: len(data) // 2])
    users = members["tables/users.jsonl"].replace(b"organisatrice@", b"intruse@", 1)
    assert users != members["tables/users.jsonl"]
    counts = json.loads(members["manifest.json"])["tables"]
    without_uploads = {name: data for name, data in members.items() if not name.startswith("uploads/")}
    return {
        "truncated": (truncated, "truncated or not a judging backup"),
        "not gzip": (_plain(tmp_path), "truncated or not a judging backup"),
        "altered": (
            _rewrite(archive, tmp_path / "altered.tar.gz", {**members, "tables/users.jsonl": users}),
            "tables/users.jsonl does not match its checksum (altered archive)",
        ),
        "member removed": (
            _rewrite(archive, tmp_path / "short.tar.gz", without_uploads),
            "is missing (truncated or altered archive)",
        ),
        "newer schema": (
            _rewrite(archive, tmp_path / "newer.tar.gz", _with_manifest(members, schema_revision="0042")),
            "made at schema 0042, newer than this version of judging knows",
        ),
        "counts altered": (
            _rewrite(
                archive,
                tmp_path / "counts.tar.gz",
                _with_manifest(members, tables={**counts, "users": counts["users"] + 1}),
            ),
            f"users holds {counts['users']} rows, its manifest {counts['users'] + 1}",
        ),
        "path out of the folder": (
            _rewrite(archive, tmp_path / "escape.tar.gz", _escaping(members)),
            "unexpected entry 'uploads/../../escaped.pdf' (not a judging backup)",
        ),
        "symbolic link": (
            _rewrite(archive, tmp_path / "link.tar.gz", members, link="uploads/passwd"),
            "unexpected entry 'uploads/passwd' (not a judging backup)",
        ),
    }


def _plain(tmp_path: Path) -> Path:
    path = tmp_path / "notes.tar.gz"
    path.write_bytes(gzip.compress(b"not a tar archive at all"))
    return path


def test_restore_refuses_broken_archives_with_the_reason_and_keeps_nothing(source, make_app, tmp_path):
    _, archive = source
    for case, (broken, reason) in _broken_archives(archive, tmp_path).items():
        url = f"sqlite:///{tmp_path / f'{case}.sqlite'}"
        uploads = tmp_path / f"{case}-uploads"
        result = _cli(make_app(url, uploads), "restore", str(broken))
        assert result.exit_code == 1, case
        assert reason in result.output, (case, result.output)
        assert len(result.output.strip().splitlines()) == 1, case
        assert not any(_row_counts(url).values()), case
        assert not uploads.exists() or not any(uploads.iterdir()), case
        assert not [p for p in tmp_path.glob(f".{case}-uploads-restoring-*")], case


def test_missing_archive_and_unwritable_places_are_one_line(app, make_app, tmp_path):
    missing = _cli(app, "restore", str(tmp_path / "nowhere.tar.gz"))
    assert missing.exit_code == 1
    assert missing.output.strip() == f"{tmp_path / 'nowhere.tar.gz'}: no such readable file."
    no_folder = _cli(app, "backup", "-o", str(tmp_path / "absent" / "b.tar.gz"))
    assert no_folder.exit_code == 1
    assert no_folder.output.strip() == f"{tmp_path / 'absent'} is not a folder: nothing was written."
    assert not (tmp_path / "absent").exists()


def test_a_restore_into_an_upload_folder_it_cannot_create_is_refused(source, make_app, tmp_path):
    _, archive = source
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    url = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    result = _cli(make_app(url, blocker / "uploads"), "restore", str(archive))
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not any(_row_counts(url).values())


def test_a_backup_of_a_database_without_schema_or_answer_is_one_line(make_app, tmp_path):
    blank = make_app(f"sqlite:///{tmp_path / 'blank.sqlite'}", tmp_path / "uploads")
    result = _cli(blank, "backup", "-o", str(tmp_path / "b.tar.gz"))
    assert result.exit_code == 1
    assert result.output.strip() == "The database has no schema (run judging db upgrade): nothing to back up."
    away = make_app("postgresql+psycopg://judging:s3cret@127.0.0.1:1/awards", tmp_path / "uploads")
    result = _cli(away, "backup", "-o", str(tmp_path / "b.tar.gz"))
    assert result.exit_code == 1
    assert result.output.startswith("The database does not answer: connection failed")
    assert len(result.output.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*b.tar.gz*"))


@pytest.fixture
def postgres_or_none(database_url):
    if not database_url.startswith("postgresql"):
        yield None
        return
    with scratch_postgres(database_url, "older") as url:
        yield url


def test_an_archive_from_an_older_version_restores_and_is_upgraded(make_app, tmp_path, postgres_or_none):
    postgres = postgres_or_none
    from tests.scenarios import assert_rows_intact, database_at_0001

    last_year = f"sqlite:///{tmp_path / 'last-year.sqlite'}"
    written = database_at_0001(last_year)
    archive = tmp_path / "last-year.tar.gz"
    made = _cli(make_app(last_year, tmp_path / "uploads"), "backup", "-o", str(archive))
    assert made.exit_code == 0, made.output
    assert "schema 0001" in made.output

    this_year = f"sqlite:///{tmp_path / 'this-year.sqlite'}"
    restored = _cli(make_app(this_year, tmp_path / "new-uploads"), "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert_rows_intact(this_year, written)
    if postgres is not None:  # and into PostgreSQL, through COPY
        restored = _cli(make_app(postgres, tmp_path / "pg-uploads"), "restore", str(archive))
        assert restored.exit_code == 0, restored.output
        assert_rows_intact(postgres, written)


def test_a_backup_is_one_moment_even_while_people_write(source, make_app, tmp_path, monkeypatch):
    """A row written while the tables are being read out is not in the archive (nor half of it)."""
    import judging.core.backup as backup

    original, _ = source
    reflect = backup._reflected

    def reflect_then_someone_registers(connection):
        engine = make_engine(original.config["DATABASE_URL"])
        with engine.begin() as other:
            row = {"email": "pendant@exemple.org", "name": "Pendant", "language": "fr"}
            other.execute(User.__table__.insert().values(row))
        engine.dispose()
        return reflect(connection)

    monkeypatch.setattr(backup, "_reflected", reflect_then_someone_registers)
    archive = tmp_path / "during.tar.gz"
    assert _cli(original, "backup", "-o", str(archive)).exit_code == 0
    users = _members(archive)["tables/users.jsonl"].decode()
    assert "pendant@exemple.org" not in users
    assert _row_counts(original.config["DATABASE_URL"])["users"] == len(users.splitlines()) + 1
