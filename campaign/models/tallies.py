"""Running counts per campaign and district, kept in step by the services."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db


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
