"""`flask --app campaign serve`: the development server, with a log that names no client.

With `--with-worker` (what `make run` uses) it also runs the job worker as its own process
group, and stops that whole group (the worker and the packet renderer's forkserver) when the
server stops: Ctrl+C leaves nothing running.
"""

from __future__ import annotations

import errno
import gc
import logging
import os
import signal
import subprocess
import sys

import click
from flask import current_app
from werkzeug.serving import run_simple

from campaign.access_log import AddressFreeRequestHandler, access_logger

# How long the worker may take to finish what it is doing before it is killed.
WORKER_STOP_SECONDS = 10


def _start_worker(threads: int) -> subprocess.Popen:
    # Its own session, hence its own process group: the terminal's Ctrl+C reaches only the
    # server, which then stops the group itself (the worker alone would treat SIGINT as "finish
    # the running jobs first", and its forkserver ignores SIGINT).
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "campaign", "worker", "--workers", str(threads)],
        start_new_session=True,
    )


def _stop_worker(worker: subprocess.Popen) -> None:
    """SIGTERM to the worker's whole group (worker, forkserver, renderers), then wait."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(worker.pid, sig)
        except ProcessLookupError:
            break
        try:
            worker.wait(timeout=WORKER_STOP_SECONDS)
            break
        except subprocess.TimeoutExpired:
            continue
    worker.wait()


def _stop_on_sigterm(_signum, _frame):
    raise KeyboardInterrupt  # run the `finally` that stops the worker


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--with-worker",
    "worker_threads",
    type=int,
    default=0,
    help="Also run the job worker with this many threads, stopped with the server.",
)
def serve_command(host: str, port: int, worker_threads: int) -> None:
    """Serve the app for development (`make run`). Production uses gunicorn (docs/deploy.md).

    Unlike `flask run`, the request log has no client address and no link token.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_logger.addHandler(handler)
    access_logger.setLevel(logging.INFO)
    access_logger.propagate = False
    worker = _start_worker(worker_threads) if worker_threads > 0 else None
    gc.freeze()  # what is loaded now stays: stopping need not spend seconds collecting it
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        click.echo(f"Serving on http://{host}:{port} (Ctrl+C stops everything)")
        run_simple(
            host,
            port,
            current_app._get_current_object(),
            threaded=True,
            request_handler=AddressFreeRequestHandler,
        )
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        raise click.ClickException(
            f"Port {port} is in use by another program. Choose another: PORT=8080 make run"
        ) from None
    except KeyboardInterrupt:
        pass
    finally:
        if worker is not None:
            _stop_worker(worker)
            click.echo("Server and job worker stopped.")
