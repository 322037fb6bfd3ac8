"""The speaker roster: everyone who asked to speak at a hearing, in the order organizers set."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.models import Campaign, SpeakerOutcome, Testimony, TestimonyStatus, User
from campaign.services import DomainError, NotFound, audit

# Rejected, withdrawn and unconfirmed testimony never puts anyone on the list.
ROSTER_STATUSES = (TestimonyStatus.PENDING, TestimonyStatus.APPROVED)


def roster(session: Session, campaign_id: int, hearing_id: int | None = None) -> list[Testimony]:
    """Speakers in speaking order: the order organizers set, then by when they asked."""
    query = sa.select(Testimony).where(
        Testimony.campaign_id == campaign_id,
        Testimony.wants_to_speak.is_(True),
        Testimony.status.in_(ROSTER_STATUSES),
    )
    if hearing_id is not None:
        query = query.where(Testimony.hearing_id == hearing_id)
    speakers = list(session.scalars(query))
    speakers.sort(
        key=lambda t: (
            t.speaker_order is None,
            t.speaker_order or 0,
            t.confirmed_at or t.created_at,
            t.id,
        )
    )
    return speakers


def move(session: Session, campaign: Campaign, testimony_id: int, direction: str) -> None:
    """Move one speaker a place up or down the whole roster (numbering it 1..n on the way)."""
    if direction not in ("up", "down"):
        raise DomainError("move up or down", code="direction_invalid")
    speakers = roster(session, campaign.id)
    index = next((i for i, t in enumerate(speakers) if t.id == testimony_id), None)
    if index is None:
        raise NotFound("no such speaker")
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(speakers):
        speakers[index], speakers[other] = speakers[other], speakers[index]
    for position, speaker in enumerate(speakers, start=1):
        if speaker.speaker_order != position:
            speaker.speaker_order = position
    session.flush()


def printed_list(
    session: Session, campaign: Campaign, actor: User, hearing_id: int | None = None
) -> list[Testimony]:
    """The speaker list to print for a hearing (names leave the app: audit-logged)."""
    speakers = roster(session, campaign.id, hearing_id)
    audit.record(
        session,
        "export.speakers",
        actor=actor,
        campaign_id=campaign.id,
        rows=len(speakers),
        format="pdf",
        hearing_id=hearing_id,
    )
    return speakers


def _speaker(session: Session, campaign: Campaign, testimony_id: int) -> Testimony:
    speaker = next((t for t in roster(session, campaign.id) if t.id == testimony_id), None)
    if speaker is None:
        raise NotFound("no such speaker")
    return speaker


def mark(
    session: Session, campaign: Campaign, testimony_id: int, outcome: SpeakerOutcome | None
) -> Testimony:
    """Record that a speaker spoke, was absent, or (None) is waiting again."""
    speaker = _speaker(session, campaign, testimony_id)
    speaker.speaker_outcome = outcome
    session.flush()
    return speaker


def call_next(session: Session, campaign: Campaign, hearing_id: int | None = None) -> Testimony:
    """Call the next waiting speaker to the microphone; whoever was called has now spoken."""
    speakers = roster(session, campaign.id, hearing_id)
    waiting = next((t for t in speakers if t.speaker_outcome is None), None)
    if waiting is None:
        raise DomainError("nobody is waiting to speak", code="no_speaker_waiting")
    for speaker in speakers:
        if speaker.speaker_outcome == SpeakerOutcome.CALLED:
            speaker.speaker_outcome = SpeakerOutcome.SPOKE
    waiting.speaker_outcome = SpeakerOutcome.CALLED
    session.flush()
    return waiting
