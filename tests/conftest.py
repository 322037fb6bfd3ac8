"""Fixtures: an app on a fresh database (SQLite by default, PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import contextvars
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from campaign import create_app
from campaign.extensions import db as _db

POSTGRES_URL = os.environ.get("DATABASE_URL", "")


def _pg_url(url: str) -> sa.URL:
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


class DatabaseFactory:
    """Makes empty databases of the kind under test: files for SQLite, databases on PostgreSQL."""

    def __init__(self, tmp_root: Path) -> None:
        self.tmp_root = tmp_root
        self.created: list[str] = []

    @property
    def is_postgres(self) -> bool:
        return POSTGRES_URL.startswith("postgres")

    def new(self) -> str:
        if not self.is_postgres:
            return f"sqlite:///{self.tmp_root / f'db-{uuid.uuid4().hex[:8]}.sqlite3'}"
        name = f"campaign_test_{uuid.uuid4().hex[:10]}"
        server = _pg_url(POSTGRES_URL)
        engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        self.created.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.is_postgres:
            return
        engine = sa.create_engine(_pg_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for name in self.created:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


def make_app(instance: Path, database_url: str, **overrides):
    config = {
        "TESTING": True,
        "INSTANCE_PATH": instance,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
        "ENV_NAME": "testing",
        "HUEY_IMMEDIATE": True,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def _migrated_url(databases, tmp_path_factory) -> str:
    """One database upgraded to head through the migrations, shared by the session."""
    url = databases.new()
    app = make_app(tmp_path_factory.mktemp("instance-migrate"), url)
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    return url


@pytest.fixture
def app(_migrated_url, tmp_path):
    """The app on the shared database; every table is emptied after each test."""
    instance = tmp_path / "instance"
    application = make_app(instance, _migrated_url)
    with application.app_context():
        yield application
        _db.session.remove()
        _empty_tables()
        _db.engine.dispose()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            quoted = ", ".join(f'"{t}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(sa.text(f'DELETE FROM "{table}"'))  # noqa: S608 (our names)


@pytest.fixture
def db(app):
    return _db


class BrowserClient(FlaskClient):
    """A test client whose every request runs as in production: its own app context.

    The test itself holds an app context for its factories; without this, requests would
    share that context and with it `g`, the cached locale and the logged-in user.
    """

    def open(self, *args, **kwargs):
        _db.session.commit()  # the request must see what the test made
        response = contextvars.Context().run(super().open, *args, **kwargs)
        _db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    """A browser on https, as in production, so Secure cookies come back."""
    app.test_client_class = BrowserClient
    test_client = app.test_client()
    test_client.environ_base["wsgi.url_scheme"] = "https"
    return test_client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The Riverton demo loaded into the database."""
    from campaign.demo import riverton

    result = riverton.load(_db.session)
    _db.session.commit()
    return result


@pytest.fixture
def login(client):
    """Log the test client in as a staff user made by tests.factories.make_staff."""

    def log_in(user):
        response = client.post(
            "/login", data={"email": user.email, "password": user.email + " password"}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return log_in
