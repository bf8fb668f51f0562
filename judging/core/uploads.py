"""Uploaded files: checked by their content, stored outside ``static/`` under a random key, served to few.

* The kind of file a ``file`` question accepts is :func:`accepted_formats`: a pitch deck (PDF) by
  default, a logo (PNG or JPEG) when the question's code or label says "logo", or the formats listed
  in the question's ``options`` (codes ``pdf``, ``png``, ``jpeg``).
* :func:`inspect` reads the bytes (never more than the limit plus one), recognises the format by its
  magic bytes (``%PDF-``, ``\\x89PNG\\r\\n\\x1a\\n``, ``\\xff\\xd8\\xff``), refuses empty and too large
  files, and returns a :class:`CheckedFile` with a safe display name whose extension follows the
  content.
* :func:`store` writes the bytes to ``UPLOAD_FOLDER/<random key>``. New files are removed again if
  the transaction rolls back; files scheduled with :func:`remove_after_commit` disappear from disk
  only once the transaction commits, so a failed request never loses a file still referenced.
* Serving: every route that serves an upload asks ``applications.downloads.download_for`` (who may
  fetch it, under which name) and answers with :func:`file_response` (always a download: ``attachment``,
  ``nosniff``, a sandbox CSP, the type checked at upload).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import Response, abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from judging.applications.models import Attachment
from judging.core.models import localized
from judging.editions.models import Question

MB = 1024 * 1024
FORMATS: dict[str, dict[str, Any]] = {
    "pdf": {"magic": (b"%PDF-",), "mime": "application/pdf", "ext": "pdf", "label": "PDF"},
    "png": {"magic": (b"\x89PNG\r\n\x1a\n",), "mime": "image/png", "ext": "png", "label": "PNG"},
    "jpeg": {"magic": (b"\xff\xd8\xff",), "mime": "image/jpeg", "ext": "jpg", "label": "JPEG"},
}
DECK_FORMATS = ("pdf",)
LOGO_FORMATS = ("png", "jpeg")
_INFO_KEY = "judging.uploads"


class UploadError(Exception):
    """A file refused, with a translated message for the person who sent it."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes
    sha256: str

    @property
    def size_bytes(self) -> int:
        return len(self.data)


# Which files a question accepts -------------------------------------------------------------------


def accepted_formats(question: Question) -> tuple[str, ...]:
    """The format codes a ``file`` question accepts (see the module docstring)."""
    codes = tuple(
        str(option.get("code")).lower()
        for option in question.options or []
        if isinstance(option, dict) and str(option.get("code", "")).lower() in FORMATS
    )
    if codes:
        return codes
    label = " ".join(
        [question.code or "", localized(question.label, "fr"), localized(question.label, "en")]
    ).lower()
    return LOGO_FORMATS if "logo" in label else DECK_FORMATS


def max_bytes(question: Question) -> int:
    """The prize's limit for this kind of file (``max_logo_mb`` for images only, else ``max_deck_mb``)."""
    prize = question.prize
    images_only = all(code in LOGO_FORMATS for code in accepted_formats(question))
    megabytes = (prize.max_logo_mb if images_only else prize.max_deck_mb) if prize is not None else None
    return int(megabytes or (2 if images_only else 10)) * MB


def formats_label(question: Question) -> str:
    return ", ".join(FORMATS[code]["label"] for code in accepted_formats(question))


def accept_attribute(question: Question) -> str:
    """The ``accept`` attribute of the file input (a hint for the browser; the server decides)."""
    types = []
    for code in accepted_formats(question):
        types += [FORMATS[code]["mime"], "." + FORMATS[code]["ext"]]
        if code == "jpeg":
            types.append(".jpeg")
    return ",".join(types)


# Checking content -----------------------------------------------------------------------------


def detect_format(head: bytes) -> str | None:
    for code, spec in FORMATS.items():
        if any(head.startswith(magic) for magic in spec["magic"]):
            return code
    return None


