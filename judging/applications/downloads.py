"""Who may fetch an uploaded file, and under which name: the one rule of every route that serves one.

The answer is a :class:`~judging.core.uploads.Download` that ``core.uploads.file_response`` serves
(always as a download, with the same safe headers everywhere).
"""

from __future__ import annotations

from typing import Any

from judging.applications.models import Attachment
from judging.applications.presenters import JUROR, attachment_name, visible_attachments
from judging.core.uploads import Download
from judging.jury.models import Assignment


def juror_download(card: Assignment, attachment: Attachment) -> Download | None:
    """What the juror of ``card`` gets (``card`` already passed ``jury.rules.juror_may_open``).

    Nothing for another application's file, nor, when the round hides the candidate's identity, for an
    identifying file: identifying by the copy taken at upload *or* by its question's current flag (a
    question made identifying later). The name is the one the presenters give the juror (neutral
    ``REF-question.ext`` in a blind round), never the candidate's own when it is hidden.
    """
    application = card.application
    if attachment.application_id != application.id:
        return None
    questions = card.round.prize.questions
    visible = visible_attachments(application, viewer=JUROR, round=card.round, questions=questions)
    if attachment.id not in {item.id for item in visible}:
        return None
    name = attachment_name(attachment, application, viewer=JUROR, round=card.round, questions=questions)
    return Download(attachment, name)


def download_for(user: Any, attachment: Attachment, *, card: Assignment | None = None) -> Download | None:
    """The one rule for every route that serves an upload: who may fetch ``attachment``, under which name.

    Through a scorecard (``card``), the juror rule of :func:`juror_download`. Otherwise only the
    application's owner and organizers, under the name the candidate gave: a juror (even one assigned
    to the application) gets nothing outside a scorecard, whose round decides what the juror may see.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if card is not None:
        return juror_download(card, attachment) if card.juror_id == user.id else None
    applicant_id = attachment.application.applicant_id if attachment.application is not None else None
    if (applicant_id is not None and applicant_id == user.id) or user.has_role("organizer"):
        return Download(attachment, attachment.filename)
    return None
