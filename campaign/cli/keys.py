"""`flask --app campaign keys rotate`: a new encryption key for personal data."""

from __future__ import annotations

import click

from campaign.extensions import db
from campaign.services import keys


@click.group("keys")
def keys_group() -> None:
    """Encryption keys for personal data."""


@keys_group.command("rotate")
def rotate() -> None:
    """Add a new key and re-encrypt every stored name, email, address and phone with it."""
    try:
        path, count = keys.rotate(db.session)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        raise click.ClickException(f"rotation failed, nothing changed: {error}") from error
    click.echo(f"Re-encrypted {count} values with a new key (added first in {path}).")
    click.echo(
        "Restart running app and worker processes so they load the new key. The old key "
        "stays in the file so older backups remain readable; remove it when you no "
        "longer need them."
    )
