"""`flask --app campaign record sync`: bring every campaign that follows a council's record in
step with it (the worker does the same every 30 minutes, campaign/schedule/tasks.py)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from campaign.extensions import db
from campaign.record import fake_council, fetch
from campaign.services import record_sync

record_group = AppGroup("record", help="Follow councils' official records.")


@record_group.command("sync")
@click.option("--campaign", "slug", help="Only this campaign (its web address).")
def sync_command(slug: str | None) -> None:
    """Read each followed record and apply what changed; a source that fails changes nothing."""
    failures = 0
    for link in record_sync.followed_links(db.session, slug):
        try:
            result = record_sync.sync(db.session, link)
            db.session.commit()  # each campaign on its own: one council's failure loses nothing
        except BaseException:
            db.session.rollback()
            raise
        click.echo(describe(result))
        failures += bool(result.error)
    if failures:
        raise SystemExit(1)


def describe(result: record_sync.SyncResult) -> str:
    """One line per campaign, for the operator."""
    if result.error:
        return f"{result.slug}: not synced ({result.error}); nothing stored changed."
    if result.unchanged:
        return f"{result.slug}: unchanged."
    parts = [
        f"{len(result.moved)} moved",
        f"{len(result.added)} added",
        f"{result.votes} votes",
        f"{result.conflicts} conflicts for the lead",
    ]
    if result.status_changed:
        parts.append("status changed")
    return f"{result.slug}: " + ", ".join(parts) + "."


@record_group.command("demo-move-hearing")
@click.option("--days", type=int, default=2, show_default=True, help="Days later (or earlier).")
def demo_move_hearing_command(days: int) -> None:
    """Development only: the demo council's clerk moves the upcoming hearing; then run
    `record sync` (or wait for the worker) and watch the campaign follow."""
    client = record_sync.council_clients().get(fake_council.CLIENT)
    state_file = client.options.get("state_file") if client else None
    if not client or not client.options.get("demo") or not state_file:
        raise click.ClickException("no demo council here (development only)")
    path = Path(state_file)
    council = fake_council.FakeCouncil.load(path) if path.exists() else None
    if council is None:
        raise click.ClickException("the demo council has no record yet: run `demo` first")
    event = council.event(fake_council.HEARING_ID)
    day = date.fromisoformat(event["EventDate"][:10]) + timedelta(days=days)
    council.move_event(fake_council.HEARING_ID, day)
    council.save(path)
    fetch.clear_cache()
    click.echo(f"The demo council moved its hearing to {day.isoformat()}.")


def register(app: Flask) -> None:
    app.cli.add_command(record_group)
