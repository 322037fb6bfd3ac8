"""Reading campaigns as the public sees them: the decision, its dates and the counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from campaign.models import (
    Campaign,
    CampaignStatus,
    Deadline,
    DecisionMaker,
    Endorsement,
    EndorsementStatus,
    Tally,
)
from campaign.models.types import utcnow
from campaign.services import NotFound

PUBLIC_STATUSES = (CampaignStatus.OPEN, CampaignStatus.CLOSED, CampaignStatus.ARCHIVED)


@dataclass(frozen=True)
class DistrictCount:
    district: str
    signatures: int
    testimonies: int


@dataclass(frozen=True)
class Counts:
    """Aggregate numbers of one campaign; never anything about a person."""

    signatures: int = 0
    signatures_pending: int = 0
    support: int = 0
    oppose: int = 0
    neutral: int = 0
    endorsements: int = 0
    by_district: list[DistrictCount] = field(default_factory=list)

    @property
    def testimonies_approved(self) -> int:
        return self.support + self.oppose + self.neutral


def list_open(session: Session) -> list[Campaign]:
    """Open campaigns, soonest next deadline first."""
    campaigns = session.scalars(
        sa.select(Campaign)
        .where(Campaign.status == CampaignStatus.OPEN)
        .options(selectinload(Campaign.decision), selectinload(Campaign.deadlines))
        .order_by(Campaign.created_at.desc())
    ).all()
    now = utcnow()

    def next_at(c: Campaign) -> datetime:
        upcoming = [d.at for d in c.deadlines if d.at >= now]
        return min(upcoming) if upcoming else datetime.max.replace(tzinfo=now.tzinfo)

    return sorted(campaigns, key=next_at)


def list_public(session: Session) -> list[Campaign]:
    """Every campaign the public may see (not drafts), newest first."""
    return list(
        session.scalars(
            sa.select(Campaign)
            .where(Campaign.status.in_(PUBLIC_STATUSES))
            .options(selectinload(Campaign.decision), selectinload(Campaign.deadlines))
            .order_by(Campaign.created_at.desc())
        )
    )


def get_public(session: Session, slug: str, *, whip_count: bool = False) -> Campaign:
    """A campaign the public may see, by slug; drafts and unknown slugs are NotFound.

    `whip_count` also loads the decision-makers and their stated positions, which only the
    campaign page shows (the sign and testify forms are the hot path under load).
    """
    options = [selectinload(Campaign.decision), selectinload(Campaign.deadlines)]
    if whip_count:
        options.append(
            selectinload(Campaign.decision_makers).selectinload(DecisionMaker.positions)
        )
    campaign = session.scalar(
        sa.select(Campaign)
        .where(Campaign.slug == slug, Campaign.status.in_(PUBLIC_STATUSES))
        .options(*options)
    )
    if campaign is None:
        raise NotFound(slug)
    return campaign


def counts(session: Session, campaign_id: int) -> Counts:
    """The campaign's totals, read from the running tallies (no scan of signatures)."""
    tallies = session.scalars(
        sa.select(Tally).where(Tally.campaign_id == campaign_id).order_by(Tally.district)
    ).all()
    endorsements = session.scalar(
        sa.select(sa.func.count())
        .select_from(Endorsement)
        .where(
            Endorsement.campaign_id == campaign_id,
            Endorsement.status == EndorsementStatus.APPROVED,
        )
    )
    by_district = [
        DistrictCount(t.district, t.signatures_verified, t.support + t.oppose + t.neutral)
        for t in tallies
        if t.signatures_verified or t.support or t.oppose or t.neutral
    ]
    by_district.sort(key=district_sort_key)
    return Counts(
        signatures=sum(t.signatures_verified for t in tallies),
        signatures_pending=sum(t.signatures_pending for t in tallies),
        support=sum(t.support for t in tallies),
        oppose=sum(t.oppose for t in tallies),
        neutral=sum(t.neutral for t in tallies),
        endorsements=endorsements or 0,
        by_district=by_district,
    )


def district_sort_key(item) -> tuple:
    """Districts in natural order ("2" before "10"), "unassigned" last."""
    name = item if isinstance(item, str) else item.district
    if name == "unassigned":
        return (2, 0, name)
    return (0, int(name), name) if name.isdigit() else (1, 0, name.lower())


def upcoming_deadlines(campaign: Campaign, now: datetime | None = None) -> list[Deadline]:
    """Deadlines not yet passed, soonest first."""
    now = now or utcnow()
    return [d for d in campaign.deadlines if d.at >= now]


def approved_endorsements(session: Session, campaign_id: int) -> list[Endorsement]:
    """Organizations whose sign-on a lead approved: founding members first, then by name."""
    return list(
        session.scalars(
            sa.select(Endorsement)
            .where(
                Endorsement.campaign_id == campaign_id,
                Endorsement.status == EndorsementStatus.APPROVED,
            )
            .order_by(Endorsement.role, Endorsement.organization_key)
        )
    )
