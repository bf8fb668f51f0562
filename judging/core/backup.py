"""One archive holds a whole installation: every table, the uploaded files, a manifest with checksums.

``judging backup -o FILE`` and ``judging restore FILE`` (``cli_ops``) call this. The archive is a
gzipped tar: ``manifest.json`` (format, schema revision, row count per table, sha256 of every
member), ``tables/<table>.jsonl`` (one JSON object per row, in ``Base.metadata.sorted_tables``
order, rows by primary key) and ``uploads/…`` (the upload folder as it is). Values are written
by column type (datetimes in UTC ISO 8601, decimals as text, JSON as JSON), so an archive taken
on SQLite restores into PostgreSQL and back.

A restore reads the whole archive and checks every checksum before it touches anything; it needs
an empty database (any schema revision up to the archive's, or none) and an empty upload folder,
inserts every row in one transaction, puts the files in place by one rename, then upgrades the
schema to this code's head. Nothing is half-written: a failure leaves the database and the
upload folder as they were.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import warnings
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy import Time as TimeType
from sqlalchemy.exc import SAWarning

from judging.core.migrate import current_revision, head_revision, known_revisions, upgrade
from judging.core.models import Base, utcnow
from judging.db import make_engine

FORMAT = "judging-backup/1"
MANIFEST = "manifest.json"
BATCH = 1000
CHUNK = 1 << 20


class BackupError(Exception):
    """Why a backup or a restore cannot be done, in one line for the operator."""


# -- values ------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    """A column value as JSON: datetimes in UTC (naive ones are UTC by the app's rule)."""
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decoder(column_type: Any):
    """How to turn a JSON value back into what the column takes (by the column's type)."""
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat
    if isinstance(column_type, Date):
        return date.fromisoformat
    if isinstance(column_type, TimeType):
        return time.fromisoformat
    if isinstance(column_type, Numeric) and column_type.asdecimal:
        return Decimal
    if isinstance(column_type, LargeBinary):
        return base64.b64decode
    return None


def _row_decoder(table: Table):
    decoders = {c.name: d for c in table.columns if (d := _decoder(c.type)) is not None}

    def decode(row: dict[str, Any]) -> dict[str, Any]:
        for name, convert in decoders.items():
            if row.get(name) is not None:
                row[name] = convert(row[name])
        return row

    return decode


# -- the database as it is -----------------------------------------------------------------------


def _reflected(connection: Connection) -> list[Table]:
    """The database's own tables (its revision may be older than the models), in the models' order."""
    present = set(inspect(connection).get_table_names())
    ordered = [t.name for t in Base.metadata.sorted_tables if t.name in present]
    metadata = MetaData()
    with warnings.catch_warnings():  # expression indexes (lower(email)) are not needed to copy rows
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
        metadata.reflect(connection, only=ordered)
    for table in metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, JSON) and column.nullable:
                column.type.none_as_null = True  # SQL NULL stays SQL NULL
    return [metadata.tables[name] for name in ordered]


