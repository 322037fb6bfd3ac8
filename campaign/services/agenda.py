"""The lead's view across campaigns: every date coming up, and what is at risk.

A lead with several campaigns opens one page on Monday morning and sees the next 30 days,
grouped by day in each campaign's own time zone, with warnings derived from the data: a
hearing with no packet built, testimony still waiting for moderation as the comment deadline
nears, speakers who need an interpreter as sign-up closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from campaign.models import (
    Campaign,
    CampaignStatus,
    Deadline,
    DeadlineKind,
    Membership,
    Packet,
    PacketStatus,
    Testimony,
    TestimonyStatus,
    User,
)
from campaign.models.types import utcnow
from campaign.services import deadlines as deadline_service

DEFAULT_DAYS = 30


class WarningKind(StrEnum):
    NO_PACKET = "no_packet"
    MODERATION_BEFORE_COMMENT_DEADLINE = "moderation_before_comment_deadline"
    MODERATION_BEFORE_HEARING = "moderation_before_hearing"
    INTERPRETERS = "interpreters"


@dataclass(frozen=True)
class AgendaItem:
    """One deadline as the lead's page shows it."""

    deadline: Deadline
    campaign: Campaign
    local: datetime  # the moment on the campaign's wall clock
    status: str

    @property
    def zone_abbreviation(self) -> str:
        return self.local.tzname() or ""


@dataclass
class AgendaDay:
    day: date
    items: list[AgendaItem] = field(default_factory=list)


@dataclass(frozen=True)
class RiskWarning:
    """Something at risk, with the deadline that makes it urgent and how many it concerns
    (testimonies waiting, speakers needing an interpreter); pages word it."""

    kind: WarningKind
    campaign: Campaign
    deadline: Deadline
    count: int


@dataclass
class Agenda:
    now: datetime
    until: datetime
    campaigns: list[Campaign]
    days: list[AgendaDay]
    warnings: list[RiskWarning]


def campaigns_for(session: Session, user: User) -> list[Campaign]:
    """The campaigns a person works on (every campaign for a site admin), by title."""
    query = (
        sa.select(Campaign)
        .options(selectinload(Campaign.deadlines))
        .order_by(Campaign.title, Campaign.id)
    )
    if not user.is_admin:
        query = query.join(Membership, Membership.campaign_id == Campaign.id).where(
            Membership.user_id == user.id
        )
    return list(session.scalars(query).unique())


def build(
    session: Session, user: User, now: datetime | None = None, days: int = DEFAULT_DAYS
) -> Agenda:
    """The lead's page: the next `days` days of every campaign they work on, and warnings."""
    now = now or utcnow()
    until = now + timedelta(days=days)
    campaigns = campaigns_for(session, user)
    by_id = {c.id: c for c in campaigns}
    window_hours = deadline_service.due_soon_hours()
    grouped: dict[date, AgendaDay] = {}
    for deadline in deadline_service.between(session, list(by_id), now, until):
        campaign = by_id[deadline.campaign_id]
        local = deadline.at.astimezone(deadline_service.zone_of(campaign.time_zone))
        day = grouped.setdefault(local.date(), AgendaDay(local.date()))
        day.items.append(
            AgendaItem(
                deadline=deadline,
                campaign=campaign,
                local=local,
                status=deadline_service.status(deadline, now, window_hours),
            )
        )
    return Agenda(
        now=now,
        until=until,
        campaigns=campaigns,
        days=[grouped[d] for d in sorted(grouped)],
        warnings=warnings(session, campaigns, now),
    )


def _scope(query, campaign: Campaign, hearing: Deadline | None):
    """Testimony of a hearing (and testimony not tied to any hearing), or of the whole
    campaign when the deadline follows no hearing."""
    query = query.where(Testimony.campaign_id == campaign.id)
    if hearing is not None:
        query = query.where(
            sa.or_(Testimony.hearing_id == hearing.id, Testimony.hearing_id.is_(None))
        )
    return query


def pending_moderation(session: Session, campaign: Campaign, hearing: Deadline | None) -> int:
    """Confirmed testimony still waiting for a moderator."""
    query = (
        sa.select(sa.func.count())
        .select_from(Testimony)
        .where(Testimony.status == TestimonyStatus.PENDING)
    )
    return session.scalar(_scope(query, campaign, hearing)) or 0


def speakers_needing_interpreter(
    session: Session, campaign: Campaign, hearing: Deadline | None
) -> int:
    """Residents who asked to speak with an interpreter and did not withdraw or get rejected."""
    query = (
        sa.select(sa.func.count())
        .select_from(Testimony)
        .where(
            Testimony.wants_to_speak.is_(True),
            Testimony.interpreter_language.is_not(None),
            Testimony.interpreter_language != "",
            Testimony.status.not_in((TestimonyStatus.REJECTED, TestimonyStatus.WITHDRAWN)),
        )
    )
    return session.scalar(_scope(query, campaign, hearing)) or 0


def packet_built(session: Session, hearing: Deadline) -> bool:
    """True if a packet for this hearing finished building."""
    return (
        session.scalar(
            sa.select(Packet.id)
            .where(Packet.hearing_id == hearing.id, Packet.status == PacketStatus.DONE)
            .limit(1)
        )
        is not None
    )


def warnings(
    session: Session,
    campaigns: list[Campaign],
    now: datetime | None = None,
    window_hours: int | None = None,
) -> list[RiskWarning]:
    """What is at risk in open campaigns within the due-soon window, most urgent first."""
    now = now or utcnow()
    window = timedelta(
        hours=deadline_service.due_soon_hours() if window_hours is None else window_hours
    )
    found: list[RiskWarning] = []
    for campaign in campaigns:
        if campaign.status != CampaignStatus.OPEN:
            continue
        for deadline in campaign.deadlines:
            if not now < deadline.at <= now + window:
                continue
            found.extend(_deadline_warnings(session, campaign, deadline, now))
    found.sort(key=lambda w: (w.deadline.at, w.campaign.title, w.kind))
    return found


def _deadline_warnings(
    session: Session, campaign: Campaign, deadline: Deadline, now: datetime
) -> list[RiskWarning]:
    if deadline.kind == DeadlineKind.HEARING:
        return _hearing_warnings(session, campaign, deadline, now)
    hearing = deadline.relative_to
    if deadline.kind == DeadlineKind.COMMENT_DEADLINE:
        pending = pending_moderation(session, campaign, hearing)
        kind = WarningKind.MODERATION_BEFORE_COMMENT_DEADLINE
        return [RiskWarning(kind, campaign, deadline, pending)] if pending else []
    if deadline.kind == DeadlineKind.SPEAKER_CUTOFF:
        speakers = speakers_needing_interpreter(session, campaign, hearing)
        kind = WarningKind.INTERPRETERS
        return [RiskWarning(kind, campaign, deadline, speakers)] if speakers else []
    return []


def _hearing_warnings(
    session: Session, campaign: Campaign, hearing: Deadline, now: datetime
) -> list[RiskWarning]:
    result = []
    if not packet_built(session, hearing):
        result.append(RiskWarning(WarningKind.NO_PACKET, campaign, hearing, 0))
    comment = deadline_service.comment_deadline_for(hearing)
    # Before the comment deadline, its own warning speaks; after it, the hearing's does.
    if comment is None or comment.at <= now:
        pending = pending_moderation(session, campaign, hearing)
        if pending:
            result.append(
                RiskWarning(WarningKind.MODERATION_BEFORE_HEARING, campaign, hearing, pending)
            )
    return result
