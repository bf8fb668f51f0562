"""Upload checks as plain functions: format by content, size, names, accepted formats per question."""

from __future__ import annotations

import io

import pytest

from judging.core.uploads import (
    MB,
    UploadError,
    accepted_formats,
    detect_format,
    inspect,
    max_bytes,
    safe_filename,
)
from judging.editions.models import Prize, Question

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xdb\x00C\x00"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (JPEG, "jpeg"),
        (b"MZ\x90\x00", None),
        (b"\x7fELF\x02", None),
        (b" %PDF-1.4", None),  # not at the start
        (b"%PDF", None),  # too short to be the signature
        (b"\x89PNG\r\n", None),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_detect_format_reads_magic_bytes(head, expected):
    assert detect_format(head) == expected


@pytest.mark.parametrize(
    ("original", "fmt", "expected"),
    [
        ("deck.pdf", "pdf", "deck.pdf"),
        ("../../x.pdf", "pdf", "x.pdf"),
        ("..\\..\\boot.ini", "pdf", "boot.pdf"),
        ("/etc/passwd", "pdf", "passwd.pdf"),
        ("Présentation été.pdf", "pdf", "Presentation_ete.pdf"),
        ("logo.exe", "png", "logo.png"),
        ("logo.JPEG", "jpeg", "logo.jpg"),
        ("", "pdf", "file.pdf"),
        (None, "png", "file.png"),
        ("...", "pdf", "file.pdf"),
        ("a" * 300 + ".pdf", "pdf", "a" * 100 + ".pdf"),
        ('quote"s; name=evil.pdf', "pdf", "quotes_nameevil.pdf"),
    ],
)
def test_safe_filename(original, fmt, expected):
    assert safe_filename(original, fmt) == expected


def test_inspect_accepts_a_pdf_and_hashes_it():
    data = PDF + b"x" * 100
    checked = inspect(io.BytesIO(data), "../deck.pdf", formats=("pdf",), limit=MB)
    assert checked.filename == "deck.pdf"
    assert checked.content_type == "application/pdf"
    assert checked.size_bytes == len(data)
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("data", "formats", "limit", "message"),
    [
        (b"", ("pdf",), MB, "This file is empty."),
        (PDF + b"0" * MB, ("pdf",), MB, "This file is larger than 1 MB."),
        (b"MZ" + b"0" * 100, ("pdf",), MB, "This file is not a valid PDF file."),
        (PDF, ("png", "jpeg"), MB, "This file is not a valid PNG, JPEG file."),
    ],
)
def test_inspect_refuses(data, formats, limit, message):
    with pytest.raises(UploadError) as caught:
        inspect(io.BytesIO(data), "x.pdf", formats=formats, limit=limit)
    assert str(caught.value.message) == message


def test_inspect_never_reads_more_than_the_limit_plus_one():
    class Counting(io.BytesIO):
        asked: list[int] = []

        def read(self, size=-1):
            self.asked.append(size)
            return super().read(size)

    stream = Counting(PDF + b"0" * (5 * MB))
    with pytest.raises(UploadError):
        inspect(stream, "x.pdf", formats=("pdf",), limit=MB)
    assert stream.asked == [MB + 1]


def question(code="deck", options=None, label=None, deck_mb=10, logo_mb=2) -> Question:
    prize = Prize(code="p", name="P", max_deck_mb=deck_mb, max_logo_mb=logo_mb)
    return Question(
        code=code, type="file", label=label or {"fr": "Fichier", "en": "File"}, options=options, prize=prize
    )


def test_accepted_formats_and_limits_per_question():
    assert accepted_formats(question()) == ("pdf",)
    assert max_bytes(question(deck_mb=7)) == 7 * MB
    assert accepted_formats(question(code="logo")) == ("png", "jpeg")
    assert max_bytes(question(code="logo", logo_mb=3)) == 3 * MB
    assert accepted_formats(question(code="image", label={"fr": "Votre logo", "en": "Your logo"})) == (
        "png",
        "jpeg",
    )
    assert accepted_formats(question(code="poster", options=[{"code": "png"}, {"code": "pdf"}])) == (
        "png",
        "pdf",
    )
    assert max_bytes(question(code="poster", options=[{"code": "png"}, {"code": "pdf"}], deck_mb=9)) == 9 * MB
    assert accepted_formats(question(code="photo", options=[{"code": "jpeg"}])) == ("jpeg",)
    assert max_bytes(question(code="photo", options=[{"code": "jpeg"}], logo_mb=1)) == 1 * MB
