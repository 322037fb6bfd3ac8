"""Dates: `remind`, `purge`, `tick` (changes made by time) and `outcome-mails` (moderation
decisions past their minute to undo), for people who prefer cron.

The worker runs the same services periodically (campaign/schedule/tasks.py); running a command
as well is safe: reminders are queued once per deadline, offset and person, and a campaign is
purged once.
"""

from __future__ import annotations

import click
from flask import Flask

from campaign.extensions import db
from campaign.services import DomainError, moderation, purge, reminders, transitions


@click.command("remind")
def remind_command() -> None:
    """Email the reminders that are due now (staff, and residents who asked to speak)."""
    try:
        run = reminders.remind(db.session)
        db.session.commit()
    except BaseException:
        db.session.rollback()  # nothing of a failed run is kept: the next run does it all
        raise
    click.echo(
        f"Queued {run.queued} reminders for {len(run.deadlines)} deadlines "
        f"({run.already_queued} were already queued)."
    )


@click.command("tick")
def tick_command() -> None:
    """Apply the changes due by time: close campaigns after their vote, record closings."""
    try:
        result = transitions.tick(db.session)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    for slug in result.closed_campaigns:
        click.echo(f"Closed {slug} after its vote.")
    for action, deadline_id in result.closings:
        click.echo(f"Recorded {action} for deadline {deadline_id}.")
    if not result.closed_campaigns and not result.closings:
        click.echo("Nothing changed.")


@click.command("outcome-mails")
def outcome_mails_command() -> None:
    """Mail residents the moderation decisions that can no longer be undone."""
    try:
        queued = moderation.queue_outcome_mails(db.session)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    click.echo(f"Queued {queued} mails about moderation decisions.")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would change; change nothing.")
def purge_command(dry_run: bool) -> None:
    """Anonymize the personal data of campaigns whose retention period is over."""
    try:
        plans = purge.purge(db.session, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    except BaseException:
        db.session.rollback()
        raise
    for plan in plans:
        click.echo(plan.summary())
    try:
        # Before anything else reads the tables: the scrub waits for readers (SQLite) and
        # locks each table it rewrites (PostgreSQL).
        purge.scrub_storage(db.engine, plans)
    except purge.ScrubIncomplete as error:
        raise click.ClickException(f"the purge is committed, but {error}") from error
    if not plans:
        click.echo("Nothing to purge." if not dry_run else "Nothing would be purged.")
    for campaign in purge.held(db.session):
        click.echo(f"{campaign.slug}: held back by a lead ({campaign.purge_hold_reason})")
    if dry_run:
        click.echo("Dry run: nothing was changed.")


def register(app: Flask) -> None:
    """Attach this area's commands to the application."""
    app.cli.add_command(remind_command)
    app.cli.add_command(tick_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(outcome_mails_command)
