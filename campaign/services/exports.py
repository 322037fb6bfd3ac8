"""CSV exports of personal data for a campaign's staff: every one written to the audit log.

A stored value (a status, a position, a district) goes out twice: in the staff's words, given
by the caller as `words` (the web passes campaign.labels.export_word), and as its stable code in
the `<column>_code` column beside it, for spreadsheets and scripts that filter on it.

Cells that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a carriage
return) get a leading single quote: a resident's name must never run as a formula on an
organizer's computer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.models import (
    AuditEvent,
    Campaign,
    Signature,
    Testimony,
    TestimonyStatus,
    User,
)
from campaign.services import audit, speakers

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A stored value in the staff's words; without one, the code itself.
Words = Callable[[object], str]
BATCH = 2000


def neutralize(value: object) -> str:
    """A cell as text that no spreadsheet will evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV bytes, UTF-8 with a BOM (so spreadsheets read accents right), CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralize(h) for h in header])
    for row in rows:
        writer.writerow([neutralize(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@dataclass
class Export:
    """A finished export: the file to send and what the audit log recorded."""

    filename: str
    data: bytes
    rows: int


def _code(value: object) -> str:
    return "" if value is None else str(getattr(value, "value", value))


def _coded(value: object, words: Words | None) -> tuple[str, str]:
    """(the value in the staff's words, its stable code)."""
    code = _code(value)
    return (words(value) if words and value is not None else code), code


def _yes_no(value: bool, words: Words | None) -> object:
    """A yes/no cell in the staff's words (neutralize writes "yes"/"no" without them)."""
    return words(value) if words else value


def _with_codes(columns: Sequence[str], coded: set[str]) -> tuple[str, ...]:
    """The header with a `<column>_code` column after each coded column."""
    return tuple(
        name
        for column in columns
        for name in (column, f"{column}_code")[: 2 if column in coded else 1]
    )


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _stamp(campaign: Campaign, now: datetime) -> str:
    return now.astimezone(ZoneInfo(campaign.time_zone)).strftime("%Y%m%d-%H%M")


SIGNATURE_HEADER = _with_codes(
    (
        "name",
        "email",
        "zip",
        "address",
        "district",
        "visibility",
        "source",
        "status",
        "signed_at",
        "verified_at",
        "batch",
        "language",
        "consent_updates",
    ),
    {"district", "visibility", "source", "status"},
)


def signatures(
    session: Session, campaign: Campaign, actor: User, now: datetime, words: Words | None = None
) -> Export:
    """Every signature of the campaign (with its status), audit-logged."""
    zone = ZoneInfo(campaign.time_zone)
    query = (
        sa.select(Signature)
        .where(Signature.campaign_id == campaign.id, Signature.anonymized.is_(False))
        .order_by(Signature.district, Signature.id)
        .execution_options(yield_per=BATCH)
    )
    rows = [
        (
            s.name,
            s.email,
            s.zip,
            s.address,
            *_coded(s.district, words),
            *_coded(s.visibility, words),
            *_coded(s.source, words),
            *_coded(s.status, words),
            _when(s.created_at, zone),
            _when(s.verified_at, zone),
            s.batch,
            s.language,
            _yes_no(s.consent_updates, words),
        )
        for s in session.scalars(query)
    ]
    data = to_csv(SIGNATURE_HEADER, rows)
    audit.record(
        session,
        "export.signatures",
        actor=actor,
        campaign_id=campaign.id,
        rows=len(rows),
        format="csv",
    )
    return Export(f"{campaign.slug}-signatures-{_stamp(campaign, now)}.csv", data, len(rows))


TESTIMONY_CODED = {"status", "rejection_reason", "district", "position", "visibility", "speak_mode"}
APPROVED_TESTIMONY_HEADER = _with_codes(
    (
        "reference",
        "name",
        "email",
        "zip",
        "district",
        "position",
        "affiliation",
        "language",
        "visibility",
        "wants_to_speak",
        "speak_mode",
        "interpreter_language",
        "submitted_at",
        "approved_at",
        "text",
    ),
    TESTIMONY_CODED,
)
ALL_TESTIMONY_HEADER = _with_codes(
    (
        "reference",
        "status",
        "rejection_reason",
        "moderation_note",
        "name",
        "email",
        "phone",
        "zip",
        "district",
        "position",
        "affiliation",
        "language",
        "visibility",
        "wants_to_speak",
        "speak_mode",
        "interpreter_language",
        "submitted_at",
        "confirmed_at",
        "moderated_at",
        "redacted",
        "text_as_published",
        "original_text",
    ),
    TESTIMONY_CODED,
)


def _approved_testimony_row(t: Testimony, words: Words | None, zone: ZoneInfo) -> tuple:
    return (
        t.reference,
        t.name,
        t.email,
        t.zip,
        *_coded(t.district, words),
        *_coded(t.position, words),
        t.affiliation,
        t.language,
        *_coded(t.visibility, words),
        _yes_no(t.wants_to_speak, words),
        *_coded(t.speak_mode, words),
        t.interpreter_language,
        _when(t.created_at, zone),
        _when(t.moderated_at, zone),
        t.public_body,
    )


def _any_testimony_row(t: Testimony, words: Words | None, zone: ZoneInfo) -> tuple:
    return (
        t.reference,
        *_coded(t.status, words),
        *_coded(t.rejection_reason, words),
        t.moderation_note,
        t.name,
        t.email,
        t.phone,
        t.zip,
        *_coded(t.district, words),
        *_coded(t.position, words),
        t.affiliation,
        t.language,
        *_coded(t.visibility, words),
        _yes_no(t.wants_to_speak, words),
        *_coded(t.speak_mode, words),
        t.interpreter_language,
        _when(t.created_at, zone),
        _when(t.confirmed_at, zone),
        _when(t.moderated_at, zone),
        _yes_no(t.redacted_body is not None, words),
        t.public_body,
        t.body,
    )


def testimonies(
    session: Session,
    campaign: Campaign,
    actor: User,
    now: datetime,
    *,
    scope: str,
    words: Words | None = None,
) -> Export:
    """Testimony as CSV: scope "approved" (what is public or in packets, as redacted) or "all"
    (every status with the original text, for leads). Audit-logged."""
    if scope not in ("approved", "all"):
        raise ValueError("scope is approved or all")
    zone = ZoneInfo(campaign.time_zone)
    query = sa.select(Testimony).where(
        Testimony.campaign_id == campaign.id, Testimony.anonymized.is_(False)
    )
    if scope == "approved":
        query = query.where(Testimony.status == TestimonyStatus.APPROVED)
    query = query.order_by(Testimony.created_at, Testimony.id).execution_options(yield_per=BATCH)
    header, row = (
        (APPROVED_TESTIMONY_HEADER, _approved_testimony_row)
        if scope == "approved"
        else (ALL_TESTIMONY_HEADER, _any_testimony_row)
    )
    rows = [row(t, words, zone) for t in session.scalars(query)]
    data = to_csv(header, rows)
    audit.record(
        session,
        f"export.testimony_{scope}",
        actor=actor,
        campaign_id=campaign.id,
        rows=len(rows),
        format="csv",
    )
    name = "testimony-approved" if scope == "approved" else "testimony-all"
    return Export(f"{campaign.slug}-{name}-{_stamp(campaign, now)}.csv", data, len(rows))


SPEAKER_HEADER = _with_codes(
    (
        "order",
        "name",
        "speak_mode",
        "interpreter_language",
        "district",
        "position",
        "phone",
        "hearing",
        "moderation_status",
        "outcome",
        "reference",
    ),
    {"speak_mode", "district", "position", "moderation_status", "outcome"},
)


def speaker_roster(
    session: Session,
    campaign: Campaign,
    actor: User,
    now: datetime,
    hearing_id: int | None = None,
    words: Words | None = None,
) -> Export:
    """The speaker roster for hearing day as CSV (names: audit-logged)."""
    zone = ZoneInfo(campaign.time_zone)
    roster = speakers.roster(session, campaign.id, hearing_id)
    rows = [
        (
            n,
            t.name,
            *_coded(t.speak_mode, words),
            t.interpreter_language,
            *_coded(t.district, words),
            *_coded(t.position, words),
            t.phone,
            f"{t.hearing.title} {_when(t.hearing.at, zone)}" if t.hearing else "",
            *_coded(t.status, words),
            *_coded(t.speaker_outcome, words),
            t.reference,
        )
        for n, t in enumerate(roster, start=1)
    ]
    data = to_csv(SPEAKER_HEADER, rows)
    audit.record(
        session,
        "export.speakers",
        actor=actor,
        campaign_id=campaign.id,
        rows=len(rows),
        format="csv",
        hearing_id=hearing_id,
    )
    return Export(f"{campaign.slug}-speakers-{_stamp(campaign, now)}.csv", data, len(rows))


def audit_page(
    session: Session, campaign_id: int, page: int, per_page: int = 50
) -> tuple[list[AuditEvent], int]:
    """One page of the campaign's audit log, newest first, and the number of pages."""
    total = (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.campaign_id == campaign_id)
        )
        or 0
    )
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    events = list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.campaign_id == campaign_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return events, pages
