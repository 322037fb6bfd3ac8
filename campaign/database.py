"""Database engine settings that the ORM does not express."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def configure_engine_events(engine: Engine) -> None:
    """SQLite: enforce foreign keys, write-ahead log, wait instead of failing when busy."""
    if engine.dialect.name != "sqlite":
        return
    if getattr(engine, "_campaign_configured", False):
        return
    engine._campaign_configured = True  # type: ignore[attr-defined]

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if not str(engine.url.database or "").startswith(":memory:") and engine.url.database:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
