"""A campaign's settings and status: its texts, goal, time zone, privacy choices, and the moves
between draft, open, closed and archived (every change audit-logged).

A refused setting names its field in the error's details (`field`), so a form can show the
refusal beside it."""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.models import Campaign, CampaignStatus, User
from campaign.models.types import utcnow
from campaign.services import DomainError, audit

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])$")

CAMPAIGN_FIELDS = (
    "slug",
    "title",
    "title_es",
    "ask",
    "ask_es",
    "summary",
    "summary_es",
    "goal",
    "time_zone",
    "city",
    "default_visibility",
    "ask_address",
    "retention_days",
    "close_after_vote",
)

# Which status a campaign may move to from each status.
TRANSITIONS: dict[CampaignStatus, tuple[CampaignStatus, ...]] = {
    CampaignStatus.DRAFT: (CampaignStatus.OPEN,),
    CampaignStatus.OPEN: (CampaignStatus.CLOSED,),
    CampaignStatus.CLOSED: (CampaignStatus.OPEN, CampaignStatus.ARCHIVED),
    CampaignStatus.ARCHIVED: (),
}


@cache
def time_zones() -> frozenset[str]:
    """Every IANA time zone name this machine knows."""
    return frozenset(available_timezones())


def valid_time_zone(name: str) -> bool:
    """True for an IANA zone such as America/New_York."""
    return name in time_zones()


def valid_slug(slug: str) -> bool:
    """Lower-case letters, digits and inner hyphens, 2 to 80 characters."""
    return bool(SLUG_PATTERN.match(slug or ""))


def _slug_taken(session: Session, slug: str, except_id: int | None) -> bool:
    query = sa.select(Campaign.id).where(Campaign.slug == slug)
    if except_id is not None:
        query = query.where(Campaign.id != except_id)
    return session.scalar(query) is not None


def _check_fields(session: Session, values: dict[str, Any], except_id: int | None) -> None:
    unknown = set(values) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValueError(f"not campaign fields: {sorted(unknown)}")
    if "slug" in values:
        if not valid_slug(values["slug"]):
            raise DomainError(
                "the web address may use lower-case letters, digits and hyphens",
                code="slug_invalid",
                field="slug",
            )
        if _slug_taken(session, values["slug"], except_id):
            raise DomainError(
                "another campaign already uses that web address", code="slug_taken", field="slug"
            )
    if "time_zone" in values and not valid_time_zone(values["time_zone"]):
        raise DomainError("unknown time zone", code="time_zone_unknown", field="time_zone")
    for number in ("goal", "retention_days"):
        if number in values and values[number] < 0:
            raise DomainError(f"{number} cannot be negative", code="number_negative", field=number)


def create_campaign(session: Session, actor: User, **values: Any) -> Campaign:
    """A new draft campaign (site admins); flushes."""
    _check_fields(session, values, None)
    campaign = Campaign(status=CampaignStatus.DRAFT, **values)
    session.add(campaign)
    session.flush()
    audit.record(
        session,
        "campaign.created",
        actor=actor,
        campaign_id=campaign.id,
        target_type="campaign",
        target_id=campaign.id,
        slug=campaign.slug,
    )
    return campaign


def update_campaign(session: Session, campaign: Campaign, actor: User, **values: Any) -> list[str]:
    """Change a campaign's settings; returns the names of the fields that changed."""
    _check_fields(session, values, campaign.id)
    if (
        "slug" in values
        and values["slug"] != campaign.slug
        and (campaign.status != CampaignStatus.DRAFT)
    ):
        # Printed sheets, QR codes and shared links point at the address of an open campaign.
        raise DomainError(
            "the web address can only change while the campaign is a draft",
            code="slug_locked",
            field="slug",
        )
    changed = [name for name, value in values.items() if getattr(campaign, name) != value]
    for name in changed:
        setattr(campaign, name, values[name])
    if changed:
        audit.record(
            session,
            "campaign.updated",
            actor=actor,
            campaign_id=campaign.id,
            target_type="campaign",
            target_id=campaign.id,
            fields=changed,
        )
    return changed


def change_status(
    session: Session, campaign: Campaign, actor: User, new_status: CampaignStatus
) -> None:
    """Open a draft, close, reopen or archive a campaign (audit-logged)."""
    old = campaign.status
    if new_status not in TRANSITIONS[old]:
        raise DomainError(
            f"a {old.value} campaign cannot become {new_status.value}", code="status_change_refused"
        )
    if new_status == CampaignStatus.OPEN:
        if campaign.decision is None:
            raise DomainError(
                "describe the decision before opening the campaign", code="decision_missing"
            )
        if campaign.purged_at is not None:
            raise DomainError("a purged campaign cannot be reopened", code="purged_cannot_reopen")
    now = utcnow()
    campaign.status = new_status
    if new_status == CampaignStatus.OPEN:
        campaign.opened_at = campaign.opened_at or now
        campaign.closed_at = None
    elif new_status == CampaignStatus.CLOSED:
        campaign.closed_at = now
    audit.record(
        session,
        "campaign.status",
        actor=actor,
        campaign_id=campaign.id,
        target_type="campaign",
        target_id=campaign.id,
        **{"from": old.value, "to": new_status.value},
    )
