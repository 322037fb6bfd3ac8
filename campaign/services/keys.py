"""Encryption key rotation: a new key encrypts from now on, and every stored value is re-encrypted.

Keys live outside the database (instance/encryption_keys or CAMPAIGN_ENCRYPTION_KEYS), newest
first. Rotation adds a key, re-encrypts every personal-data column with it, and only then may the
old key be dropped.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from campaign.crypto import KeyRing
from campaign.extensions import db
from campaign.models.types import EncryptedText
from campaign.services import DomainError, context


def encrypted_columns() -> list[tuple[sa.Table, sa.Column]]:
    """Every column that holds encrypted personal data."""
    return [
        (table, column)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


def add_key(instance_path: Path) -> str:
    """Put a new key first in the instance key file; returns the file's path."""
    path = Path(instance_path) / "encryption_keys"
    old = [k.strip() for k in path.read_text().replace("\n", ",").split(",") if k.strip()]
    new = Fernet.generate_key().decode()
    path.write_text(",".join([new, *old]) + "\n")
    path.chmod(0o600)
    return str(path)


def reencrypt_all(session: Session, keyring: KeyRing, batch: int = 2000) -> int:
    """Re-encrypt every stored value with the newest key; returns how many were rewritten."""
    rewritten = 0
    for table, column in encrypted_columns():
        primary = list(table.primary_key.columns)[0]
        raw = sa.table(table.name, sa.column(primary.name), sa.column(column.name, sa.Text))
        last_id = 0
        while True:
            rows = session.execute(
                sa.select(raw.c[primary.name], raw.c[column.name])
                .where(raw.c[primary.name] > last_id, raw.c[column.name].is_not(None))
                .order_by(raw.c[primary.name])
                .limit(batch)
            ).all()
            if not rows:
                break
            session.execute(
                sa.update(raw)
                .where(raw.c[primary.name] == sa.bindparam("row_id"))
                .values({column.name: sa.bindparam("value")}),
                [{"row_id": row_id, "value": keyring.rotate(value)} for row_id, value in rows],
            )
            rewritten += len(rows)
            last_id = rows[-1][0]
    return rewritten


def rotate(session: Session) -> tuple[str, int]:
    """Add a key to the instance key file and re-encrypt everything with it."""
    if context.setting("ENCRYPTION_KEYS_FROM_ENV"):
        raise DomainError(
            "keys come from CAMPAIGN_ENCRYPTION_KEYS: rotate them there",
            code="keys_from_environment",
        )
    path = add_key(context.instance_path())
    keys = Path(path).read_text().strip()
    keyring = KeyRing(keys, context.setting("HASH_KEY"))
    context.use_keyring(keyring, keys)
    return path, reencrypt_all(session, keyring)
