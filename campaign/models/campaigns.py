"""A campaign, the decision it presses on, the decision's dates and its decision-makers."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models.enums import (
    CampaignStatus,
    DeadlineKind,
    DecisionKind,
    Stance,
    Visibility,
)
from campaign.models.types import UTCDateTime, checked_enum, utcnow


class Campaign(db.Model):
    __tablename__ = "campaign"
    __table_args__ = (
        sa.CheckConstraint("goal >= 0", name="goal_not_negative"),
        sa.CheckConstraint("retention_days >= 0", name="retention_not_negative"),
        sa.CheckConstraint("length(slug) BETWEEN 2 AND 80", name="slug_length"),
        sa.CheckConstraint("slug = lower(slug)", name="slug_lowercase"),
        sa.CheckConstraint("length(time_zone) > 0", name="time_zone_present"),
        sa.CheckConstraint(
            "NOT purge_hold OR purge_hold_reason IS NOT NULL", name="purge_hold_has_reason"
        ),
    )

    # Texts with a Spanish twin "<field>_es" (campaign.bilingual).
    TRANSLATED = ("title", "ask", "summary")

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    status: Mapped[CampaignStatus] = mapped_column(
        checked_enum(CampaignStatus, "campaign_status"), default=CampaignStatus.DRAFT
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    title_es: Mapped[str | None] = mapped_column(sa.String(200))
    ask: Mapped[str] = mapped_column(sa.String(300))
    ask_es: Mapped[str | None] = mapped_column(sa.String(300))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    summary_es: Mapped[str | None] = mapped_column(sa.Text)
    goal: Mapped[int] = mapped_column(default=1000)
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")
    city: Mapped[str] = mapped_column(sa.String(120), default="")
    ask_address: Mapped[bool] = mapped_column(default=False)
    default_visibility: Mapped[Visibility] = mapped_column(
        checked_enum(Visibility, "campaign_default_visibility"), default=Visibility.PACKET
    )
    retention_days: Mapped[int] = mapped_column(default=180)
    close_after_vote: Mapped[bool] = mapped_column(default=True)
    purge_hold: Mapped[bool] = mapped_column(default=False)
    purge_hold_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    decision: Mapped[Decision | None] = relationship(
        back_populates="campaign", uselist=False, cascade="all, delete-orphan"
    )
    deadlines: Mapped[list[Deadline]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="Deadline.at"
    )
    decision_makers: Mapped[list[DecisionMaker]] = relationship(
        back_populates="campaign",
        cascade="all, delete-orphan",
        order_by="DecisionMaker.sort_order",
    )
    district_zips: Mapped[list[DistrictZip]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Campaign {self.slug}>"


class Decision(db.Model):
    """What is being decided: by which body, what kind, under which reference."""

    __tablename__ = "decision"
    TRANSLATED = ("title", "body", "reference", "action")

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    title_es: Mapped[str | None] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.String(200))
    body_es: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[DecisionKind] = mapped_column(checked_enum(DecisionKind, "decision_kind"))
    reference: Mapped[str] = mapped_column(sa.String(80), default="")
    # The reference as a Spanish reader says it: "Expediente n.º 2026-0412".
    reference_es: Mapped[str | None] = mapped_column(sa.String(80))
    # "renewing the arrest-data contract": lets testimony say "I oppose renewing ..."
    action: Mapped[str] = mapped_column(sa.String(200), default="")
    action_es: Mapped[str | None] = mapped_column(sa.String(200))
    # Where "Send to the clerk" mails the packet: the committee clerk's address, entered
    # once per decision by the campaign's lead.
    clerk_email: Mapped[str | None] = mapped_column(sa.String(254))

    campaign: Mapped[Campaign] = relationship(back_populates="decision")


class DecisionMaker(db.Model):
    """A council member or official who decides; their positions make the whip count."""

    __tablename__ = "decision_maker"
    TRANSLATED = ("office",)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    office: Mapped[str] = mapped_column(sa.String(200), default="Council Member")
    office_es: Mapped[str | None] = mapped_column(sa.String(200))
    district: Mapped[str | None] = mapped_column(sa.String(40))
    sort_order: Mapped[int] = mapped_column(default=0)

    campaign: Mapped[Campaign] = relationship(back_populates="decision_makers")
    positions: Mapped[list[StatedPosition]] = relationship(
        back_populates="decision_maker",
        cascade="all, delete-orphan",
        order_by="(StatedPosition.stated_on.desc(), StatedPosition.id.desc())",
    )

    @property
    def current_position(self) -> StatedPosition | None:
        """The most recently stated position, if any."""
        return self.positions[0] if self.positions else None

    @property
    def stance(self) -> Stance:
        position = self.current_position
        return position.stance if position else Stance.UNKNOWN


class StatedPosition(db.Model):
    """A decision-maker's stated position, with where and when it was stated."""

    __tablename__ = "stated_position"
    TRANSLATED = ("source_note",)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_maker_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decision_maker.id", ondelete="CASCADE"), index=True
    )
    stance: Mapped[Stance] = mapped_column(checked_enum(Stance, "stance"))
    stated_on: Mapped[date] = mapped_column(sa.Date)
    source_url: Mapped[str | None] = mapped_column(sa.String(500))
    source_note: Mapped[str | None] = mapped_column(sa.String(500))
    source_note_es: Mapped[str | None] = mapped_column(sa.String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decision_maker: Mapped[DecisionMaker] = relationship(back_populates="positions")


class Deadline(db.Model):
    """A dated milestone of the decision; either absolute or relative to a hearing."""

    __tablename__ = "deadline"
    TRANSLATED = ("title", "location", "committee", "notes")
    __table_args__ = (
        sa.CheckConstraint("(relative_to_id IS NULL) = (rule IS NULL)", name="relative_has_rule"),
        sa.CheckConstraint("relative_to_id IS NULL OR relative_to_id <> id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[DeadlineKind] = mapped_column(checked_enum(DeadlineKind, "deadline_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    title_es: Mapped[str | None] = mapped_column(sa.String(200))
    # Always the moment in UTC; shown in the campaign's zone. For relative deadlines it is
    # recomputed from the hearing whenever the hearing moves.
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    location: Mapped[str | None] = mapped_column(sa.String(300))
    location_es: Mapped[str | None] = mapped_column(sa.String(300))
    committee: Mapped[str | None] = mapped_column(sa.String(200))
    committee_es: Mapped[str | None] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    notes_es: Mapped[str | None] = mapped_column(sa.Text)
    relative_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("deadline.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="deadlines")
    relative_to: Mapped[Deadline | None] = relationship(
        remote_side="Deadline.id", back_populates="dependents"
    )
    dependents: Mapped[list[Deadline]] = relationship(back_populates="relative_to")


# The district of a ZIP code the campaign's table does not hold.
UNASSIGNED = "unassigned"


class DistrictZip(db.Model):
    """The campaign's ZIP-to-district table: a signer's ZIP decides their district."""

    __tablename__ = "district_zip"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "zip"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    zip: Mapped[str] = mapped_column(sa.String(10))
    district: Mapped[str] = mapped_column(sa.String(40))

    campaign: Mapped[Campaign] = relationship(back_populates="district_zips")
