"""`flask --app campaign demo`: the Riverton demo campaigns and bulk benchmark data."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from campaign.demo import record as record_demo
from campaign.demo import riverton
from campaign.extensions import db
from campaign.models import Campaign


@click.command("demo")
@click.option("--signatures", default=0, show_default=True, help="Bulk synthetic signatures.")
@click.option("--testimonies", default=0, show_default=True, help="Bulk synthetic testimonies.")
@click.option(
    "--campaign",
    "slug",
    default=riverton.OPEN_SLUG,
    show_default=True,
    help="Campaign that receives the bulk data.",
)
@click.option("--seed", type=int, default=None, help="Random seed for bulk data.")
@click.option("--if-empty", is_flag=True, help="Do nothing if any campaign exists.")
@click.option(
    "--show-logins",
    is_flag=True,
    help="Print the demo staff accounts kept in the instance folder (once, new or not).",
)
def demo_command(
    signatures: int,
    testimonies: int,
    slug: str,
    seed: int | None,
    if_empty: bool,
    show_logins: bool,
) -> None:
    """Load the Riverton demo (idempotent) and optionally bulk data for benchmarks."""
    if if_empty and db.session.scalar(sa.select(Campaign.id).limit(1)) is not None:
        click.echo("The database already holds campaigns; demo not loaded.")
        if show_logins:
            _show_saved_logins()
        return
    _load(show_logins)
    if show_logins:
        _show_saved_logins()
    if signatures or testimonies:
        started = time.perf_counter()
        with click.progressbar(length=signatures + testimonies, label="Bulk data") as bar:
            last = [0]

            def advance(done: int, _total: int) -> None:
                bar.update(done - last[0])
                last[0] = done

            riverton.bulk(db.session, slug, signatures, testimonies, seed=seed, progress=advance)
            db.session.commit()
        elapsed = time.perf_counter() - started
        click.echo(
            f"Added {signatures} signatures and {testimonies} testimonies to {slug} "
            f"in {elapsed:.1f} s"
        )


def _logins_file() -> Path:
    return Path(current_app.instance_path) / "demo-logins.txt"


def _load(show_logins: bool) -> None:
    result = riverton.load(db.session)
    db.session.commit()
    for slug_created in result.created:
        click.echo(f"Created demo campaign {slug_created}")
    for slug_skipped in result.skipped:
        click.echo(f"Demo campaign {slug_skipped} already exists; left as it is")
    if result.created:
        for slug_followed in record_demo.follow_council(db.session):
            click.echo(f"Demo campaign {slug_followed} follows the demo council's record")
        db.session.commit()
    if not result.logins:
        return
    lines = [f"  {email}  password: {password}" for email, password in result.logins]
    # Kept only in the local instance folder (mode 0600) so that `make run` can show them
    # again; with --show-logins they are printed from there, once.
    with open(_logins_file(), "a", opener=lambda p, f: os.open(p, f, 0o600)) as out:
        out.write("\n".join(lines) + "\n")
    if not show_logins:
        click.echo("\nDemo staff accounts (kept in instance/demo-logins.txt):")
        click.echo("\n".join(lines))


def _show_saved_logins() -> None:
    logins = _logins_file()
    if logins.is_file():
        click.echo("\nDemo staff accounts (from instance/demo-logins.txt):")
        click.echo(logins.read_text().rstrip("\n"))