def _rows(connection: Connection, table: Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(
        select(table).order_by(*order)
    )
    for row in result.mappings():
        yield {name: _encode(value) for name, value in row.items()}


# -- backup ----------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _dump_tables(connection: Connection, folder: Path) -> dict[str, int]:
    counts = {}
    for table in _reflected(connection):
        count = 0
        with (folder / f"{table.name}.jsonl").open("w", encoding="utf-8") as handle:
            for row in _rows(connection, table):
                handle.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
        counts[table.name] = count
    return counts


def _upload_files(upload_folder: Path) -> list[Path]:
    if not upload_folder.is_dir():
        return []
    return sorted(p for p in upload_folder.rglob("*") if p.is_file() and not p.is_symlink())


def write_backup(engine: Engine, upload_folder: Path, output: Path) -> dict[str, Any]:
    """Write the archive to ``output`` (via a temporary file and a rename); return its manifest."""
    with tempfile.TemporaryDirectory(prefix="judging-backup-") as scratch:
        tables = Path(scratch)
        with _snapshot(engine, Path(scratch)) as connection:
            revision = current_revision(connection)
            if revision is None:
                raise BackupError("The database has no schema (run judging db upgrade): nothing to back up.")
            counts = _dump_tables(connection, tables)
        files = _upload_files(upload_folder)
        members = {f"tables/{name}.jsonl": _sha256_file(tables / f"{name}.jsonl") for name in counts}
        members |= {f"uploads/{p.relative_to(upload_folder).as_posix()}": _sha256_file(p) for p in files}
        manifest = {
            "format": FORMAT,
            "schema_revision": revision,
            "created_at": utcnow().isoformat(),
            "database": engine.dialect.name,
            "tables": counts,
            "uploads": len(files),
            "members": members,
        }
        sources = {f"tables/{name}.jsonl": tables / f"{name}.jsonl" for name in counts}
        sources |= {f"uploads/{p.relative_to(upload_folder).as_posix()}": p for p in files}
        _write_archive(output, manifest, sources)
    return manifest


@contextlib.contextmanager
def _snapshot(engine: Engine, scratch: Path) -> Iterator[Connection]:
    """One consistent view of every table while they are read; writers go on meanwhile.

    PostgreSQL: a REPEATABLE READ transaction. SQLite: its online backup copies the file in one
    step (the database is locked for that copy only, not while the rows are written out).
    """
    if engine.dialect.name != "sqlite":
        options = {"isolation_level": "REPEATABLE READ"}
        with engine.connect().execution_options(**options) as connection, connection.begin():
            yield connection
        return
    copy_path = scratch / "snapshot.sqlite"
    source = engine.raw_connection()
    try:
        with contextlib.closing(sqlite3.connect(copy_path)) as copy:
            source.driver_connection.backup(copy)  # type: ignore[union-attr]
    finally:
        source.close()
    snapshot = make_engine(f"sqlite:///{copy_path}")
    try:
        with snapshot.connect() as connection:
            yield connection
    finally:
        snapshot.dispose()


def _write_archive(output: Path, manifest: dict[str, Any], sources: dict[str, Path]) -> None:
    partial = output.with_name(f".{output.name}.partial")
    try:
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(utcnow().timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
            for name, path in sources.items():
                archive.add(path, arcname=name, recursive=False)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


# -- reading an archive ---------------------------------------------------------------------------------


def read_manifest(archive_path: Path) -> dict[str, Any]:
    """The manifest, after checking that every member is there, unaltered, and nothing else is."""
    manifest, seen = None, {}
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            for member in archive:
                if not member.isfile() or not _expected_name(member.name):
                    raise BackupError(
                        f"{archive_path}: unexpected entry {member.name!r} (not a judging backup)."
                    )
                handle = archive.extractfile(member)
                if member.name == MANIFEST:
                    manifest = _parse_manifest(archive_path, handle.read())  # type: ignore[union-attr]
                else:
                    seen[member.name] = _sha256_stream(handle)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BackupError(f"{archive_path}: truncated or not a judging backup ({_reason(error)}).") from None
    if manifest is None:
        raise BackupError(f"{archive_path}: no {MANIFEST} (not a judging backup).")
    _compare_members(archive_path, manifest["members"], seen)
    return manifest


def _expected_name(name: str) -> bool:
    """The manifest, a table, or an upload inside the upload folder (no absolute path, no ``..``)."""
    parts = PurePosixPath(name).parts
    if name == MANIFEST:
        return True
    if len(parts) == 2 and parts[0] == "tables" and parts[1].endswith(".jsonl"):
        return True
    return len(parts) >= 2 and parts[0] == "uploads" and ".." not in parts and not name.startswith("/")


def _reason(error: BaseException) -> str:
    return str(error) or error.__class__.__name__


def _sha256_stream(handle) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _parse_manifest(archive_path: Path, data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except ValueError:
        raise BackupError(f"{archive_path}: the manifest is not valid JSON (altered).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path}: not a {FORMAT} archive.")
    for key in ("schema_revision", "tables", "members"):
        if key not in manifest:
            raise BackupError(f"{archive_path}: the manifest has no {key!r} (altered).")
    return manifest


def _compare_members(archive_path: Path, listed: dict[str, str], seen: dict[str, str]) -> None:
    for name, digest in listed.items():
        if name not in seen:
            raise BackupError(f"{archive_path}: {name} is missing (truncated or altered archive).")
        if seen[name] != digest:
            raise BackupError(f"{archive_path}: {name} does not match its checksum (altered archive).")
    extra = sorted(set(seen) - set(listed))
    if extra:
        raise BackupError(f"{archive_path}: {extra[0]} is not in the manifest (altered archive).")


# -- restore ---------------------------------------------------------------------------------------------


def restore_backup(
    database_url: str, engine: Engine, upload_folder: Path, archive_path: Path
) -> dict[str, Any]:
    """Restore the archive into an empty database and an empty upload folder; return its manifest."""
    manifest = read_manifest(archive_path)
    revision = manifest["schema_revision"]
    if revision not in known_revisions():
        raise BackupError(
            f"{archive_path}: made at schema {revision}, newer than this version of judging knows "
            f"(its newest is {head_revision()}); install the version that made it."
        )
    _refuse_non_empty(engine, revision)
    _refuse_non_empty_folder(upload_folder)
    upgrade(database_url, revision)
    staged = _stage_uploads(archive_path, upload_folder)
    moved = False
    try:
        with engine.begin() as connection:
            _load_tables(connection, archive_path, manifest)
            _move_into_place(staged, upload_folder)  # the last step before the commit
            moved = True
    except BaseException:
        if moved:  # the rows were not kept: neither are the files
            upload_folder.rename(staged)
            upload_folder.mkdir()
        raise
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    upgrade(database_url, "head")
    return manifest


def _refuse_non_empty(engine: Engine, revision: str) -> None:
    with engine.connect() as connection:
        current = current_revision(connection)
        filled = [
            f"{table.name} ({count} rows)"
            for table in _reflected(connection)
            if (count := connection.execute(select(func.count()).select_from(table)).scalar())
        ]
    if filled:
        raise BackupError(
            f"The database is not empty ({', '.join(filled[:3])}…): restore needs an empty database; "
            "nothing was changed."
        )
    if current is not None and current != revision:
        raise BackupError(
            f"The empty database is at schema {current}, the archive at {revision}: "
            "restore into a new database (created, not upgraded)."
        )


def _refuse_non_empty_folder(upload_folder: Path) -> None:
    if upload_folder.exists() and (not upload_folder.is_dir() or any(upload_folder.iterdir())):
        raise BackupError(f"The upload folder {upload_folder} is not empty: restore needs an empty one.")
    parent = upload_folder.parent
    if not os.access(parent, os.W_OK) and not upload_folder.exists():
        raise BackupError(f"The upload folder {upload_folder} cannot be created ({parent} is read-only).")


def _stage_uploads(archive_path: Path, upload_folder: Path) -> Path:
    """Unpack the uploads next to their folder (same file system, so the final move is one rename)."""
    upload_folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        staged = Path(tempfile.mkdtemp(prefix=f".{upload_folder.name}-restoring-", dir=upload_folder.parent))
    except OSError as error:
        raise BackupError(f"The upload folder {upload_folder} is not writable ({error.strerror}).") from None
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            for member in archive:
                if member.name.startswith("uploads/"):
                    _unpack(archive, member, staged)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def _unpack(archive: tarfile.TarFile, member: tarfile.TarInfo, staged: Path) -> None:
    target = staged / member.name.removeprefix("uploads/")
    if staged.resolve() not in target.resolve().parents:  # read_manifest refused these already
        raise BackupError(f"{member.name} points outside the upload folder.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.extractfile(member) as source, target.open("wb") as copy:  # type: ignore[union-attr]
        shutil.copyfileobj(source, copy, CHUNK)


def _move_into_place(staged: Path, upload_folder: Path) -> None:
    if upload_folder.exists():
        upload_folder.rmdir()  # checked empty above
    staged.rename(upload_folder)


def _load_tables(connection: Connection, archive_path: Path, manifest: dict[str, Any]) -> None:
    tables = {table.name: table for table in _reflected(connection)}
    unknown = sorted(set(manifest["tables"]) - set(tables))
    if unknown:
        raise BackupError(
            f"{archive_path}: table {unknown[0]} does not exist at schema {manifest['schema_revision']}."
        )
    with tarfile.open(archive_path, "r:gz") as archive:
        for name, table in tables.items():
            if name not in manifest["tables"]:
                continue
            handle = archive.extractfile(f"tables/{name}.jsonl")
            count = _insert_rows(connection, table, io.TextIOWrapper(handle, encoding="utf-8"))  # type: ignore[arg-type]
            if count != manifest["tables"][name]:
                raise BackupError(
                    f"{archive_path}: {name} holds {count} rows, its manifest {manifest['tables'][name]}."
                )
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection, tables.values())


def _insert_rows(connection: Connection, table: Table, lines) -> int:
    if connection.dialect.driver == "psycopg":
        return _copy_rows(connection, table, lines)
    decode, batch, count = _row_decoder(table), [], 0
    for line in lines:
        batch.append(decode(json.loads(line)))
        count += 1
        if len(batch) == BATCH:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
    return count


def _copy_rows(connection: Connection, table: Table, lines) -> int:
    """PostgreSQL: the rows through ``COPY`` (several times faster than INSERTs), same transaction."""
    from psycopg.types.json import Json

    def json_cell(value: Any, nullable: bool) -> Any:
        return None if value is None and nullable else Json(value)  # SQL NULL stays SQL NULL

    decode, count = _row_decoder(table), 0
    names = [column.name for column in table.columns]
    json_columns = {c.name: c.nullable for c in table.columns if isinstance(c.type, JSON)}
    quote = connection.dialect.identifier_preparer.quote
    target = connection.dialect.identifier_preparer.format_table(table)
    statement = f"COPY {target} ({', '.join(quote(name) for name in names)}) FROM STDIN"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(statement) as copy:
        for line in lines:
            row = decode(json.loads(line))
            copy.write_row(
                [json_cell(row.get(n), json_columns[n]) if n in json_columns else row.get(n) for n in names]
            )
            count += 1
    return count


def _reset_sequences(connection: Connection, tables) -> None:
    """After explicit ids, PostgreSQL's sequences start past the largest one (the next insert works)."""
    for table in tables:
        if "id" not in table.columns or len(table.primary_key.columns) != 1:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 (reflected names)
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
            )
        )
