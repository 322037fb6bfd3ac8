"""Database engine settings that the ORM does not express."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def configure_engine_events(engine: Engine, busy_timeout_ms: int = 15000) -> None:
    """SQLite: enforce foreign keys, write-ahead log, wait instead of failing when busy, and
    zero what is deleted or overwritten (secure_delete) so a purge leaves no old values in free
    space (see campaign.services.purge.scrub_storage).

    PostgreSQL: give up waiting for a lock after the same time, so a stuck lock becomes a clear
    "busy, try again" answer instead of a request that hangs.
    """
    if engine.dialect.name == "postgresql":
        if getattr(engine, "_campaign_configured", False):
            return
        engine._campaign_configured = True  # type: ignore[attr-defined]

        @sa.event.listens_for(engine, "connect")
        def _on_pg_connect(dbapi_connection, _record):
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {int(busy_timeout_ms)}")
            dbapi_connection.commit()

        return
    if engine.dialect.name != "sqlite":
        return
    if getattr(engine, "_campaign_configured", False):
        return
    engine._campaign_configured = True  # type: ignore[attr-defined]

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA secure_delete=ON")
        if not str(engine.url.database or "").startswith(":memory:") and engine.url.database:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
