"""Organizer area: editions, prizes, rounds, rubric criteria and questions.

Every route is for organizers only. Objects come from the URL through ``load_or_404``
and must belong to the parent named in the same URL (else 404). Writes are POST
only; each calls one service of ``services.editions`` and commits once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from judging.core.blueprints import organizer as bp
from judging.core.clock import now
from judging.core.edits import commit_edit, status_of
from judging.core.labels import METHOD_LABELS, PHASE_LABELS, QUESTION_TYPE_LABELS, round_name
from judging.core.permissions import organizer_required
from judging.core.templating import local_datetime, tr
from judging.core.web_input import int_arg
from judging.db import session as db
from judging.editions import cockpit, queries
from judging.editions import operations as setup
from judging.editions.brand import LogoError, check_logo
from judging.editions.forms import (
    METHOD_HELP,
    BrandForm,
    ConfirmForm,
    CopySetupForm,
    CriterionForm,
    DeleteForm,
    EditionForm,
    PrizeForm,
    QuestionForm,
    RoundForm,
)
from judging.editions.loading import load_criterion, load_edition, load_prize, load_question, load_round
from judging.editions.models import Edition, Prize, Question, Round
from judging.editions.operations import JUDGING_STARTED, SetupError

# Service field names → the form input that shows the message.
FIELD_FOR = {"name": "name_fr", "label": "label_fr"}


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "METHOD_LABELS": METHOD_LABELS,
        "METHOD_HELP": METHOD_HELP,
        "PHASE_LABELS": PHASE_LABELS,
        "QUESTION_TYPE_LABELS": QUESTION_TYPE_LABELS,
        "JUDGING_STARTED": JUDGING_STARTED,
        "number": _number,
    }


def _number(value: Decimal | None) -> str:
    """A rubric number as people write it in their language: 35, 2,5 (fr), 2.5 (en)."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.####")


STORED_VALUE_MAX = 1000
_CODE_LABELS = {"method": METHOD_LABELS, "phase": PHASE_LABELS, "type": QUESTION_TYPE_LABELS}


@bp.app_template_global("stored_value")
def stored_value(name: str, value: Any) -> str:
    """A stored value as people read it, for the "changed meanwhile" list of a refused stale save."""
    if value is None or value == "" or value == []:
        text = _("(empty)")
    elif isinstance(value, bool):
        text = _("yes") if value else _("no")
    elif isinstance(value, datetime):
        text = local_datetime(value)
    elif isinstance(value, Decimal):
        text = _number(value)
    elif name in _CODE_LABELS:
        text = str(_CODE_LABELS[name].get(value, value))
    elif name == "tie_break":
        text = setup.format_tie_break(value)
    elif name == "options":
        text = setup.format_options(value)
    elif isinstance(value, dict):
        text = " / ".join(part for part in setup.split_bilingual(value) if part)
    else:
        text = str(value)
    return text if len(text) <= STORED_VALUE_MAX else text[: STORED_VALUE_MAX - 1] + "…"


# --- saving ------------------------------------------------------------------------------------------


def _actor() -> Any:
    return current_user._get_current_object()


def _show_errors(form: Any, error: SetupError) -> None:
    for name, messages in error.errors.items():
        field = form._fields.get(FIELD_FOR.get(name, name)) if name else None
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = [*field.errors, *messages]


def _save(form: Any, action: Callable[[], Any]) -> Any:
    """Run one service and commit; on a broken rule or a stale form put the messages on it, return None."""
    try:
        return commit_edit(form, action)
    except SetupError as error:
        _show_errors(form, error)
        return None
    except IntegrityError:
        form.form_errors.append(
            _("This could not be saved: the code is probably already in use. Check it and try again.")
        )
        return None


def _prize_url(edition: Edition, prize: Prize, anchor: str | None = None) -> str:
    return url_for("organizer.prize_view", edition_id=edition.id, prize_id=prize.id, _anchor=anchor)


def _confirm_delete(
    obj: Any,
    *,
    title: str,
    message: str,
    cancel_url: str,
    crumbs: list[tuple[str, str | None]],
    form: DeleteForm,
    error: Any = None,
) -> Any:
    """The confirmation page; its form carries the version shown (a record changed since is not deleted)."""
    form.remember(obj)
    return render_template(
        "editions/confirm_delete.html",
        form=form,
        title=title,
        message=message,
        cancel_url=cancel_url,
        trail=crumbs,
        error=error,
    ), status_of(form)


