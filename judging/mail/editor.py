"""The one editor of an edition's mails: every kind of ``mail_templates.KINDS``, in French and in English.

Added to the ``organizer`` blueprint. One page per mail and language shows the text (the
edition's own, else the default), where the mail is sent, its variables and a preview with sample
values; **Save** stores the edition's text (a stale page is refused, see ``edits``), **Go back to
the default text** deletes it. The two editors this page replaced (the finalist announcement's,
under Results, and the ceremony notifications') answer with a permanent redirect here, the
announcement's former keys taking the name of the mail that replaced them.

The preview shows the HTML version too (``mail_template_html``): the same function that dresses a
mail when it leaves, in the edition's brand, served to a sandboxed frame under a CSP of its own (no
script, no request out, inline styles only, which the site's CSP forbids on its pages).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from judging.core.blueprints import organizer as bp
from judging.core.edits import commit_edit, status_of
from judging.core.forms import add_errors
from judging.core.permissions import organizer_required
from judging.db import session as db
from judging.editions.brand import logo_data_uri
from judging.editions.loading import load_edition
from judging.editions.models import Edition
from judging.mail import outbox
from judging.mail import templates as mail_templates
from judging.mail.forms import MailTemplateForm, ResetTemplateForm, remember_template
from judging.mail.models import MailTemplate
from judging.mail.templates import TemplateRefused, UnknownMail

MAIL_URL = "/editions/<int:edition_id>/mail/<key>/<language>"
#: The HTML preview's own policy: a document that can run nothing, fetch nothing, only be framed here.
HTML_PREVIEW_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
    "frame-ancestors 'self'",
    "Cache-Control": "private, no-store",
}


def _edition_and_kind(edition_id: int, key: str, language: str) -> tuple[Edition, mail_templates.MailKind]:
    edition = load_edition(edition_id)
    try:
        return edition, mail_templates.kind_of(key, language)
    except UnknownMail:
        abort(404)


def _editor_url(edition: Edition, key: str, language: str) -> str:
    return url_for("organizer.mail_template", edition_id=edition.id, key=key, language=language)


def _form_and_preview(
    edition: Edition, key: str, language: str, template: MailTemplate | None
) -> tuple[MailTemplateForm, tuple[str, str, list[Any]]]:
    """The form as posted (or showing the stored text) and the preview of what it holds."""
    if request.method == "POST":
        form = MailTemplateForm()
        subject, body = form.subject.data or "", form.body.data or ""
    else:
        form = remember_template(MailTemplateForm(formdata=None), template)
        if template is not None:
            form.subject.data, form.body.data = template.subject, template.body
        subject, body = form.subject.data, form.body.data
    return form, mail_templates.preview(edition, key=key, language=language, subject=subject, body=body)


def _save(edition: Edition, key: str, language: str, form: MailTemplateForm) -> Any:
    """Save the posted text: True when saved, None when refused as stale (the form says why)."""
    return commit_edit(
        form,
        lambda: mail_templates.save(
            db,
            edition,
            key=key,
            language=language,
            subject=form.subject.data,
            body=form.body.data,
            actor=current_user._get_current_object(),
            **form.seen(),
        ),
    )


@bp.route(MAIL_URL, methods=["GET", "POST"])
@organizer_required
def mail_template(edition_id: int, key: str, language: str):
    edition, kind = _edition_and_kind(edition_id, key, language)
    template = mail_templates.find(db, edition.id, key, language)
    form, (subject, body, problems) = _form_and_preview(edition, key, language, template)
    problem, status = None, 200
    if request.method == "POST" and request.form.get("action") == "preview":
        form.validate_on_submit()  # show the field messages, save nothing
        if problems:
            form.body.errors = [*form.body.errors, *problems]
            status = 422
    elif request.method == "POST" and not form.validate_on_submit():
        status = 422
    elif request.method == "POST":
        try:
            saved = _save(edition, key, language, form)
        except TemplateRefused as refused:
            problem, status = _("The template was not saved."), 422
            add_errors(form, refused.errors)
        else:
            if saved:
                flash(_("Mail template saved."), "success")
                return redirect(_editor_url(edition, key, language))
            template = mail_templates.find(db, edition.id, key, language)
            status = status_of(form)
    return render_template(
        "mail/editor.html",
        edition=edition,
        kind=kind,
        kinds=mail_templates.KINDS,
        language=language,
        form=form,
        template=template,
        problem=problem,
        preview_subject=subject,
        preview_body=body,
        preview_problems=problems,
        reset_form=remember_template(ResetTemplateForm(formdata=None), template),
    ), status


@bp.route(MAIL_URL + "/html", methods=["GET", "POST"])
@organizer_required
def mail_template_html(edition_id: int, key: str, language: str):
    """The HTML version of the preview, for the editor's frame: the posted draft, else the edition's text."""
    edition, _kind = _edition_and_kind(edition_id, key, language)
    template = mail_templates.find(db, edition.id, key, language)
    _form, (subject, body, problems) = _form_and_preview(edition, key, language, template)
    if problems:
        items = Markup("").join(Markup("<li>{}</li>").format(problem) for problem in problems)
        html = Markup('<!DOCTYPE html><html lang="{}"><meta charset="utf-8"><ul>{}</ul></html>').format(
            language, items
        )
        return Response(html, 422, HTML_PREVIEW_HEADERS, mimetype="text/html")
    logo = logo_data_uri(edition) if outbox.mail_logo(edition) else None
    html = outbox.html_body(subject=subject, body=body, language=language, edition=edition, logo_src=logo)
    return Response(html, 200, HTML_PREVIEW_HEADERS, mimetype="text/html")


@bp.post(MAIL_URL + "/reset")
@organizer_required
def mail_template_reset(edition_id: int, key: str, language: str):
    edition, _kind = _edition_and_kind(edition_id, key, language)
    form = ResetTemplateForm()
    if not form.validate_on_submit():
        abort(400)
    done = commit_edit(
        form,
        lambda: mail_templates.reset(
            db, edition, key=key, language=language, actor=current_user._get_current_object(), **form.seen()
        ),
    )
    if form.stale is not None:
        flash(str(form.stale.message), "warning")
    elif done:
        flash(_("The default text is back."), "success")
    return redirect(_editor_url(edition, key, language))


# --- the addresses of the two former editors ------------------------------------------------------------


def _moved(edition_id: int, key: str, language: str, *, reset: bool = False):
    """A permanent redirect (308: a form posted to the old address is posted again) to the one editor."""
    key = mail_templates.RENAMED.get(key, key)
    edition, _kind = _edition_and_kind(edition_id, key, language)
    endpoint = "organizer.mail_template_reset" if reset else "organizer.mail_template"
    return redirect(url_for(endpoint, edition_id=edition.id, key=key, language=language), code=308)


@bp.route("/editions/<int:edition_id>/results/mail/<key>/<language>", methods=["GET", "POST"])
@bp.route("/editions/<int:edition_id>/ceremony/notifications/<key>/<language>", methods=["GET", "POST"])
@organizer_required
def mail_template_moved(edition_id: int, key: str, language: str):
    return _moved(edition_id, key, language)


@bp.post("/editions/<int:edition_id>/results/mail/<key>/<language>/reset")
@bp.post("/editions/<int:edition_id>/ceremony/notifications/<key>/<language>/reset")
@organizer_required
def mail_template_reset_moved(edition_id: int, key: str, language: str):
    return _moved(edition_id, key, language, reset=True)
