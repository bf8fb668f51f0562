from flask import Blueprint

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    return "login"


@bp.post("/logout")
def logout():
    return "logout"


@bp.get("/register")
def register():
    return "register"


@bp.get("/profile")
def profile():
    return "profile"