def _delete(form: DeleteForm, action: Callable[[Any], Any]) -> Any:
    """Run a deletion with what the confirmation page showed; True when done, else the refusal's message.

    A stale confirmation returns None and leaves the refusal on ``form``.
    """
    if not form.validate_on_submit():
        abort(400)
    try:
        done = commit_edit(form, lambda: action(form.seen()))
    except SetupError as error:
        return " ".join(str(m) for messages in error.errors.values() for m in messages)
    return True if done else None


def _edition_crumbs(edition: Edition) -> list[tuple[str, str | None]]:
    return [
        (_("Organize"), url_for("organizer.dashboard")),
        (tr(edition.name), url_for("organizer.edition_view", edition_id=edition.id)),
    ]


def _prize_crumbs(edition: Edition, prize: Prize) -> list[tuple[str, str | None]]:
    return [*_edition_crumbs(edition), (tr(prize.name), _prize_url(edition, prize))]


# --- dashboard and editions --------------------------------------------------------------------------


@bp.get("/")
@organizer_required
def dashboard():
    editions = db.scalars(queries.editions_newest_first()).all()
    prize_counts = dict(db.execute(select(Prize.edition_id, func.count()).group_by(Prize.edition_id)).all())
    return render_template("editions/dashboard.html", editions=editions, prize_counts=prize_counts)


@bp.route("/editions/new", methods=["GET", "POST"])
@organizer_required
def edition_new():
    form = EditionForm()
    if form.validate_on_submit():
        edition = _save(form, lambda: setup.create_edition(db, actor=_actor(), **form.values()))
        if edition:
            flash(_("Edition created. Now add its prizes."), "success")
            return redirect(url_for("organizer.edition_view", edition_id=edition.id))
    return render_template("editions/edition_form.html", form=form, edition=None)


@bp.route("/editions/copy", methods=["GET", "POST"])
@organizer_required
def edition_copy():
    editions = db.scalars(queries.editions_newest_first()).all()
    form = CopySetupForm()
    form.source.choices = [(e.id, f"{tr(e.name)} ({e.code})") for e in editions]
    if request.method == "GET" and int_arg("source") is not None:
        form.source.data = int_arg("source")
    if not editions:
        flash(_("There is no edition to copy yet: create one first."), "warning")
        return redirect(url_for("organizer.edition_new"))
    if form.validate_on_submit():
        source = next(e for e in editions if e.id == form.source.data)
        edition = _save(form, lambda: setup.copy_setup(db, source=source, actor=_actor(), **form.values()))
        if edition:
            flash(
                _("Setup copied. Check the rounds' judging deadlines: they are not copied."),
                "success",
            )
            return redirect(url_for("organizer.edition_view", edition_id=edition.id))
    return render_template("editions/copy_form.html", form=form)


@bp.get("/editions/<int:edition_id>")
@organizer_required
def edition_view(edition_id: int):
    """The edition's cockpit (timeline, where each prize stands, next actions), then its setup."""
    edition = load_edition(edition_id)
    prizes = setup.setup_of_edition(db, edition.id)
    board = cockpit.cockpit(db, edition, prizes, now())
    return render_template("editions/edition.html", edition=edition, prizes=prizes, cockpit=board)


@bp.route("/editions/<int:edition_id>/edit", methods=["GET", "POST"])
@organizer_required
def edition_edit(edition_id: int):
    edition = load_edition(edition_id)
    form = EditionForm.from_edition(edition)  # on POST too: a date left as shown keeps its seconds
    if form.validate_on_submit() and _save(
        form, lambda: setup.update_edition(db, edition, actor=_actor(), **form.values(), **form.seen())
    ):
        flash(_("Edition saved."), "success")
        return redirect(url_for("organizer.edition_view", edition_id=edition.id))
    return render_template("editions/edition_form.html", form=form, edition=edition), status_of(form)


@bp.route("/editions/<int:edition_id>/brand", methods=["GET", "POST"])
@organizer_required
def edition_brand(edition_id: int):
    """The edition's colours and logo, used by its pages and its ceremony documents."""
    edition = load_edition(edition_id)
    form = BrandForm.from_edition(edition)
    if form.validate_on_submit() and _save_brand(edition, form):
        flash(_("Brand saved."), "success")
        return redirect(url_for("organizer.edition_brand", edition_id=edition.id))
    return render_template("editions/brand_form.html", form=form, edition=edition), status_of(form)


