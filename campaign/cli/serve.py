"""`flask --app campaign serve`: the development server, with a log that names no client."""

from __future__ import annotations

import logging

import click
from flask import current_app
from werkzeug.serving import run_simple

from campaign.access_log import AddressFreeRequestHandler, access_logger


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Serve the app for development (`make run`). Production uses gunicorn (docs/deploy.md).

    Unlike `flask run`, the request log has no client address and no link token.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_logger.addHandler(handler)
    access_logger.setLevel(logging.INFO)
    access_logger.propagate = False
    click.echo(f"Serving on http://{host}:{port} (Ctrl+C to stop)")
    run_simple(
        host,
        port,
        current_app._get_current_object(),
        threaded=True,
        request_handler=AddressFreeRequestHandler,
    )
