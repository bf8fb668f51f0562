"""Configuration: safe defaults, overridden by the environment, then by ``create_app(config)``."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENV_PREFIX = "JUDGING_"


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """The ``SECRET_KEY`` from the environment, else one generated once into the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    env = os.environ
    overrides = dict(overrides or {})
    config: dict[str, Any] = {
        "DATABASE_URL": env.get("JUDGING_DATABASE_URL") or f"sqlite:///{instance_path / 'judging.sqlite'}",
        "UPLOAD_FOLDER": env.get("JUDGING_UPLOAD_FOLDER") or str(instance_path / "uploads"),
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS", "0")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL", "0")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "MTL Tech Awards <awards@localhost>"),
        "MAIL_MAX_ATTEMPTS": int(env.get("MAIL_MAX_ATTEMPTS", "8")),
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "15")),
        # the development server's background sender (``judging demo``/``judging run`` only): thread|off
        "MAIL_WORKER": env.get("JUDGING_MAIL_WORKER", "thread").strip().lower(),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": env.get("JUDGING_LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "PASSWORD_HASH_METHOD": "scrypt",
        "TOKEN_MAX_AGE_CONFIRM": 7 * 24 * 3600,
        # per account (normalized email, or user id on the profile), whatever the address
        "ACCOUNT_GUESS_RATE_LIMIT": env.get(
            "JUDGING_ACCOUNT_GUESS_RATE_LIMIT", "10 per 15 minutes;50 per day"
        ),
        "ACCOUNT_MAIL_RATE_LIMIT": env.get("JUDGING_ACCOUNT_MAIL_RATE_LIMIT", "3 per hour;10 per day"),
        "REGISTER_RATE_LIMIT": env.get("JUDGING_REGISTER_RATE_LIMIT", "10 per hour;30 per day"),
        "TOKEN_MAX_AGE_RESET": 2 * 3600,
        "TOKEN_MAX_AGE_INVITE": 14 * 24 * 3600,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "America/Montreal",
        "BOOTSTRAP_SERVE_LOCAL": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("JUDGING_SECURE_COOKIES", "0")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(env.get("JUDGING_REMEMBER_DAYS", "30"))),
        "PUBLIC_URL": env.get("JUDGING_PUBLIC_URL", ""),
        "TRUSTED_HOSTS": _host_list(env.get("JUDGING_TRUSTED_HOSTS", "")),
        "PROXY_HOPS": int(env.get("JUDGING_PROXY_HOPS", "0")),
    }
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config.update(overrides)
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _secret_key(instance_path)
    return config


#: Where mailed links point when no public URL is set and the app serves only this machine.
LOCAL_PUBLIC_URL = "http://localhost"
LOCAL_HOSTS = ["localhost", "127.0.0.1"]


class ConfigError(RuntimeError):
    """A setting the application cannot start without."""


def _host_list(value: str) -> list[str] | None:
    """``JUDGING_TRUSTED_HOSTS``: comma-separated names; empty = the default; ``*`` = any host."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    if names == ["*"]:
        return None
    return names


def settle_public_url(config: dict[str, Any]) -> None:
    """Fix ``PUBLIC_URL`` (the base of every mailed link) and ``TRUSTED_HOSTS`` (Host headers served).

    Links in mail never come from a request's Host header, which anyone can forge. In tests,
    debug mode and the local commands (``PUBLIC_URL_FALLBACK``), a missing public URL falls back
    to this machine; a server in production (gunicorn) refuses to start without it.
    """
    if not config.get("PUBLIC_URL"):
        local = config.get("PUBLIC_URL_FALLBACK") or (
            LOCAL_PUBLIC_URL if config.get("TESTING") or config.get("DEBUG") else ""
        )
        if not local:
            raise ConfigError(
                "JUDGING_PUBLIC_URL is not set. Set it to the address people use to reach the site "
                "(e.g. https://awards.example.org): mailed links are built from it, never from the "
                "request's Host header."
            )
        config["PUBLIC_URL"] = local
    public = urlsplit(config["PUBLIC_URL"])
    if public.scheme not in ("http", "https") or not public.hostname:
        raise ConfigError(f"JUDGING_PUBLIC_URL must be an http(s) address, not {config['PUBLIC_URL']!r}.")
    if config.get("TRUSTED_HOSTS") == []:  # the default: the public host and this machine
        config["TRUSTED_HOSTS"] = [public.hostname, *LOCAL_HOSTS]


#: The local commands' public URL when none is set (``judging run`` serves there by default).
COMMAND_LINE_PUBLIC_URL = "http://127.0.0.1:5000"


def serve_locally(config: dict[str, Any], host: str, port: int) -> None:
    """``judging demo``: without ``JUDGING_PUBLIC_URL``, mailed links point to the server it starts."""
    if os.environ.get("JUDGING_PUBLIC_URL"):
        return
    config["PUBLIC_URL"] = f"http://{host}:{port}"
    trusted = config.get("TRUSTED_HOSTS")
    if trusted is not None and host not in trusted:
        config["TRUSTED_HOSTS"] = [*trusted, host]
