"""Builds of the hearing packet, the PDF handed to the clerk and council."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models.enums import PacketStatus
from campaign.models.types import UTCDateTime, checked_enum, utcnow


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
    # When the packet is split into volumes under a size limit: one entry per volume, in
    # order, {"file_name", "sha256", "size_bytes", "pages", "first_page", "last_page"}.
    volumes: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)

    hearing = relationship("Deadline")
    deliveries: Mapped[list[PacketDelivery]] = relationship(
        back_populates="packet",
        cascade="all, delete-orphan",
        order_by="PacketDelivery.id.desc()",
    )


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"


class PacketDelivery(db.Model):
    """One mailing of a packet (or its volumes) to the committee clerk, and the answer of the
    clerk's mail server."""

    __tablename__ = "packet_delivery"
    __table_args__ = (
        sa.CheckConstraint(
            "status <> 'delivered' OR (smtp_reply IS NOT NULL AND delivered_at IS NOT NULL)",
            name="delivered_has_reply",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    packet_id: Mapped[int] = mapped_column(
        sa.ForeignKey("packet.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    to: Mapped[str] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    status: Mapped[DeliveryStatus] = mapped_column(
        checked_enum(DeliveryStatus, "packet_delivery_status"), default=DeliveryStatus.QUEUED
    )
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # The clerk's server's reply to each message (one per volume), as it answered.
    smtp_reply: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    packet: Mapped[Packet] = relationship(back_populates="deliveries")
    requested_by = relationship("User")