def _save_brand(edition: Edition, form: BrandForm) -> Any:
    upload = form.logo.data
    logo = None
    if upload is not None and getattr(upload, "filename", ""):
        try:
            logo = check_logo(upload.stream)
        except LogoError as error:
            form.logo.errors = [*form.logo.errors, error.message]
            return None
    return _save(
        form,
        lambda: setup.set_brand(
            db,
            edition,
            actor=_actor(),
            primary=form.brand_primary.data,
            accent=form.brand_accent.data,
            logo=logo,
            remove_logo=form.remove_logo.data,
            **form.seen(),
        ),
    )


@bp.route("/editions/<int:edition_id>/delete", methods=["GET", "POST"])
@organizer_required
def edition_delete(edition_id: int):
    edition = load_edition(edition_id)
    form = DeleteForm()
    error = None
    if request.method == "POST":
        name = tr(edition.name)
        done = _delete(form, lambda seen: setup.delete_edition(db, edition, actor=_actor(), **seen))
        if done is True:
            flash(_("Edition “%(name)s” deleted.", name=name), "success")
            return redirect(url_for("organizer.dashboard"))
        error = done
    return _confirm_delete(
        edition,
        form=form,
        title=_("Delete the edition “%(name)s”?", name=tr(edition.name)),
        message=_("Its prizes, rounds, criteria and questions will be deleted too."),
        cancel_url=url_for("organizer.edition_view", edition_id=edition.id),
        crumbs=_edition_crumbs(edition),
        error=error,
    )


# --- prizes ------------------------------------------------------------------------------------------


@bp.route("/editions/<int:edition_id>/prizes/new", methods=["GET", "POST"])
@organizer_required
def prize_new(edition_id: int):
    edition = load_edition(edition_id)
    form = PrizeForm()
    if request.method == "GET":
        highest = db.scalar(select(func.max(Prize.position)).where(Prize.edition_id == edition.id))
        form.position.data = 0 if highest is None else highest + 1
    if form.validate_on_submit():
        prize = _save(form, lambda: setup.create_prize(db, edition, actor=_actor(), **form.values()))
        if prize:
            flash(_("Prize created. Now add its rounds and questions."), "success")
            return redirect(_prize_url(edition, prize))
    return render_template("editions/prize_form.html", form=form, edition=edition, prize=None)


@bp.get("/editions/<int:edition_id>/prizes/<int:prize_id>")
@organizer_required
def prize_view(edition_id: int, prize_id: int):
    edition, prize = load_prize(edition_id, prize_id)
    rounds = db.scalars(
        select(Round)
        .where(Round.prize_id == prize.id)
        .order_by(Round.position, Round.id)
        .options(selectinload(Round.criteria))
    ).all()
    questions = db.scalars(
        select(Question).where(Question.prize_id == prize.id).order_by(Question.position, Question.id)
    ).all()
    return render_template(
        "editions/prize.html",
        edition=edition,
        prize=prize,
        rounds=rounds,
        questions=questions,
        confirm=ConfirmForm(),
    )


@bp.route("/editions/<int:edition_id>/prizes/<int:prize_id>/edit", methods=["GET", "POST"])
@organizer_required
def prize_edit(edition_id: int, prize_id: int):
    edition, prize = load_prize(edition_id, prize_id)
    form = PrizeForm() if request.method == "POST" else PrizeForm.from_prize(prize)
    if form.validate_on_submit() and _save(
        form, lambda: setup.update_prize(db, prize, actor=_actor(), **form.values(), **form.seen())
    ):
        flash(_("Prize saved."), "success")
        return redirect(_prize_url(edition, prize))
    page = render_template("editions/prize_form.html", form=form, edition=edition, prize=prize)
    return page, status_of(form)


@bp.route("/editions/<int:edition_id>/prizes/<int:prize_id>/delete", methods=["GET", "POST"])
@organizer_required
def prize_delete(edition_id: int, prize_id: int):
    edition, prize = load_prize(edition_id, prize_id)
    form = DeleteForm()
    error = None
    if request.method == "POST":
        name = tr(prize.name)
        done = _delete(form, lambda seen: setup.delete_prize(db, prize, actor=_actor(), **seen))
        if done is True:
            flash(_("Prize “%(name)s” deleted.", name=name), "success")
            return redirect(url_for("organizer.edition_view", edition_id=edition.id))
        error = done
    return _confirm_delete(
        prize,
        form=form,
        title=_("Delete the prize “%(name)s”?", name=tr(prize.name)),
        message=_("Its rounds, rubric criteria and questions will be deleted too."),
        cancel_url=_prize_url(edition, prize),
        crumbs=_prize_crumbs(edition, prize),
        error=error,
    )


# --- rounds ------------------------------------------------------------------------------------------


