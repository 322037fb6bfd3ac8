"""Background jobs (huey): SQLite storage in the instance folder, Redis when configured.

The huey instance is made at import time because task decorators need it; where it stores jobs
is read from the same environment variables as the app (CAMPAIGN_REDIS_URL,
CAMPAIGN_INSTANCE_PATH). Tests run jobs inline (CAMPAIGN_HUEY_IMMEDIATE / HUEY_IMMEDIATE).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey

from campaign.config import REPO_ROOT


def _make_huey():
    redis_url = os.environ.get("CAMPAIGN_REDIS_URL")
    if redis_url:
        return RedisHuey("campaign", url=redis_url)
    instance = Path(os.environ.get("CAMPAIGN_INSTANCE_PATH") or REPO_ROOT / "instance")
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("campaign", filename=str(instance / "jobs.sqlite3"), timeout=15)


huey = _make_huey()
_worker_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Run jobs inline when the app says so (tests), otherwise queue them."""
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE"))
    app.extensions["huey"] = huey


def _app() -> Flask:
    global _worker_app
    if _worker_app is None:
        from campaign import create_app

        _worker_app = create_app()
    return _worker_app


def in_app_context(function):
    """Give a job the application: the caller's when run inline, the worker's otherwise."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return function(*args, **kwargs)
        with _app().app_context():
            return function(*args, **kwargs)

    return wrapper


def app_config(name: str, default=None):
    """A configuration value of the current application."""
    return current_app.config.get(name, default)
