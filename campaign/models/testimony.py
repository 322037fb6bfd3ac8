"""Residents' written testimony on the decision, moderated before it goes public or into a
packet."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models.campaigns import UNASSIGNED
from campaign.models.enums import (
    Position,
    RejectionReason,
    SpeakerOutcome,
    SpeakMode,
    TestimonyStatus,
    Visibility,
)
from campaign.models.types import EncryptedText, UTCDateTime, checked_enum, utcnow


class Testimony(db.Model):
    """A written statement on the decision, moderated before it goes public or into a packet."""

    __tablename__ = "testimony"
    __table_args__ = (
        sa.CheckConstraint("length(email_hash) = 64", name="email_hash_length"),
        sa.CheckConstraint("length(zip) BETWEEN 3 AND 10", name="zip_length"),
        sa.CheckConstraint(
            "status <> 'rejected' OR rejection_reason IS NOT NULL", name="rejected_has_reason"
        ),
        sa.CheckConstraint(
            "wants_to_speak OR speak_mode IS NULL", name="speak_mode_only_for_speakers"
        ),
        sa.CheckConstraint(
            "status = 'unconfirmed' OR confirmed_at IS NOT NULL", name="confirmed_has_time"
        ),
        sa.Index("ix_testimony_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    hearing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("deadline.id", ondelete="SET NULL"), index=True
    )
    reference: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(EncryptedText)
    email: Mapped[str | None] = mapped_column(EncryptedText)
    email_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    zip: Mapped[str] = mapped_column(sa.String(10))
    district: Mapped[str] = mapped_column(sa.String(40), default=UNASSIGNED)
    position: Mapped[Position] = mapped_column(checked_enum(Position, "testimony_position"))
    affiliation: Mapped[str | None] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # What the public and the packet see when a moderator removed others' personal data;
    # the original stays in body.
    redacted_body: Mapped[str | None] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    wants_to_speak: Mapped[bool] = mapped_column(default=False)
    speak_mode: Mapped[SpeakMode | None] = mapped_column(
        checked_enum(SpeakMode, "testimony_speak_mode")
    )
    interpreter_language: Mapped[str | None] = mapped_column(sa.String(40))
    speaker_order: Mapped[int | None] = mapped_column()
    # Hearing day: called to speak, spoke or absent (None: still waiting).
    speaker_outcome: Mapped[SpeakerOutcome | None] = mapped_column(
        checked_enum(SpeakerOutcome, "testimony_speaker_outcome")
    )
    consent_reminders: Mapped[bool] = mapped_column(default=False)
    visibility: Mapped[Visibility] = mapped_column(checked_enum(Visibility, "testimony_visibility"))
    status: Mapped[TestimonyStatus] = mapped_column(
        checked_enum(TestimonyStatus, "testimony_status"), default=TestimonyStatus.UNCONFIRMED
    )
    rejection_reason: Mapped[RejectionReason | None] = mapped_column(
        checked_enum(RejectionReason, "testimony_rejection_reason")
    )
    moderation_note: Mapped[str | None] = mapped_column(sa.String(500))
    # The team's note to the resident, sent in the outcome mail as the team's words.
    resident_note: Mapped[str | None] = mapped_column(sa.String(500))
    # The resident's choice: a short mail when the team accepts their testimony or not.
    outcome_mail: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # A decision's mail waits out the minute in which the decision can be undone.
    outcome_mail_due: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # What the last decision replaced (status, rejection reason), so that it can be undone.
    undo_status: Mapped[str | None] = mapped_column(sa.String(16))
    undo_reason: Mapped[str | None] = mapped_column(sa.String(16))
    moderated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    client_hash: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymized: Mapped[bool] = mapped_column(default=False)

    hearing = relationship("Deadline")

    @property
    def public_body(self) -> str:
        """The text shown publicly and in packets: the redacted version when there is one."""
        return self.redacted_body if self.redacted_body is not None else self.body