def _suggested_round_code(prize: Prize) -> str:
    taken = set(db.scalars(select(Round.code).where(Round.prize_id == prize.id)))
    return next((code for code in ("preselection", "final") if code not in taken), "")


@bp.route("/editions/<int:edition_id>/prizes/<int:prize_id>/rounds/new", methods=["GET", "POST"])
@organizer_required
def round_new(edition_id: int, prize_id: int):
    edition, prize = load_prize(edition_id, prize_id)
    form = RoundForm().offer_tie_breaks([])  # no criterion yet: they come after the round
    if request.method == "GET":
        form.code.data = _suggested_round_code(prize)
    if form.validate_on_submit():
        rnd = _save(form, lambda: setup.create_round(db, prize, actor=_actor(), **form.values()))
        if rnd:
            flash(_("Round created. Now add its rubric criteria."), "success")
            return redirect(_prize_url(edition, prize, f"round-{rnd.id}"))
    return render_template("editions/round_form.html", form=form, edition=edition, prize=prize, rnd=None)


@bp.route(
    "/editions/<int:edition_id>/prizes/<int:prize_id>/rounds/<int:round_id>/edit", methods=["GET", "POST"]
)
@organizer_required
def round_edit(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    form = RoundForm.from_round(rnd)  # on POST too: a date left as shown keeps its seconds
    form.offer_tie_breaks(rnd.criteria, rnd.tie_break)
    if form.validate_on_submit() and _save(
        form, lambda: setup.update_round(db, rnd, actor=_actor(), **form.values(), **form.seen())
    ):
        flash(_("Round saved."), "success")
        return redirect(_prize_url(edition, prize, f"round-{rnd.id}"))
    return render_template(
        "editions/round_form.html",
        form=form,
        edition=edition,
        prize=prize,
        rnd=rnd,
    ), status_of(form)


@bp.route(
    "/editions/<int:edition_id>/prizes/<int:prize_id>/rounds/<int:round_id>/delete", methods=["GET", "POST"]
)
@organizer_required
def round_delete(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    form = DeleteForm()
    error = None
    if request.method == "POST":
        name = round_name(rnd)
        done = _delete(form, lambda seen: setup.delete_round(db, rnd, actor=_actor(), **seen))
        if done is True:
            flash(_("Round “%(code)s” deleted.", code=name), "success")
            return redirect(_prize_url(edition, prize))
        error = done
    return _confirm_delete(
        rnd,
        form=form,
        title=_("Delete the round “%(code)s”?", code=round_name(rnd)),
        message=_("Its rubric criteria and jury will be deleted too."),
        cancel_url=_prize_url(edition, prize, f"round-{rnd.id}"),
        crumbs=_prize_crumbs(edition, prize),
        error=error,
    )


# --- rubric criteria ---------------------------------------------------------------------------------

ROUND_URL = "/editions/<int:edition_id>/prizes/<int:prize_id>/rounds/<int:round_id>"


@bp.route(f"{ROUND_URL}/criteria/new", methods=["GET", "POST"])
@organizer_required
def criterion_new(edition_id: int, prize_id: int, round_id: int):
    edition, prize, rnd = load_round(edition_id, prize_id, round_id)
    form = CriterionForm()
    if form.validate_on_submit():
        criterion = _save(form, lambda: setup.create_criterion(db, rnd, actor=_actor(), **form.values()))
        if criterion:
            flash(_("Criterion “%(code)s” added.", code=tr(criterion.name)), "success")
            return redirect(_prize_url(edition, prize, f"round-{rnd.id}"))
    return render_template(
        "editions/criterion_form.html", form=form, edition=edition, prize=prize, rnd=rnd, criterion=None
    )


@bp.route(f"{ROUND_URL}/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@organizer_required
def criterion_edit(edition_id: int, prize_id: int, round_id: int, criterion_id: int):
    edition, prize, rnd, criterion = load_criterion(edition_id, prize_id, round_id, criterion_id)
    form = CriterionForm() if request.method == "POST" else CriterionForm.from_criterion(criterion)
    if form.validate_on_submit() and _save(
        form, lambda: setup.update_criterion(db, criterion, actor=_actor(), **form.values(), **form.seen())
    ):
        flash(_("Criterion saved."), "success")
        return redirect(_prize_url(edition, prize, f"round-{rnd.id}"))
    return render_template(
        "editions/criterion_form.html",
        form=form,
        edition=edition,
        prize=prize,
        rnd=rnd,
        criterion=criterion,
    ), status_of(form)


@bp.route(f"{ROUND_URL}/criteria/<int:criterion_id>/delete", methods=["GET", "POST"])
@organizer_required
def criterion_delete(edition_id: int, prize_id: int, round_id: int, criterion_id: int):
    edition, prize, rnd, criterion = load_criterion(edition_id, prize_id, round_id, criterion_id)
    form = DeleteForm()
    error = None
    if request.method == "POST":
        code = tr(criterion.name)
        done = _delete(form, lambda seen: setup.delete_criterion(db, criterion, actor=_actor(), **seen))
        if done is True:
            flash(_("Criterion “%(code)s” deleted.", code=code), "success")
            return redirect(_prize_url(edition, prize, f"round-{rnd.id}"))
        error = done
    return _confirm_delete(
        criterion,
        form=form,
        title=_("Delete the criterion “%(name)s”?", name=tr(criterion.name)),
        message=_("It will disappear from the rubric of the round “%(code)s”.", code=round_name(rnd)),
        cancel_url=_prize_url(edition, prize, f"round-{rnd.id}"),
        crumbs=_prize_crumbs(edition, prize),
        error=error,
    )


@bp.post(f"{ROUND_URL}/criteria/<int:criterion_id>/move")
@organizer_required
def criterion_move(edition_id: int, prize_id: int, round_id: int, criterion_id: int):
    edition, prize, rnd, criterion = load_criterion(edition_id, prize_id, round_id, criterion_id)
    direction = request.form.get("direction")
    if not ConfirmForm().validate_on_submit() or direction not in ("up", "down"):
        abort(400)
    if setup.move_criterion(db, criterion, direction, actor=_actor()):
        db.commit()
    return redirect(_prize_url(edition, prize, f"round-{rnd.id}"))


# --- questions ---------------------------------------------------------------------------------------

PRIZE_URL = "/editions/<int:edition_id>/prizes/<int:prize_id>"


@bp.route(f"{PRIZE_URL}/questions/new", methods=["GET", "POST"])
@organizer_required
def question_new(edition_id: int, prize_id: int):
    edition, prize = load_prize(edition_id, prize_id)
    form = QuestionForm()
    if form.validate_on_submit():
        question = _save(form, lambda: setup.create_question(db, prize, actor=_actor(), **form.values()))
        if question:
            flash(_("Question “%(code)s” added.", code=tr(question.label)), "success")
            return redirect(_prize_url(edition, prize, "questions"))
    return render_template(
        "editions/question_form.html", form=form, edition=edition, prize=prize, question=None
    )


@bp.route(f"{PRIZE_URL}/questions/<int:question_id>/edit", methods=["GET", "POST"])
@organizer_required
def question_edit(edition_id: int, prize_id: int, question_id: int):
    edition, prize, question = load_question(edition_id, prize_id, question_id)
    form = QuestionForm() if request.method == "POST" else QuestionForm.from_question(question)
    if form.validate_on_submit() and _save(
        form, lambda: setup.update_question(db, question, actor=_actor(), **form.values(), **form.seen())
    ):
        flash(_("Question saved."), "success")
        return redirect(_prize_url(edition, prize, "questions"))
    return render_template(
        "editions/question_form.html", form=form, edition=edition, prize=prize, question=question
    ), status_of(form)


@bp.route(f"{PRIZE_URL}/questions/<int:question_id>/delete", methods=["GET", "POST"])
@organizer_required
def question_delete(edition_id: int, prize_id: int, question_id: int):
    edition, prize, question = load_question(edition_id, prize_id, question_id)
    form = DeleteForm()
    error = None
    if request.method == "POST":
        code = tr(question.label)
        done = _delete(form, lambda seen: setup.delete_question(db, question, actor=_actor(), **seen))
        if done is True:
            flash(_("Question “%(code)s” deleted.", code=code), "success")
            return redirect(_prize_url(edition, prize, "questions"))
        error = done
    return _confirm_delete(
        question,
        form=form,
        title=_("Delete the question “%(label)s”?", label=tr(question.label)),
        message=_("Candidates will no longer see it."),
        cancel_url=_prize_url(edition, prize, "questions"),
        crumbs=_prize_crumbs(edition, prize),
        error=error,
    )


@bp.post(f"{PRIZE_URL}/questions/<int:question_id>/move")
@organizer_required
def question_move(edition_id: int, prize_id: int, question_id: int):
    edition, prize, question = load_question(edition_id, prize_id, question_id)
    direction = request.form.get("direction")
    if not ConfirmForm().validate_on_submit() or direction not in ("up", "down"):
        abort(400)
    if setup.move_question(db, question, direction, actor=_actor()):
        db.commit()
    return redirect(_prize_url(edition, prize, "questions"))
