"""Changes made by the passing of time, each written to the audit log as "system".

- Written testimony for a hearing closes at its comment deadline, and speaker sign-up at its
  cut-off. Submission itself checks the deadline (so closing is exact to the second); this
  records the moment once per hearing and deadline time ("testimony.closed",
  "speakers.closed"), so the log shows when each closed, and again if a moved hearing reopened
  and then closed it a second time.
- A campaign set to close after its vote (close_after_vote) closes once every vote deadline has
  passed ("campaign.closed"): with a committee vote and a full-council vote, it stays open
  until the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from campaign.models import AuditEvent, Campaign, CampaignStatus, DeadlineKind
from campaign.models.types import utcnow
from campaign.services import audit

SYSTEM = "system"
CLOSING_ACTIONS = {
    DeadlineKind.COMMENT_DEADLINE: "testimony.closed",
    DeadlineKind.SPEAKER_CUTOFF: "speakers.closed",
}


@dataclass
class TickResult:
    """What one tick changed."""

    closed_campaigns: list[str] = field(default_factory=list)
    closings: list[tuple[str, int]] = field(default_factory=list)  # (action, deadline id)


def _already_recorded(session: Session, action: str, target_id: int, at: datetime) -> bool:
    events = session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == action,
            AuditEvent.target_type == "deadline",
            AuditEvent.target_id == target_id,
        )
    )
    moment = at.isoformat()
    return any((event.details or {}).get("at") == moment for event in events)


def close_after_vote(session: Session, campaign: Campaign, now: datetime) -> bool:
    """Close the campaign if it closes after its vote and every vote has passed."""
    if campaign.status != CampaignStatus.OPEN or not campaign.close_after_vote:
        return False
    votes = [d for d in campaign.deadlines if d.kind == DeadlineKind.VOTE]
    if not votes or any(v.at > now for v in votes):
        return False
    last_vote = max(votes, key=lambda v: v.at)
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = now
    audit.record(
        session,
        "campaign.closed",
        actor_label=SYSTEM,
        campaign_id=campaign.id,
        target_type="campaign",
        target_id=campaign.id,
        reason="after_vote",
        vote_deadline_id=last_vote.id,
        vote_at=last_vote.at.isoformat(),
    )
    return True


def record_closings(session: Session, campaign: Campaign, now: datetime) -> list[tuple[str, int]]:
    """Record testimony and speaker sign-up closing at deadlines that have passed."""
    done = []
    for deadline in campaign.deadlines:
        action = CLOSING_ACTIONS.get(deadline.kind)
        if action is None or deadline.at > now:
            continue
        # Per hearing when the deadline follows one; a fixed comment deadline stands alone.
        target_id = deadline.relative_to_id or deadline.id
        if _already_recorded(session, action, target_id, deadline.at):
            continue
        audit.record(
            session,
            action,
            actor_label=SYSTEM,
            campaign_id=campaign.id,
            target_type="deadline",
            target_id=target_id,
            deadline_id=deadline.id,
            at=deadline.at.isoformat(),
        )
        done.append((action, target_id))
    return done


def tick(session: Session, now: datetime | None = None) -> TickResult:
    """Apply every change due by time in open campaigns; the caller commits."""
    now = now or utcnow()
    result = TickResult()
    campaigns = session.scalars(
        sa.select(Campaign)
        .where(Campaign.status == CampaignStatus.OPEN)
        .options(selectinload(Campaign.deadlines))
        .order_by(Campaign.id)
    ).all()
    for campaign in campaigns:
        result.closings.extend(record_closings(session, campaign, now))
        if close_after_vote(session, campaign, now):
            result.closed_campaigns.append(campaign.slug)
    session.flush()
    return result
