"""Moderation: confirmed testimony waits; staff approve it, reject it with a reason, or redact
other people's personal data from it (the original is kept, the public sees the redaction)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.models import (
    Endorsement,
    EndorsementStatus,
    RejectionReason,
    Testimony,
    TestimonyStatus,
    User,
)
from campaign.models.types import utcnow
from campaign.services import DomainError, NotFound, audit, tallies

MAX_NOTE = 500
# Statuses a moderator can see and act on. Unconfirmed testimony is not yet the resident's
# word (the email link was not followed); withdrawn testimony was taken back.
MODERATED_STATUSES = (TestimonyStatus.PENDING, TestimonyStatus.APPROVED, TestimonyStatus.REJECTED)
ALLOWED = {
    TestimonyStatus.APPROVED: (TestimonyStatus.PENDING, TestimonyStatus.REJECTED),
    TestimonyStatus.REJECTED: (TestimonyStatus.PENDING, TestimonyStatus.APPROVED),
}


class ChangedMeanwhile(DomainError):
    """Someone else moderated this testimony first."""

    code = "changed_meanwhile"


def get(session: Session, campaign_id: int, testimony_id: int) -> Testimony:
    """A testimony of this campaign that moderators may see, or NotFound."""
    testimony = session.get(Testimony, testimony_id)
    if (
        testimony is None
        or testimony.campaign_id != campaign_id
        or testimony.status not in MODERATED_STATUSES
    ):
        raise NotFound("no such testimony")
    return testimony


def listing(
    session: Session,
    campaign_id: int,
    status: TestimonyStatus = TestimonyStatus.PENDING,
    *,
    limit: int = 50,
    offset: int = 0,
) -> list[Testimony]:
    """Testimony in one moderation status, oldest confirmation first (the queue's order)."""
    if status not in MODERATED_STATUSES:
        raise NotFound("no such list")
    return list(
        session.scalars(
            sa.select(Testimony)
            .where(Testimony.campaign_id == campaign_id, Testimony.status == status)
            .order_by(Testimony.confirmed_at, Testimony.id)
            .limit(limit)
            .offset(offset)
        )
    )


def status_counts(session: Session, campaign_id: int) -> dict[str, int]:
    """How many testimonies are in each status (all statuses, for the staff's overview)."""
    counts = dict.fromkeys((s.value for s in TestimonyStatus), 0)
    for status, count in session.execute(
        sa.select(Testimony.status, sa.func.count())
        .where(Testimony.campaign_id == campaign_id)
        .group_by(Testimony.status)
    ):
        counts[TestimonyStatus(status).value] = count
    return counts


def waiting(session: Session, campaign_id: int) -> dict[str, int]:
    """Items waiting for a decision: testimony to moderate, organizations to approve."""
    testimony = session.scalar(
        sa.select(sa.func.count())
        .select_from(Testimony)
        .where(Testimony.campaign_id == campaign_id, Testimony.status == TestimonyStatus.PENDING)
    )
    endorsements = session.scalar(
        sa.select(sa.func.count())
        .select_from(Endorsement)
        .where(
            Endorsement.campaign_id == campaign_id, Endorsement.status == EndorsementStatus.PENDING
        )
    )
    return {"testimony": testimony or 0, "endorsements": endorsements or 0}


def _move(
    session: Session,
    testimony: Testimony,
    actor: User,
    new: TestimonyStatus,
    reason: RejectionReason | None,
    note: str | None,
) -> None:
    old = testimony.status
    if old not in ALLOWED[new]:
        raise DomainError(
            f"a {old.value} testimony cannot be {new.value}", code="moderation_refused"
        )
    now = utcnow()
    # Conditional on the status we read: two moderators pressing at once must not count the
    # same testimony twice in the tallies.
    result = session.execute(
        sa.update(Testimony)
        .where(Testimony.id == testimony.id, Testimony.status == old)
        .values(
            status=new,
            rejection_reason=reason,
            moderation_note=note or None,
            moderated_by_id=actor.id,
            moderated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(testimony)
        raise ChangedMeanwhile("someone else moderated this testimony a moment ago")
    session.refresh(testimony)
    tallies.testimony_transition(session, testimony, old, new)


def approve(session: Session, testimony: Testimony, actor: User) -> None:
    """Approve a testimony: it goes public (as its author chose) and into packets."""
    old = testimony.status
    _move(session, testimony, actor, TestimonyStatus.APPROVED, None, None)
    audit.record(
        session,
        "testimony.approved",
        actor=actor,
        campaign_id=testimony.campaign_id,
        target_type="testimony",
        target_id=testimony.id,
        previous=old.value,
    )


def reject(
    session: Session,
    testimony: Testimony,
    actor: User,
    reason: RejectionReason,
    note: str | None = None,
) -> None:
    """Reject a testimony with a reason; it never appears publicly, in exports of approved
    testimony or in packets."""
    note = (note or "").strip()[:MAX_NOTE] or None
    old = testimony.status
    _move(session, testimony, actor, TestimonyStatus.REJECTED, RejectionReason(reason), note)
    audit.record(
        session,
        "testimony.rejected",
        actor=actor,
        campaign_id=testimony.campaign_id,
        target_type="testimony",
        target_id=testimony.id,
        previous=old.value,
        reason=RejectionReason(reason).value,
    )


def redact(session: Session, testimony: Testimony, actor: User, text: str) -> bool:
    """Set the text the public and packets see; the original stays in body. Giving back the
    original text removes the redaction. Returns True if a redaction is now in place."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise DomainError("the redacted text cannot be empty", code="redaction_empty")
    before = testimony.public_body
    testimony.redacted_body = None if text == testimony.body.strip() else text
    if testimony.public_body != before:
        # Who and when, never the removed words: the audit log must not hold the very personal
        # data the redaction took out.
        audit.record(
            session,
            "testimony.redacted"
            if testimony.redacted_body is not None
            else "testimony.redaction_removed",
            actor=actor,
            campaign_id=testimony.campaign_id,
            target_type="testimony",
            target_id=testimony.id,
            characters_before=len(before),
            characters_after=len(testimony.public_body),
        )
    session.flush()
    return testimony.redacted_body is not None
