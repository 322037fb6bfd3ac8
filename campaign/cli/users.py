"""`flask --app campaign users ...`: staff accounts."""

from __future__ import annotations

import sys

import click

from campaign.extensions import db
from campaign.services import DomainError, accounts


@click.group("users")
def users_group() -> None:
    """Staff accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "lead", "organizer"]), required=True)
@click.option("--campaign", "slug", default=None, help="Campaign slug (lead or organizer).")
@click.option("--name", default="", help="Display name.")
def create(email: str, role: str, slug: str | None, name: str) -> None:
    """Create an account; the password is read from standard input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = accounts.create_user(
            db.session, email, password, role=role, campaign_slug=slug, name=name
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    where = f" in {slug}" if slug else ""
    click.echo(f"Created {role} {user.email}{where}")
