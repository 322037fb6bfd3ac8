"""Every corpus string in the staff CSV exports (through campaign.services.exports' public
functions): each file parses back with the csv module, every text comes back exactly, and a
cell a spreadsheet would run as a formula starts with a quote instead."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from campaign.extensions import db
from campaign.models import SpeakMode, TestimonyStatus
from campaign.services import exports
from tests.factories import make_campaign, make_signature, make_staff, make_testimony
from tests.hostile.corpus import SMALL

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def storable(text: str) -> str:
    """PostgreSQL cannot store NUL in text (the forms remove it; a factory does not)."""
    return text.replace("\x00", "") if db.engine.dialect.name == "postgresql" else text


def as_exported(text: str) -> str:
    """What the cell must hold: the text, behind a quote if it would start a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def rows(export) -> list[dict[str, str]]:
    text = export.data.decode("utf-8")
    assert text.startswith("\ufeff")
    # newline="" as the csv module asks: quoted line breaks inside a cell stay in the cell.
    parsed = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert len(parsed) == export.rows
    for row in parsed:
        assert None not in row, "a row with more cells than the header"
        for cell in row.values():
            assert not cell.startswith(FORMULA_STARTS), cell
    return parsed


def test_exports_carry_every_hostile_string_as_inert_text(app):
    campaign = make_campaign()
    lead = make_staff(campaign, "lead")
    texts = [storable(entry.text) for entry in SMALL]
    for n, text in enumerate(texts):
        make_signature(
            campaign, name=text, address=text, batch=text[:40], email=f"signer{n}@example.org"
        )
        make_testimony(
            campaign,
            reference=f"H{n:05d}",
            name=text,
            affiliation=text,
            body=text,
            interpreter_language=text[:40],
            phone=text,
            moderation_note=text[:500],
            wants_to_speak=True,
            speak_mode=SpeakMode.PHONE,
            status=TestimonyStatus.APPROVED,
            email=f"witness{n}@example.org",
        )
    db.session.commit()
    now = datetime.now(UTC)

    signatures = rows(exports.signatures(db.session, campaign, lead, now))
    assert len(signatures) == len(texts)
    for row in signatures:
        text = texts[int(row["email"].removeprefix("signer").partition("@")[0])]
        assert row["name"] == row["address"] == as_exported(text)
        assert row["batch"] == as_exported(text[:40])

    by_reference = dict(zip((f"H{n:05d}" for n in range(len(texts))), texts, strict=True))
    for scope, text_column in (("approved", "text"), ("all", "original_text")):
        testimony = rows(exports.testimonies(db.session, campaign, lead, now, scope=scope))
        assert len(testimony) == len(texts)
        for row in testimony:
            text = by_reference[row["reference"]]
            assert row["name"] == row["affiliation"] == row[text_column] == as_exported(text)
            assert row["interpreter_language"] == as_exported(text[:40])
            if scope == "all":
                assert row["moderation_note"] == as_exported(text[:500])
                assert row["phone"] == as_exported(text)

    speakers = rows(exports.speaker_roster(db.session, campaign, lead, now))
    assert len(speakers) == len(texts)
    for row in speakers:
        text = by_reference[row["reference"]]
        assert row["name"] == as_exported(text) and row["phone"] == as_exported(text)
