"""What the system keeps about its own work: packets, tallies, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models.enums import PacketStatus
from campaign.models.types import EncryptedText, UTCDateTime, checked_enum, utcnow


class Packet(db.Model):
    """One build of the PDF handed to the clerk and council for a hearing."""

    __tablename__ = "packet"
    __table_args__ = (
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_percent"),
        sa.CheckConstraint(
            "status <> 'done' OR (sha256 IS NOT NULL AND file_name IS NOT NULL)",
            name="done_has_file",
        ),
        sa.CheckConstraint("pages IS NULL OR pages > 0", name="pages_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    hearing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("deadline.id", ondelete="SET NULL")
    )
    status: Mapped[PacketStatus] = mapped_column(
        checked_enum(PacketStatus, "packet_status"), default=PacketStatus.QUEUED
    )
    stage: Mapped[str] = mapped_column(sa.String(40), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    options: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    pages: Mapped[int | None] = mapped_column()
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    counts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str | None] = mapped_column(sa.Text)
    job_id: Mapped[str | None] = mapped_column(sa.String(64))
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Touched while a build runs: a running build whose heartbeat stopped was killed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    hearing = relationship("Deadline")


class Tally(db.Model):
    """Running counts per campaign and district, so public counts never scan signatures."""

    __tablename__ = "tally"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "district"),
        sa.CheckConstraint(
            "signatures_verified >= 0 AND signatures_pending >= 0 AND support >= 0"
            " AND oppose >= 0 AND neutral >= 0",
            name="counts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    district: Mapped[str] = mapped_column(sa.String(40))
    signatures_verified: Mapped[int] = mapped_column(default=0)
    signatures_pending: Mapped[int] = mapped_column(default=0)
    # approved testimony by position
    support: Mapped[int] = mapped_column(default=0)
    oppose: Mapped[int] = mapped_column(default=0)
    neutral: Mapped[int] = mapped_column(default=0)


class AuditEvent(db.Model):
    """Who did what to which data, when: every export, purge and moderation decision."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(sa.String(254))  # kept if the account is deleted
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(80))
    target_type: Mapped[str | None] = mapped_column(sa.String(40))
    target_id: Mapped[int | None] = mapped_column()
    rows: Mapped[int | None] = mapped_column()
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    actor = relationship("User")


class OutgoingMail(db.Model):
    """A message waiting to be sent or already sent: the transactional mail outbox.

    Mail is written here in the same transaction as the work that causes it, so it is sent
    only if that work is committed, and never lost if the mail server is down.
    """

    __tablename__ = "outgoing_mail"
    __table_args__ = (sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique when set: "reminder:<deadline>:<offset>:<person>" is queued exactly once.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    to: Mapped[str] = mapped_column(EncryptedText)
    subject: Mapped[str] = mapped_column(EncryptedText)
    body: Mapped[str] = mapped_column(EncryptedText)
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
