"""`flask --app campaign check-deploy`: what is unsafe in this production configuration."""

from __future__ import annotations

import click
from flask import current_app

from campaign import deploy_checks


@click.command("check-deploy")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Worker processes the server will run (default: as deploy/gunicorn.conf.py would choose).",
)
@click.option(
    "--bind",
    default=None,
    help="Where the server will listen (default: as deploy/gunicorn.conf.py would).",
)
def check_deploy_command(workers: int | None, bind: str | None) -> None:
    """List unsafe settings; exit 1 if any is an error (the server would refuse to start)."""
    findings = deploy_checks.run(
        current_app,
        workers or deploy_checks.default_workers(),
        bind or deploy_checks.default_bind(),
    )
    for finding in findings:
        click.echo(str(finding))
    failed = deploy_checks.errors(findings)
    if failed:
        raise click.ClickException(
            f"{len(failed)} error(s): the production server would refuse to start"
        )
    click.echo(f"No errors ({len(findings)} warning(s)).")
