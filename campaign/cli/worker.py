"""`flask --app campaign worker`: the background job consumer (mail, packets, reminders)."""

from __future__ import annotations

import gc
import os

import click
from flask import current_app

from campaign import jobs


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
def worker_command(workers: int) -> None:
    """Run the huey consumer until interrupted."""
    # create_app (run by `flask --app campaign`) pointed jobs.huey at this app's job store
    # and registered every task; the jobs run in this same app.
    if current_app.config.get("HUEY_IMMEDIATE"):
        raise click.ClickException("HUEY_IMMEDIATE is set: jobs run inline, no worker is needed")
    if int(current_app.config.get("PACKET_WORKERS", 2)) > 0:
        # Packet builds render in processes forked from a server that loads WeasyPrint and
        # the fonts: start it now, so that no build waits for it.
        from campaign.pdf.build import start_rendering_server

        try:
            seconds = start_rendering_server()
        except Exception as exc:  # the first build starts it, or says why it cannot
            click.echo(f"Packet renderer not started: {exc}", err=True)
        else:
            click.echo(f"Packet renderer ready ({seconds:.1f} s)")
    # What is loaded by now lives as long as the process: kept out of the collector, so that
    # stopping does not spend seconds collecting it (Ctrl+C in `make run` stops at once).
    gc.freeze()
    consumer = jobs.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    click.echo(f"Job worker started (pid {os.getpid()}, {workers} threads); stop with Ctrl-C")
    consumer.run()
