"""The jury area (built in its own issue; the dashboard exists so that every role lands somewhere)."""

from flask import Blueprint, render_template

from ..permissions import juror_required

bp = Blueprint("jury", __name__)


@bp.get("/")
@juror_required
def dashboard():
    return render_template("jury/dashboard.html")
