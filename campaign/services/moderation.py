"""Moderation: confirmed testimony waits; staff approve it, reject it with a reason, or redact
other people's personal data from it (the original is kept, the public sees the redaction).

A decision can be undone for a minute (UNDO_SECONDS): what it replaced is stored on the row
with its time, so whichever worker serves the press can put it back. The resident's mail about
the decision waits out that minute; the periodic job queues it (queue_outcome_mails), unless
the resident opted out."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.models import (
    Campaign,
    Endorsement,
    EndorsementStatus,
    RejectionReason,
    Testimony,
    TestimonyStatus,
    User,
)
from campaign.models.types import utcnow
from campaign.services import DomainError, NotFound, audit, context, tallies
from campaign.services.signing import queue_resident_mail
from campaign.services.testimony import mail_language, private_url

MAX_NOTE = 500
# How long a decision can be undone; its mail to the resident waits as long.
UNDO_SECONDS = 60
# Statuses a moderator can see and act on. Unconfirmed testimony is not yet the resident's
# word (the email link was not followed); withdrawn testimony was taken back.
MODERATED_STATUSES = (TestimonyStatus.PENDING, TestimonyStatus.APPROVED, TestimonyStatus.REJECTED)
ALLOWED = {
    TestimonyStatus.APPROVED: (TestimonyStatus.PENDING, TestimonyStatus.REJECTED),
    TestimonyStatus.REJECTED: (TestimonyStatus.PENDING, TestimonyStatus.APPROVED),
}


class UndoExpired(DomainError):
    """The minute in which a decision can be undone has passed (or there is nothing to undo)."""

    code = "undo_expired"


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
    reason: RejectionReason | None = None,
    note: str | None = None,
    resident_note: str | None = None,
) -> None:
    old = testimony.status
    if old not in ALLOWED[new]:
        raise DomainError(
            f"a {old.value} testimony cannot be {new.value}", code="moderation_refused"
        )
    # Conditional on the status we read: two moderators pressing at once must not count the
    # same testimony twice in the tallies.
    result = session.execute(
        sa.update(Testimony)
        .where(Testimony.id == testimony.id, Testimony.status == old)
        .values(
            status=new,
            rejection_reason=reason,
            moderation_note=note or None,
            resident_note=resident_note or None,
            moderated_by_id=actor.id,
            moderated_at=utcnow(),
            undo_status=old.value,
            undo_reason=testimony.rejection_reason.value if testimony.rejection_reason else None,
            # Mailed once the minute to undo has passed (queue_outcome_mails), if still so.
            outcome_mail_due=testimony.outcome_mail,
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
    _move(session, testimony, actor, TestimonyStatus.APPROVED)
    audit.record(
        session,
        "testimony.approved",
        actor=actor,
        campaign_id=testimony.campaign_id,
        target_type="testimony",
        target_id=testimony.id,
        previous=old.value,
    )


def _clean_note(note: str | None) -> str | None:
    return (note or "").replace("\r\n", "\n").strip()[:MAX_NOTE] or None


def reject(
    session: Session,
    testimony: Testimony,
    actor: User,
    reason: RejectionReason,
    note: str | None = None,
    resident_note: str | None = None,
) -> None:
    """Reject a testimony with a reason; it never appears publicly, in exports of approved
    testimony or in packets. `note` stays with the team; `resident_note` goes in the
    resident's mail, marked as the team's words."""
    old = testimony.status
    reason = RejectionReason(reason)
    _move(
        session,
        testimony,
        actor,
        TestimonyStatus.REJECTED,
        reason,
        _clean_note(note),
        _clean_note(resident_note),
    )
    audit.record(
        session,
        "testimony.rejected",
        actor=actor,
        campaign_id=testimony.campaign_id,
        target_type="testimony",
        target_id=testimony.id,
        previous=old.value,
        reason=reason.value,
    )


# --- Undo ---------------------------------------------------------------------------------


def undoable(testimony: Testimony, now: datetime | None = None) -> bool:
    """True while the testimony's last decision can still be undone."""
    now = now or utcnow()
    return (
        testimony.undo_status is not None
        and testimony.moderated_at is not None
        and testimony.moderated_at > now - timedelta(seconds=UNDO_SECONDS)
    )


