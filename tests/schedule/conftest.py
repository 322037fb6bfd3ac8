"""Helpers for the schedule tests: moments in a campaign's zone, the mail outbox."""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

NEW_YORK = "America/New_York"


def local(year, month, day, hour=0, minute=0, zone=NEW_YORK, fold=0) -> datetime:
    """A wall-clock moment in a zone, aware."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone), fold=fold)


def outbox_messages(app) -> list:
    folder = Path(app.config["OUTBOX_PATH"])
    if not folder.exists():
        return []
    return [
        message_from_bytes(p.read_bytes(), policy=default) for p in sorted(folder.glob("*.eml"))
    ]


@pytest.fixture
def outbox(app):
    return lambda: outbox_messages(app)
