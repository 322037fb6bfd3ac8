"""Purge means gone: after a purge, the database's files on disk hold none of the old values.

Not in the rows (tests/schedule/test_purge.py checks those), and not in what a database keeps
beside them: SQLite's free space and write-ahead log; PostgreSQL's old row versions in the
table, index and TOAST files.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from campaign.models import Campaign, CampaignStatus, Testimony
from campaign.services.purge import PURGED_TABLES
from tests.factories import (
    make_campaign,
    make_endorsement,
    make_signature,
    make_staff,
    make_testimony,
)
from tests.residents.support import other_app

CLOSED_AT = datetime(2026, 1, 10, 20, tzinfo=UTC)
AFTER_RETENTION = CLOSED_AT + timedelta(days=31)
# Columns holding a person's data, as stored: ciphertexts, keyed hashes and free text.
STORED = {
    "signature": ("name", "email", "address", "email_hash", "comment", "client_hash"),
    "testimony": (
        "name",
        "email",
        "phone",
        "email_hash",
        "affiliation",
        "body",
        "redacted_body",
        "moderation_note",
    ),
    "endorsement": ("contact_name", "contact_email"),
    "outgoing_mail": ("to", "subject", "body"),
}
NEEDLE = 48  # long enough to be nobody else's bytes


def _campaign_with_people(db, client) -> Campaign:
    """A campaign with residents who signed on the site (their mail is queued), many more
    signatures and testimony (one long enough to spill over a database page), then closed."""
    campaign = make_campaign(slug=f"purged-{uuid.uuid4().hex[:8]}", retention_days=30)
    db.session.commit()
    for n in range(3):
        response = client.post(
            f"/c/{campaign.slug}/sign",
            data={
                "name": f"Online Signer {uuid.uuid4().hex}",
                "email": f"online{n}@example.org",
                "zip": "11111",
                "visibility": "packet",
                "comment": f"Because {uuid.uuid4().hex}",
            },
        )
        assert response.status_code == 200
    for n in range(120):
        make_signature(
            campaign,
            name=f"Paper Person {uuid.uuid4().hex}",
            email=f"signer.{uuid.uuid4().hex}@example.org",
            address=f"{n} Elm Street {uuid.uuid4().hex}",
            comment=f"My family {uuid.uuid4().hex}",
            client_hash=uuid.uuid4().hex,
        )
    for n in range(12):
        words = " ".join(uuid.uuid4().hex for _ in range(400 if n == 0 else 8))
        make_testimony(
            campaign,
            name=f"Witness {uuid.uuid4().hex}",
            email=f"witness.{uuid.uuid4().hex}@example.org",
            phone=f"+1 555 {uuid.uuid4().hex}",
            affiliation=f"Tenants {uuid.uuid4()}",
            body=f"I live near the station with my kids: {words}",
            redacted_body=f"I live near [place] with my kids: {words}",
            moderation_note=f"Moderator thinks {uuid.uuid4().hex}",
        )
    make_endorsement(
        campaign,
        "Riverton Tenants Union",
        contact_name=f"Ema {uuid.uuid4().hex}",
        contact_email=f"ema.{uuid.uuid4().hex}@example.org",
    )
    campaign = db.session.get(Campaign, campaign.id)
    campaign.status, campaign.closed_at = CampaignStatus.CLOSED, CLOSED_AT
    db.session.commit()
    return campaign


def _stored_values(db, campaign: Campaign) -> list[str]:
    """Every value of the campaign's people as the database stores it (plain SQL: no column
    type decrypts it on the way)."""
    values = []
    with db.engine.connect() as connection:
        for table, columns in STORED.items():
            quoted = ", ".join(f'"{column}"' for column in columns)
            rows = connection.execute(
                sa.text(f'SELECT {quoted} FROM "{table}" WHERE campaign_id = :id'),  # noqa: S608
                {"id": campaign.id},
            )
            values.extend(value for row in rows for value in row if value)
    return values


def _needles(values: list[str]) -> set[bytes]:
    """Pieces of each value to look for: a long text may be split across database pages."""
    needles = set()
    for value in values:
        raw = value.encode()
        assert len(raw) >= 24, value  # a short value could be found by chance
        last = max(len(raw) - NEEDLE, 0)
        needles.update(raw[start : start + NEEDLE] for start in range(0, last + 1, NEEDLE))
    return needles


def _found(needles: set[bytes], files: list[Path]) -> dict[str, int]:
    found = {}
    for path in files:
        data = path.read_bytes()
        hits = sum(needle in data for needle in needles)
        if hits:
            found[path.name] = hits
    return found


def _purge(how: str, runner) -> None:
    with time_machine.travel(AFTER_RETENTION, tick=False):
        if how == "command":
            result = runner.invoke(args=["purge"])
            assert result.exit_code == 0, result.output
            assert "anonymized 123 signatures, 12 testimonies" in result.output
        else:
            from campaign.schedule.tasks import run_purge

            assert run_purge() == 1


def _sqlite_files(db) -> list[Path]:
    database = Path(db.engine.url.database)
    return [
        path
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"))
        if path.exists()
    ]


@pytest.fixture
def sqlite_without_secure_delete_by_default(db):
    """Connections that start with secure_delete off, as SQLite does unless built otherwise
    (Debian builds it on; Python's own builds and many others leave it off)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite file; PostgreSQL has its own test below")

    def default_off(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA secure_delete=OFF")

    # Before the app's own settings, as a library default would be.
    sa.event.listen(db.engine, "connect", default_off, insert=True)
    db.engine.dispose()
    yield
    sa.event.remove(db.engine, "connect", default_off)
    db.engine.dispose()


@pytest.mark.parametrize("how", ["command", "daily job"])
@pytest.mark.usefixtures("sqlite_without_secure_delete_by_default")
def test_the_sqlite_files_keep_no_old_value(app, db, client, runner, how):
    campaign = _campaign_with_people(db, client)
    old = _stored_values(db, campaign)
    needles = _needles(old)
    assert len(old) > 700
    # Months after they were written, the rows are in the main file, not only in the log:
    # SQLite copies the log into the file every 1,000 pages.
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert _found(needles, _sqlite_files(db))  # they are there before the purge

    _purge(how, runner)

    assert _found(needles, _sqlite_files(db)) == {}
    wal = Path(f"{db.engine.url.database}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    placeholders = db.session.scalars(
        sa.select(Testimony.body).where(Testimony.campaign_id == campaign.id)
    ).all()
    assert set(placeholders) == {"[removed after the campaign closed]"}


# The purged tables, their TOAST tables, and the indexes of both.
_RELATIONS = """
    WITH named AS (SELECT to_regclass(name) AS relid FROM unnest(CAST(:tables AS text[])) name),
    heaps AS (SELECT relid FROM named
              UNION SELECT reltoastrelid FROM pg_class
              WHERE oid IN (SELECT relid FROM named) AND reltoastrelid <> 0)
    SELECT pg_relation_filepath(relid) FROM heaps
    UNION SELECT pg_relation_filepath(indexrelid) FROM pg_index
    WHERE indrelid IN (SELECT relid FROM heaps)
"""


def _postgres_files(db) -> list[Path]:
    """The files of the purged tables, when the server's data folder is readable from here (a
    local server; the test runs as its owner or root)."""
    tables = [model.__tablename__ for model in PURGED_TABLES]
    with db.engine.connect() as connection:
        try:
            data = Path(connection.exec_driver_sql("SHOW data_directory").scalar())
        except sa.exc.DBAPIError:
            pytest.skip("the server does not say where its files are (not a superuser)")
        paths = connection.execute(sa.text(_RELATIONS), {"tables": tables}).scalars().all()
    files = [data / path for path in paths]
    if not os.access(files[0], os.R_OK):
        pytest.skip("the server's files are not readable from here")
    # A relation's segments after the first gigabyte are "<file>.1", "<file>.2", ...
    return [
        segment
        for file in files
        for segment in [file, *file.parent.glob(f"{file.name}.[0-9]*")]
        if segment.exists()
    ]


def _sampled_values(db) -> bytes:
    """What the planner keeps of the purged tables' values: common values and histograms."""
    tables = [model.__tablename__ for model in PURGED_TABLES]
    with db.engine.connect() as connection:
        samples = connection.execute(
            sa.text(
                "SELECT concat(most_common_vals::text, histogram_bounds::text) FROM pg_stats"
                " WHERE tablename = ANY(:tables)"
            ),
            {"tables": tables},
        ).scalars()
        return "\n".join(samples).encode()


def test_the_postgresql_tables_keep_no_old_value(app, db, client, runner):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("runs when DATABASE_URL points at PostgreSQL (.ci/run does)")
    campaign = _campaign_with_people(db, client)
    # Mail of no purged campaign (a staff password reset): a running deployment always has
    # some, and PostgreSQL's ANALYZE keeps the old sample of a table left empty.
    make_staff(None, "admin", email="admin@staff.example")
    db.session.commit()
    assert client.post("/reset", data={"email": "admin@staff.example"}).status_code == 302
    needles = _needles(_stored_values(db, campaign))
    files = _postgres_files(db)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Months after they were written, the rows are in the files, not only in memory, and
        # autovacuum has sampled them for the planner.
        connection.exec_driver_sql("CHECKPOINT")
        connection.exec_driver_sql("ANALYZE")
    assert _found(needles, files)
    assert any(needle in _sampled_values(db) for needle in needles)

    _purge("command", runner)

    assert _found(needles, _postgres_files(db)) == {}
    # The files the rows were in before the purge: emptied, then deleted at the next checkpoint.
    assert _found(needles, [file for file in files if file.exists()]) == {}
    sampled = _sampled_values(db)
    assert not any(needle in sampled for needle in needles)


def test_a_reader_holding_the_old_pages_is_reported(app, db, runner):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's checkpoint waits for readers; PostgreSQL's VACUUM for locks")
    campaign = make_campaign(status=CampaignStatus.CLOSED, closed_at=CLOSED_AT, retention_days=30)
    make_signature(campaign, name="Reader Keeps Me")
    db.session.commit()
    impatient, _client = other_app(app, DATABASE_BUSY_TIMEOUT_MS=50)
    # A long read (an export, a packet build) still sees the database as it was.
    reader = sqlite3.connect(db.engine.url.database)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM signature").fetchone()
    try:
        with impatient.app_context(), time_machine.travel(AFTER_RETENTION, tick=False):
            result = impatient.test_cli_runner().invoke(args=["purge"])
            db.engine.dispose()  # the impatient app's own connections
    finally:
        reader.close()
    assert result.exit_code == 1
    assert "anonymized 1 signatures" in result.output
    assert "the purge is committed, but a long read kept the database busy" in result.output
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).purged_at is not None
