"""Organizer area: editions, prizes, rounds, rubric criteria and questions."""

from flask import Blueprint, render_template

from ..permissions import organizer_required

bp = Blueprint("organizer", __name__)


@bp.get("/")
@organizer_required
def dashboard():
    return render_template("organizer/dashboard.html", editions=[])
