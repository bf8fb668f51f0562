"""« Courriels en attente et en échec »: the outbox as organizers see it (organizers only).

Lists the mail given up by the sender and the mail still waiting (who, what, why, since when,
next try), and lets the organizer retry a given-up mail or cancel an unsent one: CSRF-protected
POSTs, audited by ``services.outbox``. A mail's body is never shown (it may hold a password-reset
or confirmation link meant for its recipient alone).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from judging.core.blueprints import organizer as bp
from judging.core.labels import label
from judging.core.loading import load_or_404
from judging.core.permissions import organizer_required
from judging.db import session as db
from judging.mail import operations as service
from judging.mail.models import OutgoingMail

#: What each mail template is, as people say it (an unknown template shows its code).
MAIL_TEMPLATE_LABELS = {
    "application_submitted": _l("Application receipt"),
    "application_reopened": _l("Application reopened for edits"),
    "application_withdrawn": _l("Application withdrawn"),
    "comments_released": _l("Comments of the jury"),
    "confirm": _l("Email address confirmation"),
    "conflict_declared": _l("Conflict of interest declared"),
    "deadline_extended": _l("Deadline extended"),
    "eligibility_decided": _l("Eligibility decision"),
    "finalist_selected": _l("Finalist announcement"),
    "invite": _l("Jury invitation"),
    "jury_reminder": _l("Reminder to a juror"),
    "not_selected": _l("Not selected (finalist announcement)"),
    "outcome_finalist": _l("Outcome: finalist"),
    "outcome_mention": _l("Outcome: honourable mention"),
    "outcome_not_selected": _l("Outcome: not selected"),
    "outcome_winner": _l("Outcome: winner"),
    "reset": _l("Password reset"),
    "account_exists": _l("Account already exists"),
}


def template_label(code: str | None) -> str:
    return label(MAIL_TEMPLATE_LABELS, code)


@bp.context_processor
def _outbox_badge() -> dict:
    """``failed_mail_count()`` for the pages that link to the outbox (one query, only when called)."""
    return {"failed_mail_count": lambda: service.given_up_count(db)}


@bp.get("/outbox")
@organizer_required
def outbox():
    view = service.outbox_view(db)
    return render_template(
        "mail/outbox.html", view=view, template_label=template_label, page_size=service.PAGE_SIZE
    )


def _act_on_mail(mail_id: int, action, done_message: str):
    """Retry or cancel one mail: flash the refusal (nothing changed) or ``done_message``, back to the list."""
    mail = load_or_404(OutgoingMail, mail_id)
    try:
        action(db, mail, actor=current_user._get_current_object())
    except service.OutboxError as refused:
        db.rollback()
        flash(str(refused), "warning")
        return redirect(url_for("organizer.outbox"))
    db.commit()
    flash(done_message % {"to": mail.to_address}, "success")
    return redirect(url_for("organizer.outbox"))


@bp.post("/outbox/<int:mail_id>/retry")
@organizer_required
def outbox_retry(mail_id: int):
    return _act_on_mail(
        mail_id, service.retry, _("The mail to %(to)s will be sent again at the sender's next pass.")
    )


@bp.post("/outbox/<int:mail_id>/cancel")
@organizer_required
def outbox_cancel(mail_id: int):
    return _act_on_mail(mail_id, service.cancel, _("The mail to %(to)s is cancelled: it will not be sent."))


@bp.post("/outbox/retry-given-up")
@organizer_required
def outbox_retry_all():
    count = service.retry_all_given_up(db, actor=current_user._get_current_object())
    db.commit()
    flash(
        ngettext(
            "%(num)s mail will be sent again at the sender's next pass.",
            "%(num)s mails will be sent again at the sender's next pass.",
            count,
        ),
        "success",
    )
    return redirect(url_for("organizer.outbox"))
