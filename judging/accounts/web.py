"""What ``create_app`` wires for accounts: the login messages and the answer to an untrusted Host."""

from flask import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from werkzeug.exceptions import SecurityError


def login_messages(manager: LoginManager) -> None:
    manager.login_message = _l("Please log in to see this page.")
    manager.needs_refresh_message = _l("Please log in again to continue.")


def untrusted_host(_error: SecurityError) -> Response:
    """A request for a Host not in ``TRUSTED_HOSTS``: 400, in plain text.

    No page template here: with an untrusted Host, Flask builds no URL adapter, so ``url_for``
    (which every page uses) cannot run.
    """
    message = _("This server does not answer for this address. Use the platform's usual address.")
    return Response(message, status=400, mimetype="text/plain")
