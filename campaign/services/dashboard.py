"""A campaign's dashboard for its staff: progress, signatures per day, the whip count beside
each district's numbers, testimony by position, what waits for a decision, the next dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.bilingual import lacks_spanish, translated_fields
from campaign.models import (
    UNASSIGNED,
    Campaign,
    Deadline,
    DecisionMaker,
    DistrictZip,
    Endorsement,
    EndorsementStatus,
    Position,
    Signature,
    SignatureSource,
    SignatureStatus,
    Testimony,
    TestimonyStatus,
)
from campaign.services import campaigns, deadlines, moderation
from campaign.services.campaigns import Counts, district_sort_key

CHART_DAYS = 42
# A district is "thin" when it has less than this share of the average district's signatures.
THIN_SHARE = 0.5


@dataclass
class DistrictRow:
    district: str
    signatures: int
    testimonies: int
    decision_makers: list[DecisionMaker]
    thin: bool = False


@dataclass(frozen=True)
class MissingSpanish:
    """A campaign text written in English whose Spanish twin is still empty: readers of
    Spanish see the English. `kind` names the object ("campaign", "decision", "deadline",
    "decision_maker", "position", "endorsement"); `owner` names which one (a date's title, a
    decision-maker's or an organization's name); `maker_id` is a position's decision-maker."""

    kind: str
    id: int
    field: str
    english: str
    owner: str = ""
    maker_id: int | None = None


@dataclass
class DayCount:
    day: date
    count: int


@dataclass
class Bar:
    """One bar of the chart, in the SVG's own coordinates."""

    x: float
    y: float
    width: float
    height: float
    day: date
    count: int


@dataclass
class Chart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    bars: list[Bar]
    max_count: int
    gridlines: list[tuple[float, int]]  # (y, value)
    labels: list[tuple[float, date]]  # (x, day) for a few days along the axis


@dataclass
class Dashboard:
    counts: Counts
    goal: int
    paper: int
    online: int
    days: list[DayCount]
    districts: list[DistrictRow]
    testimony: dict[str, dict[str, int]]  # status -> position -> count
    waiting: dict[str, int]
    next_deadlines: list[tuple[Deadline, str]]
    unassigned_makers: list[DecisionMaker] = field(default_factory=list)
    missing_spanish: list[MissingSpanish] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.counts.signatures / self.goal)) if self.goal else 0


