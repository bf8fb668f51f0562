"""What a viewer may see of an application: the one place where anonymity is decided.

Pages, file downloads and mails show an application through :func:`application_view`,
:func:`application_label` and :func:`attachment_name`; each asks :func:`hides_identity`.
For a juror in a blind round the candidate's identity is hidden everywhere: the people
(applicant, contact), the organization, the website, identifying answers and identifying
files; file names become neutral (``INN-031-deck.pdf``); and the names, emails and
organization that remain in free text (title, summary, answers) are masked.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _

from judging.applications.engine.names import normalize_org_name
from judging.applications.models import Application, Attachment
from judging.core.templating import tr
from judging.editions.models import Question, Round

JUROR = "juror"
ORGANIZER = "organizer"
MASK = "▒▒▒"
VIDEO_HOSTS = ("youtube.com", "youtu.be", "vimeo.com", "dailymotion.com", "loom.com", "wistia.com")
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}


def hides_identity(*, viewer: str, round: Round | None) -> bool:
    """True when ``viewer`` must not learn who the candidate is. Unknown viewers see nothing."""
    if viewer == ORGANIZER:
        return False
    if viewer == JUROR:
        return round is None or bool(round.blind)
    return True


def _secrets(application: Application) -> list[str]:
    """Strings that would identify the candidate in free text (longest first)."""
    found: set[str] = set()
    applicant = application.applicant
    for value in (
        application.org_name,
        application.contact_name,
        application.contact_email,
        applicant.name if applicant else None,
        applicant.email if applicant else None,
        application.organization.name if application.organization else None,
    ):
        if value and len(value.strip()) >= 3:
            found.add(value.strip())
    for org in (application.org_name, application.organization.name if application.organization else None):
        if org:
            # the name without its legal suffix, as written ("Serre" for "Serre Inc.")
            words = org.strip().split()
            while len(words) > 1 and normalize_org_name(" ".join(words)) == normalize_org_name(
                " ".join(words[:-1])
            ):
                words.pop()
            short = " ".join(words).rstrip(",.")
            if len(short) >= 3:
                found.add(short)
    if application.website:
        host = urlsplit(
            application.website if "//" in application.website else f"//{application.website}"
        ).hostname
        if host:
            found.add(host.removeprefix("www."))
    return sorted(found, key=len, reverse=True)


def _masker(application: Application, hide: bool):
    if not hide:
        return lambda text: text
    secrets = _secrets(application)
    if not secrets:
        return lambda text: text
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(secret)}(?!\w)" for secret in secrets), re.IGNORECASE)

    def mask(text: Any) -> Any:
        return pattern.sub(MASK, text) if isinstance(text, str) and text else text

    return mask


def application_label(application: Application, *, viewer: str, round: Round | None) -> str:
    """A one-line name for lists and mails: the reference and the title (masked when blind)."""
    mask = _masker(application, hides_identity(viewer=viewer, round=round))
    title = mask(application.title or "")
    return f"{application.ref} · {title}" if title else application.ref


def _is_identifying_file(attachment: Attachment, questions: dict[int, Question]) -> bool:
    question = questions.get(attachment.question_id) if attachment.question_id else None
    return bool(attachment.identifying or (question is not None and question.identifying))


def visible_attachments(
    application: Application, *, viewer: str, round: Round | None, questions: Iterable[Question] = ()
) -> list[Attachment]:
    """The files ``viewer`` may open (identifying ones are left out when the identity is hidden)."""
    by_id = {q.id: q for q in questions} or {q.id: q for q in application.prize.questions}
    if not hides_identity(viewer=viewer, round=round):
        return list(application.attachments)
    return [a for a in application.attachments if not _is_identifying_file(a, by_id)]


def attachment_name(
    attachment: Attachment,
    application: Application,
    *,
    viewer: str,
    round: Round | None,
    questions: Iterable[Question] = (),
) -> str:
    """The file name ``viewer`` sees and downloads: a neutral ``REF-question.ext`` when blind."""
    if not hides_identity(viewer=viewer, round=round):
        return attachment.filename
    by_id = {q.id: q for q in questions} or {q.id: q for q in application.prize.questions}
    question = by_id.get(attachment.question_id) if attachment.question_id else None
    extension = (
        EXTENSIONS.get(attachment.content_type) or mimetypes.guess_extension(attachment.content_type) or ""
    )
    if not extension:
        suffix = PurePosixPath(attachment.filename).suffix.lower()
        extension = suffix if re.fullmatch(r"\.[a-z0-9]{1,6}", suffix) else ""
    stem = question.code if question is not None else f"document-{attachment.id}"
    return f"{application.ref}-{stem}{extension}"


def _answer_text(question: Question, value: Any) -> str:
    if question.type == "yes-no":
        if value is True or value == "yes" or value == "true":
            return _("Yes")
        if value is False or value == "no" or value == "false":
            return _("No")
        return ""
    if question.type == "choice":
        for option in question.options or []:
            if option.get("code") == value:
                return tr(option.get("label")) or str(value)
        return "" if value is None else str(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _web_url(text: str) -> str | None:
    parts = urlsplit(text.strip())
    return text.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def _is_video(question: Question, url: str) -> bool:
    host = (urlsplit(url).hostname or "").removeprefix("www.").removeprefix("m.")
    return "video" in question.code.lower() or any(host == h or host.endswith("." + h) for h in VIDEO_HOSTS)


def application_view(application: Application, *, viewer: str, round: Round | None) -> dict[str, Any]:
    """Everything a page may show of ``application`` to ``viewer`` in ``round``.

    Keys: ``id``, ``ref``, ``label``, ``title``, ``summary``, ``language``, ``blind`` (identity
    hidden), ``identity`` (None when hidden, else organization, contact, applicant, website,
    city, region, country), ``answers`` (label, value, url, video), ``files`` (id, name,
    content_type, is_pdf, size_bytes, label) and ``hidden`` (how many identifying answers and
    files were left out). Needs ``answers``, ``attachments`` and the prize's ``questions`` loaded
    (selectinload) to stay at a fixed number of queries.
    """
    hide = hides_identity(viewer=viewer, round=round)
    mask = _masker(application, hide)
    questions = {q.id: q for q in application.prize.questions}
    answers, hidden_answers = _answer_rows(application, questions, hide=hide, mask=mask)
    files, hidden_files = _file_rows(application, questions, hide=hide, viewer=viewer, round=round)
    return {
        "id": application.id,
        "ref": application.ref,
        "label": application_label(application, viewer=viewer, round=round),
        "title": mask(application.title or ""),
        "summary": mask(application.summary or ""),
        "language": application.language,
        "blind": hide,
        "identity": None if hide else _identity(application),
        "answers": answers,
        "files": files,
        "hidden": hidden_answers + hidden_files,
    }


def _answer_rows(
    application: Application, questions: dict[int, Question], *, hide: bool, mask: Any
) -> tuple[list[dict[str, Any]], int]:
    """The answers shown, in the questions' order, masked; and how many identifying ones were left out."""
    hidden = 0
    rows = []
    by_question = {answer.question_id: answer for answer in application.answers}
    for question in sorted(questions.values(), key=lambda q: (q.position, q.id)):
        answer = by_question.get(question.id)
        if answer is None or question.type == "file":
            continue
        if hide and question.identifying:
            hidden += 1
            continue
        text = mask(_answer_text(question, answer.value))
        if not text:
            continue
        url = _web_url(text) if question.type == "url" else None
        rows.append(
            {
                "code": question.code,
                "label": tr(question.label),
                "type": question.type,
                "value": text,
                "url": url,
                "video": bool(url and _is_video(question, url)),
            }
        )
    return rows, hidden


