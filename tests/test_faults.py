"""Faults: a database locked beyond its timeout gives a clear answer, stores nothing, and the
same request succeeds once the lock is gone."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from campaign.models import Signature
from tests.conftest import BrowserClient, make_app


def _client(app):
    busy_app = make_app(
        __import__("pathlib").Path(app.instance_path),
        app.config["SQLALCHEMY_DATABASE_URI"],
        DATABASE_BUSY_TIMEOUT_MS=300,
    )
    busy_app.test_client_class = BrowserClient
    client = busy_app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return busy_app, client


def _hold_lock(url, release: threading.Event, locked: threading.Event) -> None:
    """Another process holding the signature table: an exclusive lock until released."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN EXCLUSIVE")
        else:
            connection.exec_driver_sql("BEGIN")
            connection.exec_driver_sql("LOCK TABLE signature IN ACCESS EXCLUSIVE MODE")
        locked.set()
        release.wait(30)
        connection.exec_driver_sql("ROLLBACK")
    engine.dispose()


def test_database_locked_beyond_timeout_then_recovers(app, db, demo):
    _busy_app, client = _client(app)
    form = {
        "name": "Paciente Espera",
        "email": "paciente@example.org",
        "zip": "40104",
        "visibility": "packet",
        "website": "",
    }
    release, locked = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(db.engine.url, release, locked))
    holder.start()
    try:
        assert locked.wait(10)
        response = client.post("/c/riverton-arrest-data/sign", data=form)
        page = response.get_data(as_text=True)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "10"
        assert "Nothing was saved" in page and "Paciente Espera" in page  # typed text kept
    finally:
        release.set()
        holder.join(10)
    db.session.rollback()
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Signature)
            .where(Signature.email_domain == "example.org")
        )
        == 0
    )
    again = client.post("/c/riverton-arrest-data/sign", data=form)
    assert again.status_code == 200
    db.session.rollback()
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Signature)
            .where(Signature.email_domain == "example.org")
        )
        == 1
    )
