"""The mail outbox: messages queued with the work that causes them, sent after the commit."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.models.types import EncryptedText, UTCDateTime, utcnow


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
    # While a deliverer sends the message, nobody else may: the lease it took. A deliverer
    # that died mid-send leaves a lease that runs out, and the retry sends the message then.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