def _file_rows(
    application: Application, questions: dict[int, Question], *, hide: bool, viewer: str, round: Round | None
) -> tuple[list[dict[str, Any]], int]:
    """The files shown, under the names this viewer may see; and how many identifying ones were left out."""
    hidden = 0
    rows = []
    for attachment in application.attachments:
        if hide and _is_identifying_file(attachment, questions):
            hidden += 1
            continue
        question = questions.get(attachment.question_id) if attachment.question_id else None
        rows.append(
            {
                "id": attachment.id,
                "name": attachment_name(
                    attachment, application, viewer=viewer, round=round, questions=questions.values()
                ),
                "content_type": attachment.content_type,
                "is_pdf": attachment.content_type == "application/pdf",
                "size_bytes": attachment.size_bytes,
                "label": tr(question.label) if question is not None else _("File"),
            }
        )
    return rows, hidden


def _identity(application: Application) -> dict[str, str]:
    """Who the candidate is (only for a viewer allowed to know)."""
    applicant = application.applicant
    return {
        "organization": application.org_name
        or (application.organization.name if application.organization else ""),
        "contact_name": application.contact_name or "",
        "contact_email": application.contact_email or "",
        "applicant_name": applicant.display_name if applicant else "",
        "website": application.website or "",
        "city": application.city or "",
        "region": application.region or "",
        "country": application.country or "",
    }
