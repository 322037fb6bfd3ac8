"""The rendering processes' forkserver: what it preloads, and starting it early.

Rendering workers come from a forkserver that has loaded WeasyPrint and the fonts
(`worker_preload.py`): safe to start from a threaded web or job worker (unlike fork), and
the preloaded WeasyPrint makes each worker cheap to start (unlike spawn).

This module imports nothing but the standard library, so that a process can start the
forkserver before it imports the application: `flask --app campaign packet build` does,
and the forkserver's second and a half of imports runs on the other core while the command
loads the app (`campaign/cli/packets.py`).
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.context
import threading
import time

PRELOAD = "campaign.pdf.worker_preload"

logger = logging.getLogger(__name__)


def rendering_context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context whose processes the forkserver forks after the preload."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOAD])
    return context


def wait_until_ready(context: multiprocessing.context.BaseContext) -> float:
    """Start the context's forkserver if need be; return, with the seconds it took, once it
    can fork a worker."""
    started = time.perf_counter()
    # A process started through it is forked only after the preload is done.
    probe = context.Process(target=int, name="packet-renderer-ready")
    probe.start()
    probe.join()
    return time.perf_counter() - started


def start_in_background() -> threading.Thread:
    """Start the forkserver from a thread that waits for it, and return at once.

    The thread spends its time blocked on the forkserver's pipe, not holding the GIL. A
    build started meanwhile uses the same forkserver (multiprocessing starts one per
    process); if this one cannot start, the build tries again and says why.
    """

    def start() -> None:
        try:
            wait_until_ready(rendering_context())
        except Exception:
            logger.exception("could not start the packet rendering server early")

    thread = threading.Thread(target=start, name="packet-renderer-start", daemon=True)
    thread.start()
    return thread
