"""`flask --app campaign paper import ...`: typed-up paper sheets from the command line, through
the same preview rules and bulk save as the web import."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask

from campaign.extensions import db
from campaign.models import Campaign, User
from campaign.models.types import utcnow
from campaign.services import DomainError, paper


@click.group("paper")
def paper_group() -> None:
    """Paper signatures."""


@paper_group.command("import")
@click.argument("slug")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "email", required=True, help="Staff email recorded as who entered them.")
@click.option("--batch", default="", help="Batch label (default: date and time).")
@click.option("--language", type=click.Choice(["en", "es"]), default="en", show_default=True)
@click.option("--dry-run", is_flag=True, help="Only show what would be saved.")
def import_command(
    slug: str, csv_file: Path, email: str, batch: str, language: str, dry_run: bool
) -> None:
    """Import a CSV of typed-up sign-up sheets into a campaign as paper signatures."""
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise click.ClickException(f"no campaign with slug {slug!r}")
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not (user.is_admin or user.role_in(campaign.id) is not None):
        raise click.ClickException(f"{email} is not on the staff of {slug}")
    started = time.perf_counter()
    try:
        paper.check_campaign(campaign)
        preview = paper.analyze(db.session, campaign, csv_file.read_bytes())
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    counts = preview.counts
    click.echo(
        f"{counts['total']} rows: {counts['valid']} valid, {counts['invalid']} invalid, "
        f"{counts['duplicate']} duplicates"
    )
    problems = Counter(p.value for row in preview.rows for p in row.problems)
    for problem, count in problems.most_common():
        click.echo(f"  {problem}: {count}")
    if dry_run:
        click.echo("Dry run: nothing saved.")
        return
    now = utcnow()
    saved = 0
    with click.progressbar(length=counts["valid"], label="Saving") as bar:
        done = 0
        for step in paper.save(
            db.session,
            campaign,
            user,
            preview,
            batch=paper.clean_batch(batch, now),
            language=language,
            now=now,
        ):
            bar.update(step.done - done)
            done = step.done
            if step.finished:
                saved = step.saved
    db.session.commit()
    click.echo(f"Saved {saved} paper signatures in {time.perf_counter() - started:.1f} s")


def register(app: Flask) -> None:
    """Attach this area's commands to the application."""
    app.cli.add_command(paper_group)