def signatures_per_day(
    session: Session, campaign: Campaign, now: datetime, days: int = CHART_DAYS
) -> list[DayCount]:
    """Verified signatures by the local day they were given, over the last `days` days."""
    zone = ZoneInfo(campaign.time_zone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    # One small column for the window only; the day is taken in the campaign's zone, which
    # SQL cannot do the same way on SQLite and PostgreSQL.
    buckets = dict.fromkeys((first + timedelta(days=n) for n in range(days)), 0)
    for created_at in session.scalars(
        sa.select(Signature.created_at)
        .where(
            Signature.campaign_id == campaign.id,
            Signature.status == SignatureStatus.VERIFIED,
            Signature.created_at >= since,
        )
        .execution_options(yield_per=5000)
    ):
        day = created_at.astimezone(zone).date()
        if day in buckets:
            buckets[day] += 1
    return [DayCount(day, count) for day, count in buckets.items()]


def _nice_ceiling(value: int) -> int:
    """A round number at or above value for the chart's top line (1, 2, 5, 10, 20, 50...)."""
    if value <= 5:
        return 5
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def chart(days: list[DayCount], width: int = 720, height: int = 240) -> Chart:
    """Bar geometry for signatures per day; the template draws it as SVG."""
    left, right, top, bottom = 44, 8, 12, height - 28
    top_value = _nice_ceiling(max((d.count for d in days), default=0))
    plot_width = width - left - right
    slot = plot_width / max(len(days), 1)
    bar_width = max(slot * 0.75, 1.0)
    bars = []
    for n, day in enumerate(days):
        bar_height = (bottom - top) * day.count / top_value
        bars.append(
            Bar(
                x=round(left + n * slot + (slot - bar_width) / 2, 2),
                y=round(bottom - bar_height, 2),
                width=round(bar_width, 2),
                height=round(bar_height, 2),
                day=day.day,
                count=day.count,
            )
        )
    gridlines = [(round(bottom - (bottom - top) * f, 2), round(top_value * f)) for f in (0, 0.5, 1)]
    every = max(1, len(days) // 6)
    labels = [
        (round(left + n * slot + slot / 2, 2), d.day) for n, d in enumerate(days) if n % every == 0
    ]
    return Chart(width, height, top, bottom, left, bars, top_value, gridlines, labels)


def district_rows(
    session: Session, campaign: Campaign, counts: Counts
) -> tuple[list[DistrictRow], list[DecisionMaker]]:
    """Every district (from the ZIP table, the counts and the decision-makers) with its numbers
    and its decision-makers; thin districts are marked. Also the decision-makers with no
    district (at-large members, the mayor)."""
    by_district = {d.district: d for d in counts.by_district}
    names = set(by_district)
    names.update(
        session.scalars(
            sa.select(DistrictZip.district).where(DistrictZip.campaign_id == campaign.id).distinct()
        )
    )
    makers: dict[str, list[DecisionMaker]] = {}
    at_large: list[DecisionMaker] = []
    for maker in campaign.decision_makers:
        if maker.district:
            makers.setdefault(maker.district, []).append(maker)
            names.add(maker.district)
        else:
            at_large.append(maker)
    rows = []
    for name in sorted(names, key=district_sort_key):
        count = by_district.get(name)
        rows.append(
            DistrictRow(
                district=name,
                signatures=count.signatures if count else 0,
                testimonies=count.testimonies if count else 0,
                decision_makers=makers.get(name, []),
            )
        )
    real = [r for r in rows if r.district != UNASSIGNED]
    if real:
        average = sum(r.signatures for r in real) / len(real)
        for row in real:
            row.thin = row.signatures < average * THIN_SHARE or row.signatures == 0
    return rows, at_large


def testimony_by_position(session: Session, campaign_id: int) -> dict[str, dict[str, int]]:
    """Testimony counts by moderation status and position."""
    table = {
        status.value: dict.fromkeys((p.value for p in Position), 0)
        for status in (TestimonyStatus.APPROVED, TestimonyStatus.PENDING)
    }
    for status, position, count in session.execute(
        sa.select(Testimony.status, Testimony.position, sa.func.count())
        .where(
            Testimony.campaign_id == campaign_id,
            Testimony.status.in_((TestimonyStatus.APPROVED, TestimonyStatus.PENDING)),
        )
        .group_by(Testimony.status, Testimony.position)
    ):
        table[TestimonyStatus(status).value][Position(position).value] = count
    return table


def build(session: Session, campaign: Campaign, now: datetime, due_soon_hours: int = 72):
    """Everything the dashboard shows, as of now."""
    counts = campaigns.counts(session, campaign.id)
    by_source = dict(
        session.execute(
            sa.select(Signature.source, sa.func.count())
            .where(
                Signature.campaign_id == campaign.id, Signature.status == SignatureStatus.VERIFIED
            )
            .group_by(Signature.source)
        ).all()
    )
    rows, at_large = district_rows(session, campaign, counts)
    upcoming = sorted((d for d in campaign.deadlines if d.at > now), key=lambda d: d.at)[:5]
    return Dashboard(
        counts=counts,
        goal=campaign.goal,
        paper=by_source.get(SignatureSource.PAPER, 0),
        online=by_source.get(SignatureSource.ONLINE, 0),
        days=signatures_per_day(session, campaign, now),
        districts=rows,
        testimony=testimony_by_position(session, campaign.id),
        waiting=moderation.waiting(session, campaign.id),
        next_deadlines=[(d, deadlines.status(d, now, due_soon_hours)) for d in upcoming],
        unassigned_makers=at_large,
        missing_spanish=missing_spanish(session, campaign),
    )


def missing_spanish(session: Session, campaign: Campaign) -> list[MissingSpanish]:
    """Every text of the campaign residents or the council read that lacks its Spanish, in
    the order of the setup pages (organizations rejected from the coalition left out)."""
    owners: list[tuple[str, Any, str, int | None]] = [("campaign", campaign, "", None)]
    if campaign.decision is not None:
        owners.append(("decision", campaign.decision, "", None))
    owners += [("deadline", d, d.title, None) for d in campaign.deadlines]
    for maker in campaign.decision_makers:
        owners.append(("decision_maker", maker, maker.name, None))
        owners += [("position", p, maker.name, maker.id) for p in maker.positions]
    owners += [
        ("endorsement", e, e.organization, None)
        for e in session.scalars(
            sa.select(Endorsement)
            .where(
                Endorsement.campaign_id == campaign.id,
                Endorsement.status != EndorsementStatus.REJECTED,
            )
            .order_by(Endorsement.role, Endorsement.organization_key)
        )
    ]
    return [
        MissingSpanish(kind, obj.id, name, getattr(obj, name), owner, maker_id)
        for kind, obj, owner, maker_id in owners
        for name in translated_fields(obj)
        if lacks_spanish(obj, name)
    ]
