"""Accounts: register, confirm, log in and out, reset a password, accept an invitation."""

from flask_babel import lazy_gettext as _l
from flask_login import LoginManager


def login_messages(manager: LoginManager) -> None:
    manager.login_message = _l("Please log in to see this page.")
    manager.needs_refresh_message = _l("Please log in again to continue.")
