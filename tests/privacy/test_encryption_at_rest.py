"""A copy of the database alone reveals no one; keys rotate without losing anything."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from campaign.crypto import KeyRing
from campaign.models import Signature, Testimony
from tests.factories import make_campaign, make_signature, make_testimony


def _raw_dump(db) -> str:
    """Every value of every table, as stored."""
    parts = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            # Plain SQL: no column types, so nothing is decrypted on the way.
            for row in connection.execute(sa.text(f'SELECT * FROM "{table.name}"')):  # noqa: S608
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_names_emails_addresses_and_phones_are_encrypted(db, app):
    campaign = make_campaign(slug="at-rest")
    make_signature(
        campaign,
        name="Rosalinda Quintero",
        email="rosalinda.q@example.org",
        address="742 Evergreen Terrace",
    )
    make_testimony(
        campaign,
        name="Tomasz Wierzbicki",
        email="tomasz.w@example.org",
        phone="+1 555 0100",
        wants_to_speak=True,
        speak_mode="phone",
    )
    db.session.commit()
    raw = _raw_dump(db)
    for secret in ("Rosalinda", "rosalinda.q", "Evergreen", "Tomasz", "tomasz.w", "555 0100"):
        assert secret not in raw
    if db.engine.dialect.name == "sqlite":
        database_file = Path(db.engine.url.database)
        for path in [database_file, *database_file.parent.glob(database_file.name + "-wal")]:
            assert b"Rosalinda" not in path.read_bytes()
    # ... and the app reads them back.
    assert db.session.scalar(sa.select(Signature.name)) == "Rosalinda Quintero"
    assert db.session.scalar(sa.select(Testimony.phone)) == "+1 555 0100"


def test_key_rotation_reencrypts_everything(runner, db, app):
    campaign = make_campaign(slug="rotate")
    make_signature(campaign, name="Before Rotation", email="before@example.org")
    db.session.commit()
    before = db.session.execute(sa.text("SELECT name FROM signature")).scalar()
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    after = db.session.execute(sa.text("SELECT name FROM signature")).scalar()
    assert after != before
    db.session.expire_all()
    assert db.session.scalar(sa.select(Signature.name)) == "Before Rotation"
    keys = (Path(app.instance_path) / "encryption_keys").read_text().strip().split(",")
    assert len(keys) == 2
    # Only the new key is needed for the rewritten values.
    from campaign.crypto import KeyRing

    newest_only = KeyRing(keys[0], app.config["HASH_KEY"])
    assert newest_only.decrypt(after) == "Before Rotation"


def test_values_of_every_key_decrypt_and_tampered_ones_are_refused():
    new_key, old_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before_rotation = KeyRing(old_key, "hash key")
    ring = KeyRing(f"{new_key},{old_key}", "hash key")
    texts = ["", "a", "x" * 15, "y" * 16, "z" * 17, "María Шевченко 王小明", "é" * 40]
    tokens = [ring.encrypt(t) for t in texts] + [before_rotation.encrypt(t) for t in texts]
    assert [ring.decrypt(t) for t in tokens] == texts + texts

    raw = bytearray(base64.urlsafe_b64decode(tokens[5]))
    raw[30] ^= 1  # one bit of the ciphertext: the HMAC no longer matches
    for bad in (
        base64.urlsafe_b64encode(bytes(raw)).decode(),
        "not a token",
        tokens[5][:-8],
        KeyRing(Fernet.generate_key().decode(), "h").encrypt("someone else's key"),
    ):
        with pytest.raises(ValueError):
            ring.decrypt(bad)
