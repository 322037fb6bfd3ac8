"""Periodic jobs: moderation mails every minute, changes by time and reminders every 15
minutes, the councils' records every 30 minutes, the purge once a day.

Each job works in its own session and commits what it did; mail queued by the reminders is
delivered after that commit by the mail job (campaign.services.mail).
"""

from __future__ import annotations

from huey import crontab
from sqlalchemy.orm import Session

from campaign.jobs import huey, in_app_context


def _session() -> Session:
    from campaign.extensions import db

    return Session(bind=db.engine)


def run_tick_and_reminders() -> tuple[int, int]:
    """Apply changes by time, then queue due reminders (a campaign that just closed gets
    none); returns (campaigns closed, reminders queued)."""
    from campaign.services import reminders, transitions

    with _session() as session:
        ticked = transitions.tick(session)
        session.commit()
        run = reminders.remind(session)
        session.commit()
    return len(ticked.closed_campaigns), run.queued


def run_purge() -> int:
    """Purge every campaign past its retention period; returns how many were purged."""
    from campaign.services import purge

    with _session() as session:
        plans = purge.purge(session)
        session.commit()
        purge.scrub_storage(session.get_bind(), plans)
    return len(plans)


def run_outcome_mails() -> int:
    """Queue the residents' mails about moderation decisions that can no longer be undone."""
    from campaign.services import moderation

    with _session() as session:
        queued = moderation.queue_outcome_mails(session)
        session.commit()
    return queued


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def outcome_mail_job() -> int:
    """Every minute: mail residents the decisions on their testimony, once undo has passed."""
    return run_outcome_mails()


@huey.periodic_task(crontab(minute="*/15"))
@in_app_context
def tick_and_remind_job() -> tuple[int, int]:
    """Every 15 minutes: close what time closes, and send reminders that are due."""
    return run_tick_and_reminders()


def run_record_sync() -> int:
    """Sync every campaign that follows a council's record; returns how many failed to read."""
    from campaign.services import record_sync

    failed = 0
    with _session() as session:
        for link in record_sync.followed_links(session):
            failed += bool(record_sync.sync(session, link).error)
            session.commit()  # each campaign on its own
    return failed


@huey.periodic_task(crontab(minute="7,37"))
@in_app_context
def record_sync_job() -> int:
    """Every 30 minutes: follow the councils' records (moved hearings, votes, status)."""
    return run_record_sync()


@huey.periodic_task(crontab(hour="3", minute="17"))
@in_app_context
def purge_job() -> int:
    """Every day at 03:17 UTC: purge campaigns whose retention period is over."""
    return run_purge()
