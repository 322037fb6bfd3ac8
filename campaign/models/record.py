"""Following the city's own record: which campaign follows which council matter, what was
imported from it (provenance), members' votes, and differences waiting for the lead."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models.types import UTCDateTime, utcnow


class RecordLink(db.Model):
    """A campaign follows one matter of one council client; the sync's own bookkeeping."""

    __tablename__ = "record_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), unique=True
    )
    client: Mapped[str] = mapped_column(sa.String(80))
    file_number: Mapped[str] = mapped_column(sa.String(80))
    matter_id: Mapped[str | None] = mapped_column(sa.String(40))
    matter_url: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[str | None] = mapped_column(sa.String(200))
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The snapshot last applied: a sync that reads the same fingerprint writes nothing else.
    fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last successful read
    error_code: Mapped[str | None] = mapped_column(sa.String(40))  # last read failed: why
    error_status: Mapped[int | None] = mapped_column()
    error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign = relationship("Campaign")


class RecordItem(db.Model):
    """One value imported from the record into the campaign (a decision's title, a hearing's
    moment, a member): where it came from, and the value last taken, so that a hand edit
    (the stored value no longer equals it) is never silently overwritten."""

    __tablename__ = "record_item"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "key", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(120))  # "matter", "event:9002", "member:Name"
    field: Mapped[str] = mapped_column(sa.String(40))  # "title", "at", "location", ...
    target_type: Mapped[str] = mapped_column(sa.String(40))  # decision, deadline, decision_maker
    target_id: Mapped[int | None] = mapped_column()
    value: Mapped[str | None] = mapped_column(sa.Text)
    source_url: Mapped[str | None] = mapped_column(sa.String(500))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordConflict(db.Model):
    """The record changed a value someone had changed by hand: the lead chooses."""

    __tablename__ = "record_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("record_item.id", ondelete="CASCADE"))
    ours: Mapped[str | None] = mapped_column(sa.Text)  # the value stored now (a hand edit)
    theirs: Mapped[str | None] = mapped_column(sa.Text)  # the value the record gives
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(sa.String(20))  # "record" or "ours"

    item: Mapped[RecordItem] = relationship()


class RecordVote(db.Model):
    """How one member voted on the decision at one meeting, as the record gives it."""

    __tablename__ = "record_vote"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "event_id", "person_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    decision_maker_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("decision_maker.id", ondelete="SET NULL"), index=True
    )
    person_name: Mapped[str] = mapped_column(sa.String(200))
    value: Mapped[str] = mapped_column(sa.String(40))  # "Yea", "Nay", "Absent", ...
    event_id: Mapped[str] = mapped_column(sa.String(80))
    voted_on: Mapped[date] = mapped_column(sa.Date)
    source_url: Mapped[str | None] = mapped_column(sa.String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decision_maker = relationship("DecisionMaker")
