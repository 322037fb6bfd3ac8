"""Reminders before each deadline: to the campaign's staff, and to residents who asked to speak.

`remind(session, now)` runs every 15 minutes (huey) or from cron (`flask --app campaign
remind`). For each deadline of an open campaign it picks the one offset (REMINDER_OFFSETS_HOURS,
default 7 days, 2 days, 1 day, 3 hours) whose moment has passed most recently while the
deadline itself has not: a deadline entered 30 hours ahead gets the 2-day reminder once, never
a late 7-day one as well. Each message is queued in the mail outbox with the key
``reminder:<deadline>:<offset>:<kind>:<person>`` inside a savepoint, so the unique key, not a
Python check, guarantees exactly once: running twice, or crashing half-way (nothing of the run
is committed) and running again, queues every reminder once. Delivery happens after commit and
retries until sent (campaign.services.mail).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from campaign import mails
from campaign.models import (
    Campaign,
    CampaignStatus,
    Deadline,
    DeadlineKind,
    Membership,
    Testimony,
    TestimonyStatus,
    User,
)
from campaign.models.types import utcnow
from campaign.services import context, mail

DEFAULT_OFFSETS = (168, 48, 24, 3)
RESIDENT_STATUSES = (TestimonyStatus.PENDING, TestimonyStatus.APPROVED)
MAIL_WAITING = "mail_waiting"  # campaign.services.mail's after-commit flag


@dataclass
class ReminderRun:
    """What one run did."""

    queued: int = 0
    already_queued: int = 0
    deadlines: set[int] = field(default_factory=set)


def offsets() -> tuple[int, ...]:
    """The configured offsets in hours, largest first; bad values are ignored."""
    raw = context.setting("REMINDER_OFFSETS_HOURS", DEFAULT_OFFSETS)
    values = set()
    for value in raw or ():
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if number > 0:
            values.add(number)
    return tuple(sorted(values, reverse=True))


def offset_due(deadline_at: datetime, now: datetime, hours: tuple[int, ...]) -> int | None:
    """The offset whose reminder is due now: the smallest offset whose moment has passed, as
    long as the deadline has not. None when no reminder is due."""
    if deadline_at <= now:
        return None
    passed = [h for h in hours if deadline_at - timedelta(hours=h) <= now]
    return min(passed) if passed else None


def _begin_for_savepoints(session: Session) -> None:
    """Make sure a real transaction is open before the first savepoint.

    Python's sqlite3 driver opens a transaction only before a write; a SAVEPOINT issued
    outside one becomes the transaction, and its RELEASE commits, so a crash later in the run
    would leave half of it committed. Opening the transaction first keeps the run atomic.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN")


@dataclass(frozen=True)
class Reminder:
    """One reminder to one person: the mail is rendered only if it was never queued."""

    key: str
    to: str
    language: str
    template: str
    recipient: dict[str, object]  # the template's name for them: person (staff) or testimony

    def render(self, deadline: Deadline, now: datetime) -> tuple[str, str]:
        """Subject and body in the person's language."""
        campaign = deadline.campaign
        return mails.render(
            self.template,
            self.language,
            deadline=deadline,
            campaign=campaign,
            now=now,
            campaign_url=context.link("public.campaign_page", slug=campaign.slug),
            agenda_url=context.link("schedule.agenda"),
            **self.recipient,
        )


def _queue_once(
    session: Session, run: ReminderRun, reminder: Reminder, deadline: Deadline, now: datetime
) -> None:
    if mail.already_queued(session, reminder.key):
        run.already_queued += 1
        return
    subject, body = reminder.render(deadline, now)
    try:
        # The unique dedupe_key is the guarantee (two workers at once, a retried job): a
        # duplicate rolls back this one message and the run goes on.
        with session.begin_nested():
            mail.queue(
                session,
                reminder.to,
                subject,
                body,
                language=reminder.language,
                campaign_id=deadline.campaign_id,
                dedupe_key=reminder.key,
            )
            session.flush()
            # SQLAlchemy signals "after_commit" when a savepoint is released too, which would
            # start a delivery job per message before the run is committed; remind() asks
            # once for the whole run instead.
            session.info.pop(MAIL_WAITING, None)
    except IntegrityError:
        run.already_queued += 1
        return
    run.queued += 1


def _staff(session: Session, campaign: Campaign) -> list[User]:
    return list(
        session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.campaign_id == campaign.id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def _speakers(session: Session, hearing: Deadline) -> list[Testimony]:
    """Residents who asked to speak at this hearing and to be reminded, one per person."""
    rows = session.scalars(
        sa.select(Testimony)
        .where(
            Testimony.hearing_id == hearing.id,
            Testimony.wants_to_speak.is_(True),
            Testimony.consent_reminders.is_(True),
            Testimony.anonymized.is_(False),
            Testimony.status.in_(RESIDENT_STATUSES),
            Testimony.email.is_not(None),
        )
        .order_by(Testimony.id)
    )
    seen: set[str] = set()
    people = []
    for testimony in rows:
        if testimony.email_hash in seen:
            continue
        seen.add(testimony.email_hash)
        people.append(testimony)
    return people


def reminders_for(session: Session, deadline: Deadline, offset: int) -> list[Reminder]:
    """Who is reminded of a deadline at an offset: the campaign's staff, and for a hearing the
    residents who asked to speak and to be reminded."""
    prefix = f"reminder:{deadline.id}:{offset}"
    found = [
        Reminder(
            f"{prefix}:staff:{user.id}",
            user.email,
            context.site_language(user.language),
            "email/schedule/staff_reminder.txt",
            {"person": user},
        )
        for user in _staff(session, deadline.campaign)
    ]
    if deadline.kind == DeadlineKind.HEARING:
        found += [
            Reminder(
                f"{prefix}:resident:{testimony.email_hash}",
                testimony.email or "",
                context.site_language(testimony.language),
                "email/schedule/speaker_reminder.txt",
                {"testimony": testimony},
            )
            for testimony in _speakers(session, deadline)
        ]
    return found


def _due(session: Session, now: datetime, hours: tuple[int, ...]) -> list[Deadline]:
    horizon = now + timedelta(hours=max(hours))
    return list(
        session.scalars(
            sa.select(Deadline)
            .join(Campaign, Campaign.id == Deadline.campaign_id)
            .where(
                Campaign.status == CampaignStatus.OPEN, Deadline.at > now, Deadline.at <= horizon
            )
            .options(selectinload(Deadline.campaign).selectinload(Campaign.decision))
            .order_by(Deadline.at, Deadline.id)
        )
    )


def remind(session: Session, now: datetime | None = None) -> ReminderRun:
    """Queue every reminder due now, each exactly once; the caller commits."""
    now = now or utcnow()
    hours = offsets()
    run = ReminderRun()
    if not hours:
        return run
    waiting_before = session.info.get(MAIL_WAITING, False)
    started = False
    for deadline in _due(session, now, hours):
        offset = offset_due(deadline.at, now, hours)
        if offset is None:
            continue
        if not started:
            _begin_for_savepoints(session)
            started = True
        run.deadlines.add(deadline.id)
        for reminder in reminders_for(session, deadline, offset):
            _queue_once(session, run, reminder, deadline, now)
    if run.queued or waiting_before:
        # Delivery starts after the caller's commit (see campaign.services.mail.queue).
        session.info[MAIL_WAITING] = True
    return run
