"""The audit log: who did what to which data, when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.models.types import UTCDateTime, utcnow


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