def undo_until(testimony: Testimony) -> datetime | None:
    """When the last decision stops being undoable (None if there is none to undo)."""
    if testimony.undo_status is None or testimony.moderated_at is None:
        return None
    return testimony.moderated_at + timedelta(seconds=UNDO_SECONDS)


def recent_decisions(
    session: Session, campaign_id: int, now: datetime | None = None
) -> list[Testimony]:
    """Decisions of this campaign's team that can still be undone, newest first."""
    now = now or utcnow()
    return list(
        session.scalars(
            sa.select(Testimony)
            .where(
                Testimony.campaign_id == campaign_id,
                Testimony.undo_status.is_not(None),
                Testimony.moderated_at > now - timedelta(seconds=UNDO_SECONDS),
                Testimony.status.in_((TestimonyStatus.APPROVED, TestimonyStatus.REJECTED)),
            )
            .order_by(Testimony.moderated_at.desc(), Testimony.id.desc())
            .limit(20)
        )
    )


def undo(session: Session, testimony: Testimony, actor: User, now: datetime | None = None) -> None:
    """Put back what the last decision replaced, within a minute of it; no mail goes out."""
    now = now or utcnow()
    if not undoable(testimony, now):
        raise UndoExpired("the minute to undo this decision has passed")
    old = testimony.status
    previous = TestimonyStatus(testimony.undo_status)
    # Conditional on the decision we read, so two presses (or a press and a new decision
    # from another worker) cannot both apply.
    result = session.execute(
        sa.update(Testimony)
        .where(
            Testimony.id == testimony.id,
            Testimony.status == old,
            Testimony.moderated_at == testimony.moderated_at,
            Testimony.undo_status == testimony.undo_status,
        )
        .values(
            status=previous,
            rejection_reason=RejectionReason(testimony.undo_reason)
            if previous == TestimonyStatus.REJECTED and testimony.undo_reason
            else None,
            moderation_note=None,
            resident_note=None,
            undo_status=None,
            undo_reason=None,
            outcome_mail_due=False,
            moderated_by_id=actor.id,
            moderated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(testimony)
        raise ChangedMeanwhile("someone else moderated this testimony a moment ago")
    session.refresh(testimony)
    tallies.testimony_transition(session, testimony, old, previous)
    audit.record(
        session,
        "testimony.decision_undone",
        actor=actor,
        campaign_id=testimony.campaign_id,
        target_type="testimony",
        target_id=testimony.id,
        undone=old.value,
        restored=previous.value,
    )


# --- The resident's mail ------------------------------------------------------------------

OUTCOME_TEMPLATES = {
    TestimonyStatus.APPROVED: "email/residents/testimony_accepted.txt",
    TestimonyStatus.REJECTED: "email/residents/testimony_not_accepted.txt",
}


def queue_outcome_mails(session: Session, now: datetime | None = None) -> int:
    """Mail residents the decisions whose minute to undo has passed; returns how many.

    Each decision is claimed by a conditional update first, so several workers running this
    at once mail it once.
    """
    cutoff = (now or utcnow()) - timedelta(seconds=UNDO_SECONDS)
    due = session.scalars(
        sa.select(Testimony)
        .where(Testimony.outcome_mail_due.is_(True), Testimony.moderated_at <= cutoff)
        .order_by(Testimony.moderated_at, Testimony.id)
        .limit(500)
    ).all()
    queued = 0
    for testimony in due:
        claimed = session.execute(
            sa.update(Testimony)
            .where(
                Testimony.id == testimony.id,
                Testimony.outcome_mail_due.is_(True),
                Testimony.moderated_at == testimony.moderated_at,
            )
            .values(outcome_mail_due=False)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1 and _mail_outcome(session, testimony):
            queued += 1
    return queued


def _mail_outcome(session: Session, testimony: Testimony) -> bool:
    template = OUTCOME_TEMPLATES.get(testimony.status)
    if (
        template is None
        or not testimony.outcome_mail
        or not testimony.email
        or testimony.anonymized
    ):
        return False
    campaign = session.get(Campaign, testimony.campaign_id)
    queue_resident_mail(
        session,
        testimony.email,
        template,
        mail_language(testimony, context.languages()[0]),
        campaign,
        testimony=testimony,
        private_url=private_url(testimony),
    )
    testimony.last_mailed_at = utcnow()
    return True


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
