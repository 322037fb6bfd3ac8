"""Configuration: defaults, instance/config.py, CAMPAIGN_* variables, then DATABASE_URL."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    """Values used when nothing else says otherwise."""

    ENV_NAME = "production"
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in from the instance path
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    DATABASE_BUSY_TIMEOUT_MS = 15000  # wait this long for a locked database, then say "busy"
    # Hearing packets are tagged PDF/UA-1 + PDF/A-2u (docs/packets.md); false: untagged.
    PACKET_TAGGED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: long testimony takes time
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("en", "es")
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_ENABLED = True
    REDIS_URL: str | None = None
    # "smtp" sends; "outbox" writes .eml files (mode 0600) to instance/outbox, for development
    # and tests only. Left unset, it is "outbox" in development and testing, "smtp" otherwise.
    MAIL_BACKEND: str | None = None
    MAIL_FROM = "Riverton campaigns <no-reply@campaign.invalid>"
    SMTP_HOST = "localhost"
    SMTP_PORT = 25
    SMTP_STARTTLS = False
    SMTP_USER: str | None = None
    SMTP_PASSWORD: str | None = None
    # A CA bundle to verify the SMTP server against (a private CA); None: the system's store.
    SMTP_CA_FILE: str | None = None
    SERVER_BASE_URL = "http://127.0.0.1:5000"
    # Whom the accessibility statement asks people to write to (an email address).
    ACCESSIBILITY_CONTACT: str | None = None
    # How many reverse proxies stand in front of the app (nginx alone: 1). Only then do the
    # client address and the scheme come from their X-Forwarded-* headers (werkzeug ProxyFix).
    TRUSTED_PROXIES = 0
    CONFIRMATION_MAX_AGE_DAYS = 7
    DUE_SOON_HOURS = 72
    REMINDER_OFFSETS_HOURS = (168, 48, 24, 3)
    DEFAULT_RETENTION_DAYS = 180
    HUEY_IMMEDIATE = False
    ENCRYPTION_KEYS: str | None = None  # comma-separated Fernet keys, newest first
    HASH_KEY: str | None = None
    # Councils whose official record campaigns can follow (campaign/record/clients.py,
    # docs/record.md): {"phila": {"provider": "legistar", "token": ..., ...}}.
    RECORD_CLIENTS: dict[str, Any] = {}


def _coerce(raw: str, current: Any) -> Any:
    """Read an environment string as the type of the default it replaces."""
    if isinstance(current, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int) and not isinstance(current, bool):
        return int(raw)
    if isinstance(current, (tuple, list, dict)):
        value = json.loads(raw)
        return tuple(value) if isinstance(current, tuple) else value
    return raw


def load(app, test_config: dict[str, Any] | None = None) -> None:
    """Fill app.config in the documented order of precedence."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for key, raw in os.environ.items():
        if key.startswith("CAMPAIGN_") and key != "CAMPAIGN_INSTANCE_PATH":
            name = key.removeprefix("CAMPAIGN_")
            app.config[name] = _coerce(raw, app.config.get(name))
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)

    instance = Path(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'campaign.sqlite3'}"
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):
        uri = "postgresql://" + uri.removeprefix("postgres://")
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"timeout": 15})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("MAIL_BACKEND"):
        local = app.config["ENV_NAME"] in ("development", "testing")
        app.config["MAIL_BACKEND"] = "outbox" if local else "smtp"
    if app.config["ENV_NAME"] == "development":
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
        app.config["RECORD_CLIENTS"] = {"riverton": _demo_council(instance)} | dict(
            app.config.get("RECORD_CLIENTS") or {}
        )
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or _instance_secret(
        instance / "secret_key", lambda: secrets.token_hex(32)
    )
    app.config["HASH_KEY"] = app.config.get("HASH_KEY") or _instance_secret(
        instance / "hash_key", lambda: secrets.token_hex(32)
    )
    app.config["ENCRYPTION_KEYS_FROM_ENV"] = bool(app.config.get("ENCRYPTION_KEYS"))
    if not app.config.get("ENCRYPTION_KEYS"):
        from cryptography.fernet import Fernet

        app.config["ENCRYPTION_KEYS"] = _instance_secret(
            instance / "encryption_keys", lambda: Fernet.generate_key().decode()
        )
    app.config.setdefault("OUTBOX_PATH", str(instance / "outbox"))
    app.config.setdefault("PACKETS_PATH", str(instance / "packets"))


def _demo_council(instance: Path) -> dict[str, Any]:
    """The demo's fake Riverton council, answered inside the process (development only)."""
    return {
        "provider": "legistar",
        "demo": True,
        "label": "Riverton City Council (demo record, served by this app)",
        "base_url": "http://riverton.demo.invalid/v1/riverton",
        "council_body": "Riverton City Council",
        "state_file": str(instance / "demo-council.json"),
        "requests_per_second": 0,
        "cache_seconds": 30,
    }


def _instance_secret(path: Path, make) -> str:
    """Read a secret kept in the instance folder, creating it once (mode 0600) if missing."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value
