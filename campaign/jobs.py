"""Background jobs (huey), configured by the application factory.

The huey object is made at import because task decorators need one; until `init_app(app)`
it keeps jobs in memory and reads no environment variable. `init_app` (called by
`create_app`) chooses where jobs wait from the app's configuration: Redis when `REDIS_URL`
is set, else `jobs.sqlite3` in the instance folder; with `HUEY_IMMEDIATE` (the tests) jobs
run inline instead. It also installs the after-commit listeners through which services ask
for jobs (campaign.after_commit), and remembers the app, which runs the jobs the worker
takes from that store (`flask --app campaign worker` builds the app, so the worker reads
the same configuration as the web processes).
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Flask, has_app_context
from huey import MemoryHuey
from huey.storage import BaseStorage, RedisStorage, SqliteStorage

from campaign import after_commit

QUEUE_NAME = "campaign"

huey = MemoryHuey(QUEUE_NAME)
_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Point the job queue at the app's store (or run jobs inline), and run jobs in this app."""
    global _app
    # Set first: huey gives itself in-memory storage whenever `immediate` changes.
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE"))
    if not huey.immediate:
        huey.storage = storage_for(app)
    after_commit.install()
    app.extensions["huey"] = huey
    _app = app


def storage_for(app: Flask) -> BaseStorage:
    """Where this app's jobs wait: Redis when configured, else a SQLite file in the instance."""
    if app.config.get("REDIS_URL"):
        return RedisStorage(QUEUE_NAME, url=app.config["REDIS_URL"])
    filename = Path(app.instance_path) / "jobs.sqlite3"
    return SqliteStorage(QUEUE_NAME, filename=str(filename), timeout=15)


def in_app_context(function):
    """Give a job the application: the caller's when run inline, else the one init_app saw."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return function(*args, **kwargs)
        if _app is None:
            raise RuntimeError("campaign.jobs.init_app() was never called in this process")
        with _app.app_context():
            return function(*args, **kwargs)

    return wrapper