def safe_filename(original: str | None, fmt: str) -> str:
    """A display name without any path, made of safe characters, with the extension of the content."""
    name = (original or "").replace("\\", "/").split("/")[-1]
    name = unicodedata.normalize("NFKD", name)
    name = secure_filename(os.path.basename(name))
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"[^A-Za-z0-9_.-]", "", stem).strip("._-")[:100] or "file"
    return f"{stem}.{FORMATS[fmt]['ext']}"


def inspect(stream: IO[bytes], filename: str | None, *, formats: tuple[str, ...], limit: int) -> CheckedFile:
    """Read and check an upload; raise :class:`UploadError` with a translated reason when refused."""
    data = stream.read(limit + 1)
    if not data:
        raise UploadError(_l("This file is empty."))
    if len(data) > limit:
        raise UploadError(_l("This file is larger than %(mb)s MB.", mb=limit // MB))
    fmt = detect_format(data[:16])
    if fmt is None or fmt not in formats:
        allowed = ", ".join(FORMATS[code]["label"] for code in formats)
        raise UploadError(_l("This file is not a valid %(formats)s file.", formats=allowed))
    return CheckedFile(
        filename=safe_filename(filename, fmt),
        content_type=FORMATS[fmt]["mime"],
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )


# Storage ----------------------------------------------------------------------------------------


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path_of(attachment: Attachment) -> Path:
    key = attachment.storage_key
    if not re.fullmatch(r"[0-9a-f]{32,64}", key or ""):
        raise FileNotFoundError(key)
    return Path(current_app.config["UPLOAD_FOLDER"]) / key


def _pending(db: Session) -> dict[str, list[Path]]:
    return db.info.setdefault(_INFO_KEY, {"new": [], "old": []})


def store(db: Session, checked: CheckedFile) -> str:
    """Write the bytes under a new random key; returns the key. Undone if the transaction rolls back."""
    key = secrets.token_hex(16)
    path = upload_folder() / key
    tmp = path.with_name(key + ".part")
    with open(tmp, "xb") as handle:
        handle.write(checked.data)
    tmp.replace(path)
    _pending(db)["new"].append(path)
    return key


def remove_after_commit(db: Session, attachment: Attachment) -> None:
    with contextlib.suppress(FileNotFoundError):
        _pending(db)["old"].append(path_of(attachment))


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@event.listens_for(Session, "after_commit")
def _after_commit(db: Session) -> None:
    pending = db.info.pop(_INFO_KEY, None)
    if pending:
        _unlink(pending["old"])


@event.listens_for(Session, "after_rollback")
def _after_rollback(db: Session) -> None:
    pending = db.info.pop(_INFO_KEY, None)
    if pending:
        _unlink(pending["new"])


def attachment_from(checked: CheckedFile, *, key: str, question: Question | None) -> Attachment:
    return Attachment(
        question_id=question.id if question is not None else None,
        filename=checked.filename,
        content_type=checked.content_type,
        size_bytes=checked.size_bytes,
        sha256=checked.sha256,
        storage_key=key,
        identifying=bool(question.identifying) if question is not None else False,
    )


# Who gets which file, under which name, and how it is served --------------------------------------

#: Served to every viewer, from every route: a download (never rendered in the site's origin), the type
#: never sniffed, and a sandbox should a browser render it anyway (a "PDF" may hide HTML or JavaScript
#: behind its ``%PDF-`` header).
SAFE_FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}
SERVED_TYPES = frozenset(spec["mime"] for spec in FORMATS.values())


@dataclass(frozen=True)
class Download:
    """A file a viewer may fetch, and the name they get it under."""

    attachment: Attachment
    name: str


def served_type(attachment: Attachment) -> str:
    """The stored type when it is one the upload check produces; anything else is served as bytes."""
    return attachment.content_type if attachment.content_type in SERVED_TYPES else "application/octet-stream"


def file_response(download: Download | None) -> Response:
    """The response of every file route: 404 when refused or missing, else a safe download."""
    if download is None:
        abort(404)
    try:
        path = path_of(download.attachment)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=served_type(download.attachment),
        as_attachment=True,
        download_name=download.name,
        max_age=0,
    )
    response.headers.update(SAFE_FILE_HEADERS)
    return response
