"""Configuration: safe defaults, overridden by the environment, then by ``create_app(config)``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

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
        "MAIL_SEND_AFTER_COMMIT": _bool(env.get("MAIL_SEND_AFTER_COMMIT", "1")),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": env.get("JUDGING_LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "PASSWORD_HASH_METHOD": "scrypt",
        "TOKEN_MAX_AGE_CONFIRM": 7 * 24 * 3600,
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
        "PUBLIC_URL": env.get("JUDGING_PUBLIC_URL", ""),
        "PROXY_HOPS": int(env.get("JUDGING_PROXY_HOPS", "0")),
    }
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config.update(overrides)
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _secret_key(instance_path)
    return config
