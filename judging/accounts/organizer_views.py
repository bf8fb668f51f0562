"""Organizer pages for people: the list of jurors and organizers, invitations, ending sessions."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import subqueryload

from judging.accounts import operations as accounts
from judging.accounts.forms import InviteForm
from judging.accounts.models import User, UserRole
from judging.accounts.operations import AccountError
from judging.core.blueprints import organizer as bp
from judging.core.collation import sorted_by_name
from judging.core.loading import load_or_404
from judging.core.permissions import organizer_required
from judging.core.templating import current_locale, roles_label
from judging.db import session as db


@bp.route("/people", methods=["GET", "POST"])
@organizer_required
def people():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = accounts.invite(
                db,
                inviter=current_user,
                email=form.email.data,
                name=form.name.data,
                roles=form.roles.data,
                language=form.language.data,
                organization=form.organization.data or None,
                reads_languages=form.reads.data or ["fr", "en"],
            )
        except AccountError as error:
            db.rollback()
            form.email.errors.append(str(error.message))
        else:
            db.commit()
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("organizer.people"))
    staff = db.scalars(
        select(User)
        .where(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(("juror", "organizer")))))
        .options(subqueryload(User.role_rows))  # one query (selectinload: one per 500 people)
        .order_by(User.email)
    ).all()
    # « Émile » before « Zoé », in the reader's language
    staff = sorted_by_name(staff, lambda user: user.display_name, current_locale())
    # A thousand people share a few sets of roles: each set is named once, not once per row.
    named: dict[frozenset[str], str] = {}
    roles: dict[int, str] = {}
    for user in staff:
        role_set = frozenset(user.roles)
        if role_set not in named:
            named[role_set] = roles_label(role_set)
        roles[user.id] = named[role_set]
    return render_template("accounts/people.html", form=form, staff=staff, roles=roles)


@bp.post("/people/<int:user_id>/end-sessions")
@organizer_required
def end_sessions(user_id: int):
    """Log a person out of every browser and device (a lost laptop, a shared computer); audited."""
    person = load_or_404(User, user_id)
    accounts.end_sessions(db, person, actor=current_user._get_current_object())
    db.commit()
    flash(_("%(name)s is logged out of every device.", name=person.display_name), "success")
    return redirect(url_for("organizer.people"))
