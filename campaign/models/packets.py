"""Builds of the hearing packet, the PDF handed to the clerk and council."""

from __future__ import annotations

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

    hearing = relationship("Deadline")
