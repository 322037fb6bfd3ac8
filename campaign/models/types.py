"""Column types shared by the models: encrypted text, UTC timestamps, checked enums."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from campaign.crypto import keyring


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class EncryptedText(TypeDecorator):
    """Personal data (names, emails, addresses, phones), Fernet-encrypted before it is stored."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return keyring().encrypt(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return keyring().decrypt(value)


class UTCDateTime(TypeDecorator):
    """A moment in time: stored as naive UTC on every database, read back timezone-aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def checked_enum(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A string column whose values the database itself checks."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        validate_strings=True,
        values_callable=lambda cls: [member.value for member in cls],
    )
