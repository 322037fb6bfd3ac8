"""Organizations signing on to a campaign: the coalition."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.models.enums import EndorsementRole, EndorsementStatus
from campaign.models.types import EncryptedText, UTCDateTime, checked_enum, utcnow


class Endorsement(db.Model):
    """An organization signing on to the campaign."""

    __tablename__ = "endorsement"
    TRANSLATED = ("description",)
    __table_args__ = (sa.UniqueConstraint("campaign_id", "organization_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id", ondelete="CASCADE"))
    organization: Mapped[str] = mapped_column(sa.String(200))
    # Lower-cased, space-collapsed name: one organization signs on once.
    organization_key: Mapped[str] = mapped_column(sa.String(200))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    # One line a lead writes about the organization for the campaign page.
    description: Mapped[str | None] = mapped_column(sa.String(300))
    description_es: Mapped[str | None] = mapped_column(sa.String(300))
    contact_name: Mapped[str | None] = mapped_column(EncryptedText)
    contact_email: Mapped[str | None] = mapped_column(EncryptedText)
    role: Mapped[EndorsementRole] = mapped_column(checked_enum(EndorsementRole, "endorsement_role"))
    status: Mapped[EndorsementStatus] = mapped_column(
        checked_enum(EndorsementStatus, "endorsement_status"), default=EndorsementStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
