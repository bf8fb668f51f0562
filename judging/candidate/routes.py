"""The candidate area (built in its own issue; the dashboard exists so that every role lands somewhere)."""

from flask import Blueprint, render_template

from ..permissions import candidate_required

bp = Blueprint("candidate", __name__)


@bp.get("/")
@candidate_required
def dashboard():
    return render_template("candidate/dashboard.html")
