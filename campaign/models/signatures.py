"""Residents' signatures on a campaign's petition, online or typed up from paper sheets."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.models.campaigns import UNASSIGNED
from campaign.models.enums import SignatureSource, SignatureStatus, Visibility
from campaign.models.types import EncryptedText, UTCDateTime, checked_enum, utcnow


class Signature(db.Model):
    """One resident's support; unique per campaign and canonical email."""

    __tablename__ = "signature"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "email_hash"),
        sa.CheckConstraint("length(email_hash) = 64", name="email_hash_length"),
        sa.CheckConstraint("length(zip) BETWEEN 3 AND 10", name="zip_length"),
        sa.CheckConstraint("comment IS NULL OR length(comment) <= 500", name="comment_length"),
        sa.CheckConstraint(
            "status <> 'verified' OR verified_at IS NOT NULL", name="verified_has_time"
        ),
        sa.CheckConstraint(
            "status <> 'invalidated' OR invalidated_reason IS NOT NULL",
            name="invalidated_has_reason",
        ),
        sa.Index("ix_signature_campaign_status_district", "campaign_id", "status", "district"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(EncryptedText)
    email: Mapped[str | None] = mapped_column(EncryptedText)  # paper signers may give none
    email_hash: Mapped[str] = mapped_column(sa.String(64))
    email_domain: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    zip: Mapped[str] = mapped_column(sa.String(10))
    address: Mapped[str | None] = mapped_column(EncryptedText)
    district: Mapped[str] = mapped_column(sa.String(40), default=UNASSIGNED)
    visibility: Mapped[Visibility] = mapped_column(checked_enum(Visibility, "signature_visibility"))
    source: Mapped[SignatureSource] = mapped_column(
        checked_enum(SignatureSource, "signature_source"), default=SignatureSource.ONLINE
    )
    status: Mapped[SignatureStatus] = mapped_column(
        checked_enum(SignatureStatus, "signature_status"), default=SignatureStatus.PENDING
    )
    comment: Mapped[str | None] = mapped_column(sa.String(500))
    consent_updates: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    client_hash: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invalidated_reason: Mapped[str | None] = mapped_column(sa.String(300))
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # Paper sheets typed up together, or a batch a lead invalidated: one label per batch.
    batch: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    last_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymized: Mapped[bool] = mapped_column(default=False)
