"""CSV exports of personal data for a campaign's staff: every one written to the audit log.

Cells that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a carriage
return) get a leading single quote: a resident's name must never run as a formula on an
organizer's computer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
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


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _stamp(campaign: Campaign, now: datetime) -> str:
    return now.astimezone(ZoneInfo(campaign.time_zone)).strftime("%Y%m%d-%H%M")


SIGNATURE_HEADER = (
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
)


def signatures(session: Session, campaign: Campaign, actor: User, now: datetime) -> Export:
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
            s.district,
            s.visibility.value,
            s.source.value,
            s.status.value,
            _when(s.created_at, zone),
            _when(s.verified_at, zone),
            s.batch,
            s.language,
            s.consent_updates,
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


APPROVED_TESTIMONY_HEADER = (
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
)
ALL_TESTIMONY_HEADER = (
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
)


def testimonies(
    session: Session, campaign: Campaign, actor: User, now: datetime, *, scope: str
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

    def mode(t: Testimony) -> str:
        return t.speak_mode.value if t.speak_mode else ""

    if scope == "approved":
        header = APPROVED_TESTIMONY_HEADER
        rows = [
            (
                t.reference,
                t.name,
                t.email,
                t.zip,
                t.district,
                t.position.value,
                t.affiliation,
                t.language,
                t.visibility.value,
                t.wants_to_speak,
                mode(t),
                t.interpreter_language,
                _when(t.created_at, zone),
                _when(t.moderated_at, zone),
                t.public_body,
            )
            for t in session.scalars(query)
        ]
    else:
        header = ALL_TESTIMONY_HEADER
        rows = [
            (
                t.reference,
                t.status.value,
                t.rejection_reason.value if t.rejection_reason else "",
                t.moderation_note,
                t.name,
                t.email,
                t.phone,
                t.zip,
                t.district,
                t.position.value,
                t.affiliation,
                t.language,
                t.visibility.value,
                t.wants_to_speak,
                mode(t),
                t.interpreter_language,
                _when(t.created_at, zone),
                _when(t.confirmed_at, zone),
                _when(t.moderated_at, zone),
                t.redacted_body is not None,
                t.public_body,
                t.body,
            )
            for t in session.scalars(query)
        ]
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


SPEAKER_HEADER = (
    "order",
    "name",
    "speak_mode",
    "interpreter_language",
    "district",
    "position",
    "phone",
    "hearing",
    "moderation_status",
    "reference",
)


def speaker_roster(
    session: Session,
    campaign: Campaign,
    actor: User,
    now: datetime,
    hearing_id: int | None = None,
) -> Export:
    """The speaker roster for hearing day as CSV (names: audit-logged)."""
    zone = ZoneInfo(campaign.time_zone)
    roster = speakers.roster(session, campaign.id, hearing_id)
    rows = [
        (
            n,
            t.name,
            t.speak_mode.value if t.speak_mode else "",
            t.interpreter_language,
            t.district,
            t.position.value,
            t.phone,
            f"{t.hearing.title} {_when(t.hearing.at, zone)}" if t.hearing else "",
            t.status.value,
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
